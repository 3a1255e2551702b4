"""The four-eyes rule: every role against every draft action, in every draft status."""

from __future__ import annotations

import pytest

from notifier.domain.review import (
    DraftAction,
    DraftFacts,
    DraftStatus,
    ReviewRefused,
    allowed_actions,
    check,
    refusal,
)
from notifier.domain.roles import Role

A, S = DraftAction, DraftStatus
AUTHOR_ID, OTHER_ID = 1, 2
# (action) -> (roles that may take it, statuses it is taken in)
EXPECTED = {
    A.EDIT: ({Role.AUTHOR, Role.REVIEWER}, {S.DRAFT}),
    A.SUBMIT: ({Role.AUTHOR, Role.REVIEWER}, {S.DRAFT}),
    A.APPROVE: ({Role.REVIEWER}, {S.SUBMITTED}),
    A.SEND_BACK: ({Role.REVIEWER}, {S.SUBMITTED, S.APPROVED}),
    A.PUBLISH: ({Role.REVIEWER}, {S.APPROVED}),
    A.WITHDRAW: ({Role.AUTHOR, Role.REVIEWER}, {S.DRAFT, S.SUBMITTED, S.APPROVED}),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(DraftAction))
@pytest.mark.parametrize("status", list(DraftStatus))
def test_each_role_may_take_exactly_its_actions_in_the_right_status(role, action, status):
    draft = DraftFacts(status, frozenset({AUTHOR_ID}))
    roles, statuses = EXPECTED[action]
    assert (refusal(action, draft, OTHER_ID, role.value) is None) is (
        role in roles and status in statuses
    )


@pytest.mark.parametrize("action", [A.APPROVE, A.PUBLISH])
def test_nobody_who_worked_on_a_draft_approves_or_publishes_it(action):
    status = S.SUBMITTED if action is A.APPROVE else S.APPROVED
    draft = DraftFacts(status, frozenset({AUTHOR_ID, OTHER_ID}))
    for user in (AUTHOR_ID, OTHER_ID):  # the author, and a reviewer who edited it
        with pytest.raises(ReviewRefused, match="vier ogen"):
            check(action, draft, user, Role.REVIEWER.value)
    check(action, draft, 3, Role.REVIEWER.value)  # a colleague who did not


def test_the_actions_offered_on_a_page_follow_the_same_rule():
    submitted = DraftFacts(S.SUBMITTED, frozenset({AUTHOR_ID}))
    assert allowed_actions(submitted, AUTHOR_ID, Role.REVIEWER.value) == [A.SEND_BACK, A.WITHDRAW]
    assert A.APPROVE in allowed_actions(submitted, OTHER_ID, Role.REVIEWER.value)
    assert allowed_actions(submitted, OTHER_ID, Role.VIEWER.value) == []
    assert allowed_actions(submitted, OTHER_ID, Role.ADMIN.value) == []
    published = DraftFacts(S.PUBLISHED, frozenset({AUTHOR_ID}))
    assert allowed_actions(published, OTHER_ID, Role.REVIEWER.value) == []
