"""Every role against every action: the one table the staff pages ask."""

from __future__ import annotations

import pytest

from notifier.domain.errors import InputError
from notifier.domain.roles import Permission, Role, allows, parse_role

P = Permission
EXPECTED = {
    Role.VIEWER: {P.READ_PROGRAMME},
    Role.AUTHOR: {P.READ_PROGRAMME, P.EDIT_DRAFT, P.ENROL_FAMILY},
    Role.REVIEWER: {P.READ_PROGRAMME, P.EDIT_DRAFT, P.REVIEW, P.PUBLISH, P.ENROL_FAMILY},
    Role.ADMIN: {P.READ_PROGRAMME, P.VIEW_DELIVERY, P.VIEW_FAMILY, P.MANAGE_USERS, P.READ_AUDIT},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_each_role_may_do_exactly_its_actions(role: Role, permission: Permission) -> None:
    assert allows(role.value, permission) is (permission in EXPECTED[role])


def test_only_admins_see_families_and_only_reviewers_publish() -> None:
    assert [r for r in Role if allows(r, P.VIEW_FAMILY)] == [Role.ADMIN]
    assert [r for r in Role if allows(r, P.PUBLISH)] == [Role.REVIEWER]


def test_an_unknown_role_may_do_nothing_and_is_refused_with_the_valid_names() -> None:
    assert not any(allows("superuser", p) for p in Permission)
    with pytest.raises(InputError, match="use one of viewer, author, reviewer, admin"):
        parse_role("superuser")
    assert parse_role(" Author ") is Role.AUTHOR
