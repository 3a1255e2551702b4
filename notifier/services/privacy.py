"""Privacy (AVG): everything held about a person, erasure, and retention.

Erasure removes personal data (names, numbers, addresses, the dates that identify a child,
message texts, SMS replies) and keeps delivery statistics without identity: a message keeps its
step, channel, language, status, reason and times, but loses recipient, family, child, provider
reference and text. Events (the consent log) lose their links and details; one
``person.erased`` / ``family.erased`` event without identity records that it happened.

Retention: a family is erased 3 months after its programme ended or after it stopped; a
sign-up not confirmed within 7 days is deleted; SMS replies lose text and number after 30 days
(message texts: ``scheduling.apply_body_retention``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, false, func, or_, select, update
from sqlalchemy.orm import Session

from notifier.adapters.db.family_repository import child_facts
from notifier.adapters.db.tables import (
    Child,
    Confirmation,
    Event,
    Family,
    InboundMessage,
    InboundReceipt,
    Message,
    PlannerState,
    Recipient,
)
from notifier.domain.confirmation import CONFIRM_WITHIN
from notifier.domain.contact import lookup_email, lookup_phone
from notifier.domain.errors import InputError, NotFound
from notifier.domain.programme import Programme
from notifier.domain.retention import TEXT_RETENTION, erase_due, longest_span_days
from notifier.domain.timing import AMSTERDAM
from notifier.services import consent
from notifier.services.erasure_texts import scrub_message_reasons

KEEP_AFTER_LOSS = "privacy.keep_after_loss"  # the event a family records to keep its data

LAST_SWEEP = "privacy_sweep_day"


def find_person(
    session: Session, phone: str | None, email: str | None, regions: list[str]
) -> list[Recipient]:
    """The recipients with this number or address (one person may be enrolled more than once)."""
    if bool(phone) == bool(email):
        raise InputError("give a phone number or an email address (one of the two)", "phone")
    condition = (
        Recipient.phone == lookup_phone(phone, regions)
        if phone
        else func.lower(Recipient.email) == lookup_email(email or "").lower()
    )
    return list(session.scalars(select(Recipient).where(condition).order_by(Recipient.id)))


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _row(obj: Any, *names: str) -> dict[str, Any]:
    return {n: _iso(getattr(obj, n)) for n in names}


def export_person(
    session: Session,
    *,
    phone: str | None = None,
    email: str | None = None,
    regions: list[str] | None = None,
    now: datetime,
) -> dict[str, Any]:
    """Everything held about the person with this number or address, as JSON-ready data.
    Another caregiver's contact details are theirs, not this person's: only counted."""
    recipients = find_person(session, phone, email, regions or ["NL"])
    if not recipients:
        raise NotFound("nobody with this phone number or email address is enrolled")
    enrolments = []
    for r in recipients:
        family = r.family
        events = session.scalars(
            select(Event)
            .where(
                or_(
                    Event.recipient_id == r.id,
                    and_(Event.family_id == family.id, Event.recipient_id.is_(None)),
                )
            )
            .order_by(Event.at, Event.id)
        ).all()
        messages = session.scalars(
            select(Message).where(Message.recipient_id == r.id).order_by(Message.due_at)
        ).all()
        replies = session.scalars(
            select(InboundMessage)
            .where(InboundMessage.recipient_id == r.id)
            .order_by(InboundMessage.received_at)
        ).all()
        confirmations = session.scalars(
            select(Confirmation).where(Confirmation.recipient_id == r.id).order_by(Confirmation.id)
        ).all()
        enrolments.append(
            {
                "enrollment": {
                    "enrollment_id": family.public_id,
                    **_row(family, "status", "consent_source", "consent_by", "location_key"),
                    **_row(family, "paused_until", "created_at", "ended_at"),
                },
                "you": _row(
                    r,
                    "first_name",
                    "phone",
                    "email",
                    "language",
                    "channels",
                    "preferred_time",
                    "sms_consent",
                    "email_consent",
                    "phone_usable",
                    "email_usable",
                    "created_at",
                ),
                "other_caregivers": len(family.recipients) - 1,
                "children": [
                    _row(
                        c,
                        "name",
                        "due_date",
                        "birth_date",
                        "weeks_at_birth",
                        "status",
                        "lost_on",
                        "first_child",
                    )
                    for c in family.children
                ],
                "consent_log": [
                    _row(e, "kind", "channel", "source", "actor", "detail", "at") for e in events
                ],
                "confirmations": [
                    _row(c, "channel", "created_at", "expires_at", "confirmed_at")
                    for c in confirmations
                ],
                "messages": [
                    {
                        "step": m.step_key,
                        **_row(m, "channel", "language", "status", "reason", "due_at"),
                        **_row(m, "sent_at", "delivered_at", "body"),
                    }
                    for m in messages
                ],
                "sms_replies": [
                    _row(i, "command", "body", "received_at", "read_at") for i in replies
                ],
            }
        )
    return {"exported_at": now.isoformat(), "enrolments": enrolments}


@dataclass
class Erased:
    recipients: int = 0
    families: int = 0
    messages_anonymised: int = 0
    events_anonymised: int = 0
    replies_deleted: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)

    def add(self, other: Erased) -> None:
        for name in ("recipients", "families", "messages_anonymised", "events_anonymised"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.replies_deleted += other.replies_deleted


def _anonymise_messages(session: Session, condition: Any) -> int:
    result = session.execute(
        update(Message)
        .where(condition)
        .values(
            recipient_id=None,
            family_id=None,
            child_id=None,
            nudge_id=None,
            provider_ref=None,
            body=None,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _anonymise_events(session: Session, condition: Any) -> int:
    result = session.execute(
        update(Event)
        .where(condition)
        .values(family_id=None, recipient_id=None, actor=None, detail={})
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _erase_recipient(session: Session, recipient: Recipient) -> Erased:
    erased = Erased(recipients=1)
    scrub_message_reasons(session, recipient)
    erased.messages_anonymised = _anonymise_messages(session, Message.recipient_id == recipient.id)
    erased.events_anonymised = _anonymise_events(session, Event.recipient_id == recipient.id)
    replies = session.execute(
        delete(InboundMessage).where(
            or_(
                InboundMessage.recipient_id == recipient.id,
                InboundMessage.from_phone == recipient.phone if recipient.phone else false(),
            )
        )
    )
    erased.replies_deleted = int(replies.rowcount or 0)  # type: ignore[attr-defined]
    family = recipient.family
    family.recipients.remove(recipient)  # delete-orphan; confirmations go by cascade
    session.flush()
    return erased


def erase_family(
    session: Session,
    family: Family,
    now: datetime,
    source: str,
    reason: str,
    kind: str = "family.erased",
) -> Erased:
    """Erase a whole family: every caregiver, the children, their messages' identity. One
    event of ``kind`` (with no link to anyone) records that it happened and why."""
    erased = Erased()
    for recipient in list(family.recipients):
        erased.add(_erase_recipient(session, recipient))
    erased.messages_anonymised += _anonymise_messages(session, Message.family_id == family.id)
    erased.events_anonymised += _anonymise_events(session, Event.family_id == family.id)
    session.execute(delete(InboundMessage).where(InboundMessage.family_id == family.id))
    session.delete(family)
    session.flush()
    erased.families = 1
    session.add(Event(kind=kind, source=source, detail={"reason": reason}, at=now))
    return erased


def erase_person(
    session: Session,
    *,
    phone: str | None = None,
    email: str | None = None,
    regions: list[str] | None = None,
    now: datetime,
    source: str = "web",
) -> Erased:
    """Erase the person with this number or address. A family of which they are the only
    caregiver is erased whole; in a family with another caregiver only they are removed."""
    recipients = find_person(session, phone, email, regions or ["NL"])
    if not recipients:
        raise NotFound("nobody with this phone number or email address is enrolled")
    erased = Erased()
    for recipient in recipients:
        family = recipient.family
        if len(family.recipients) == 1:
            erased.add(erase_family(session, family, now, source, "asked by the person"))
            continue
        for channel in consent.live_channels(recipient):
            consent.withdraw(session, recipient, channel, now, source, "erasure")
        erased.add(_erase_recipient(session, recipient))
        session.add(
            Event(family_id=family.id, kind="person.erased", source=source, detail={}, at=now)
        )
    return erased


def expire_unconfirmed(session: Session, now: datetime) -> Erased:
    """A channel still pending when its last confirmation request ran out (or 7 days after the
    recipient was added, when none was sent) is dropped with its address; a recipient left with
    no consent at all is deleted, and a family left with no recipient is erased."""
    erased = Erased()
    open_request = exists().where(
        Confirmation.recipient_id == Recipient.id,
        Confirmation.confirmed_at.is_(None),
        Confirmation.expires_at > now,
    )
    stale = session.scalars(
        select(Recipient)
        .where(or_(Recipient.sms_consent == "pending", Recipient.email_consent == "pending"))
        .where(Recipient.created_at < now - CONFIRM_WITHIN)
        .where(~open_request)
        .order_by(Recipient.id)
    ).all()
    for recipient in stale:
        family = recipient.family
        for channel in consent.CHANNELS:
            if consent.consent_of(recipient, channel) == "pending":
                setattr(recipient, f"{channel}_consent", "none")
                consent.log(session, recipient, "expired", channel, "system", "not confirmed")
                recipient.channels = ",".join(
                    c for c in recipient.channels.split(",") if c and c != channel
                )
                if channel == "sms":
                    recipient.phone = None
                else:
                    recipient.email = None
        if (
            consent.live_channels(recipient)
            or consent.consent_of(recipient, "sms") == "withdrawn"
            or consent.consent_of(recipient, "email") == "withdrawn"
        ):
            continue
        if len(family.recipients) == 1:
            erased.add(erase_family(session, family, now, "system", "not confirmed in 7 days"))
        else:
            erased.add(_erase_recipient(session, recipient))
    return erased


def erase_expired(session: Session, programme: Programme, now: datetime, today: date) -> Erased:
    """Families 3 months past a stop, or 3 months past the end of their programme."""
    erased = Erased()
    stopped = session.scalars(
        select(Family)
        .where(Family.status.in_(("stopped", "ended")))
        .where(Family.ended_at < now - timedelta(days=89))
    ).all()
    cutoff = today - timedelta(days=longest_span_days(programme) + 92)
    running = (
        (Child.anchor_corrected >= cutoff) | (Child.due_date >= cutoff) | (Child.lost_on >= cutoff)
    )
    finished = session.scalars(
        select(Family)
        .where(Family.status == "active")
        .where(~exists().where(Child.family_id == Family.id, running))
    ).all()
    # A loss ends the programme early, so the span pre-filter does not apply; there are few.
    lost = session.scalars(select(Family).where(Family.status == "lost")).all()
    for family in [*stopped, *finished, *lost]:
        ended = family.ended_at.astimezone(AMSTERDAM).date() if family.ended_at else None
        children = [child_facts(c) for c in family.children]
        if family.status in ("stopped", "ended") and ended is None:
            continue
        kept = family.status == "lost" and _asked_to_keep(session, family.id)
        if erase_due(programme, children, ended, today, kept_after_loss=kept):
            erased.add(erase_family(session, family, now, "system", "retention"))
    return erased


def _asked_to_keep(session: Session, family_id: int) -> bool:
    query = select(Event.id).where(Event.family_id == family_id, Event.kind == KEEP_AFTER_LOSS)
    return session.scalar(query.limit(1)) is not None


def remove_old_replies(session: Session, now: datetime) -> int:
    """SMS replies kept for staff lose their text and number after 30 days; the MessageSids
    kept against Twilio's retries (``inbound_receipts``) go too."""
    session.execute(
        delete(InboundReceipt).where(InboundReceipt.received_at < now - TEXT_RETENTION)
    )
    result = session.execute(
        update(InboundMessage)
        .where(InboundMessage.received_at < now - TEXT_RETENTION)
        .where(or_(InboundMessage.body.is_not(None), InboundMessage.from_phone.is_not(None)))
        .values(body=None, from_phone=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass
class SweepReport:
    unconfirmed: Erased = field(default_factory=Erased)
    expired: Erased = field(default_factory=Erased)
    replies_cleared: int = 0


def sweep(session: Session, programme: Programme, now: datetime, today: date) -> SweepReport:
    report = SweepReport()
    report.unconfirmed = expire_unconfirmed(session, now)
    report.expired = erase_expired(session, programme, now, today)
    report.replies_cleared = remove_old_replies(session, now)
    return report


def daily_sweep(
    session: Session, programme: Programme, now: datetime, today: date
) -> SweepReport | None:
    """``sweep`` once per day (the scheduler ticks every minute)."""
    done = session.get(PlannerState, LAST_SWEEP)
    if done is not None and done.value >= today.isoformat():
        return None
    report = sweep(session, programme, now, today)
    session.merge(PlannerState(key=LAST_SWEEP, value=today.isoformat()))
    return report
