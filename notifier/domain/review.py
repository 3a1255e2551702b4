"""Drafts of the programme and who may do what with them: the four-eyes rule.

A draft is a working copy of the programme. Authors edit it and submit it; a reviewer who did
not write any of it approves it; a reviewer who did not write any of it publishes it. Nothing
goes out that a second person has not seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from notifier.domain.errors import InputError
from notifier.domain.roles import Permission, allows


class DraftStatus(StrEnum):
    DRAFT = "draft"  # being edited
    SUBMITTED = "submitted"  # waiting for a reviewer
    APPROVED = "approved"  # a second person approved it; may be published
    PUBLISHED = "published"  # became a programme version; read-only
    WITHDRAWN = "withdrawn"  # given up; read-only


class DraftAction(StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    SEND_BACK = "send_back"
    PUBLISH = "publish"
    WITHDRAW = "withdraw"


LABELS = {
    DraftStatus.DRAFT: "concept",
    DraftStatus.SUBMITTED: "ter beoordeling",
    DraftStatus.APPROVED: "goedgekeurd",
    DraftStatus.PUBLISHED: "gepubliceerd",
    DraftStatus.WITHDRAWN: "ingetrokken",
}

_NEEDS: dict[DraftAction, tuple[Permission, frozenset[DraftStatus]]] = {
    DraftAction.EDIT: (Permission.EDIT_DRAFT, frozenset({DraftStatus.DRAFT})),
    DraftAction.SUBMIT: (Permission.EDIT_DRAFT, frozenset({DraftStatus.DRAFT})),
    DraftAction.APPROVE: (Permission.REVIEW, frozenset({DraftStatus.SUBMITTED})),
    DraftAction.SEND_BACK: (
        Permission.REVIEW,
        frozenset({DraftStatus.SUBMITTED, DraftStatus.APPROVED}),
    ),
    DraftAction.PUBLISH: (Permission.PUBLISH, frozenset({DraftStatus.APPROVED})),
    DraftAction.WITHDRAW: (
        Permission.EDIT_DRAFT,
        frozenset({DraftStatus.DRAFT, DraftStatus.SUBMITTED, DraftStatus.APPROVED}),
    ),
}
# Actions that a second pair of eyes must take: nobody who changed the draft may take them.
FOUR_EYES = frozenset({DraftAction.APPROVE, DraftAction.PUBLISH})


class ReviewRefused(InputError):
    """An action on a draft that this person may not take now (the message says why)."""


@dataclass(frozen=True, slots=True)
class DraftFacts:
    status: DraftStatus
    contributors: frozenset[int]  # staff ids of everyone who created, edited or submitted it


def refusal(action: DraftAction, draft: DraftFacts, user_id: int, role: str) -> str | None:
    """Why ``user_id`` with ``role`` may not take ``action`` on ``draft`` now; None if they may."""
    permission, statuses = _NEEDS[action]
    if not allows(role, permission):
        return "Uw rol mag dit niet."
    if draft.status not in statuses:
        return f"Dit kan niet bij een concept dat {LABELS[draft.status]} is."
    if action in FOUR_EYES and user_id in draft.contributors:
        return (
            "U heeft aan dit concept meegewerkt. Een collega die er niet aan heeft "
            "meegewerkt moet het beoordelen en publiceren (vier ogen)."
        )
    return None


def check(action: DraftAction, draft: DraftFacts, user_id: int, role: str) -> None:
    reason = refusal(action, draft, user_id, role)
    if reason is not None:
        raise ReviewRefused(reason)


def allowed_actions(draft: DraftFacts, user_id: int, role: str) -> list[DraftAction]:
    return [a for a in DraftAction if refusal(a, draft, user_id, role) is None]
