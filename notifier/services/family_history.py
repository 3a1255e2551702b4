"""One family's history for an administrator: found by an exact phone number, email address or
enrolment id, shown with what the question "what did this family get, and why not?" needs and
nothing more. Contact details are masked, names become labels, dates of birth become a stage;
every look at a family is written to the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import Event, Family, Message, Nudge, Recipient, StaffUser
from notifier.domain.errors import NotFound
from notifier.domain.family import PRETERM_BELOW_WEEKS
from notifier.domain.family_search import FamilyQuery, SearchBy
from notifier.domain.masking import mask_text, mask_value
from notifier.domain.provider_errors import meaning
from notifier.domain.stages import stage
from notifier.domain.timing import AMSTERDAM
from notifier.services import audit


@dataclass(frozen=True)
class FamilyMatch:
    public_id: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class RecipientView:
    label: str
    initial: str
    phone: str  # masked
    email: str  # masked
    channels: str
    language: str
    sms_consent: str
    email_consent: str
    phone_usable: bool
    email_usable: bool


@dataclass(frozen=True)
class ChildView:
    label: str
    status: str
    stage: str
    preterm: bool


@dataclass(frozen=True)
class MessageView:
    id: int
    step: str
    channel: str
    recipient: str
    status: str
    reason: str
    attempts: int
    provider_ref: str
    error_code: str
    error_meaning: str
    due_at: datetime
    expires_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class NudgeView:
    step: str
    day: date
    status: str
    reason: str


@dataclass(frozen=True)
class EventView:
    at: datetime
    kind: str
    channel: str
    source: str
    recipient: str
    actor: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class FamilyView:
    public_id: str
    status: str
    location: str
    consent_source: str
    consent_by: str
    created_at: datetime
    paused_until: date | None
    ended_at: datetime | None
    recipients: list[RecipientView]
    children: list[ChildView]
    messages: list[MessageView]
    unsent_steps: list[NudgeView]
    events: list[EventView]


def find_families(
    session: Session, actor: StaffUser, query: FamilyQuery
) -> Sequence[FamilyMatch]:
    """The families with exactly this phone number, address or id (usually one, or none).

    The search itself is audited without the value searched for (that is personal data)."""
    select_family = select(Family.public_id, Family.status, Family.created_at)
    if query.by is SearchBy.PUBLIC_ID:
        found = select_family.where(Family.public_id == query.value)
    else:
        column = Recipient.phone if query.by is SearchBy.PHONE else Recipient.email
        families = select(Recipient.family_id).where(column == query.value)
        found = select_family.where(Family.id.in_(families))
    rows = session.execute(found.order_by(Family.created_at.desc(), Family.id.desc())).all()
    audit.record(session, actor, "family.search", "", after={"by": query.by.value,
                                                             "matches": len(rows)})
    return [FamilyMatch(r.public_id, r.status, _local(r.created_at)) for r in rows]


def view_family(session: Session, actor: StaffUser, public_id: str, today: date) -> FamilyView:
    """Everything planned for the family, its consent and event log; audited as family.view."""
    family = session.scalar(select(Family).where(Family.public_id == public_id))
    if family is None:
        raise NotFound(f"no family with enrolment id {public_id!r}")
    audit.record(session, actor, "family.view", family.public_id)
    labels = {r.id: f"Ouder {n}" for n, r in enumerate(family.recipients, start=1)}
    return FamilyView(
        public_id=family.public_id,
        status=family.status,
        location=family.location_key or "",
        consent_source=family.consent_source,
        consent_by=mask_text(family.consent_by or ""),
        created_at=_local(family.created_at),
        paused_until=family.paused_until,
        ended_at=_local(family.ended_at) if family.ended_at else None,
        recipients=[_recipient(r, labels[r.id]) for r in family.recipients],
        children=[
            ChildView(
                label=f"Kind {n}",
                status=c.status,
                stage=stage(c.birth_date, today) if c.status != "lost" else "-",
                preterm=c.weeks_at_birth is not None and c.weeks_at_birth < PRETERM_BELOW_WEEKS,
            )
            for n, c in enumerate(family.children, start=1)
        ],
        messages=_messages(session, family.id, labels),
        unsent_steps=_unsent_steps(session, family.id),
        events=_events(session, family.id, labels),
    )


def _recipient(r: Recipient, label: str) -> RecipientView:
    return RecipientView(
        label=label,
        initial=f"{r.first_name[:1]}." if r.first_name else "",
        phone=mask_text(r.phone or ""),
        email=mask_text(r.email or ""),
        channels=r.channels,
        language=r.language,
        sms_consent=r.sms_consent,
        email_consent=r.email_consent,
        phone_usable=r.phone_usable,
        email_usable=r.email_usable,
    )


def _messages(session: Session, family_id: int, labels: dict[int, str]) -> list[MessageView]:
    rows = session.scalars(
        select(Message).where(Message.family_id == family_id).order_by(Message.due_at, Message.id)
    ).all()
    return [
        MessageView(
            id=m.id,
            step=m.step_key,
            channel=m.channel,
            recipient=labels.get(m.recipient_id or 0, "-"),
            status=m.status,
            reason=mask_text(m.reason or ""),
            attempts=m.attempts,
            provider_ref=m.provider_ref or "",
            error_code=m.error_code or "",
            error_meaning=meaning(m.channel, m.error_code) if m.error_code else "",
            due_at=_local(m.due_at),
            expires_at=_local(m.expires_at),
            sent_at=_local(m.sent_at) if m.sent_at else None,
            delivered_at=_local(m.delivered_at) if m.delivered_at else None,
            updated_at=_local(m.updated_at),
        )
        for m in rows
    ]


def _unsent_steps(session: Session, family_id: int) -> list[NudgeView]:
    """Steps the planner decided about without (yet) a message: waiting, skipped or cancelled,
    with the planner's reason. This is where "why did she not get it?" is usually answered."""
    rows = session.scalars(
        select(Nudge)
        .where(Nudge.family_id == family_id)
        .where(Nudge.status != "placed")
        .order_by(Nudge.day, Nudge.id)
    ).all()
    return [NudgeView(n.step_key, n.day, n.status, n.reason or "") for n in rows]


def _events(session: Session, family_id: int, labels: dict[int, str]) -> list[EventView]:
    rows = session.scalars(
        select(Event).where(Event.family_id == family_id).order_by(Event.at, Event.id)
    ).all()
    return [
        EventView(
            at=_local(e.at),
            kind=e.kind,
            channel=e.channel or "",
            source=e.source or "",
            recipient=labels.get(e.recipient_id or 0, ""),
            actor=mask_text(e.actor or ""),
            detail=mask_value(e.detail or {}),
        )
        for e in rows
    ]


def _local(at: datetime) -> datetime:
    return at.astimezone(AMSTERDAM)
