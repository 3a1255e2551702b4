"""Enrolments made by partner systems through the API: create, find, change, erase.

A partner (an API key) sees only the families it enrolled. Consent from a partner is never
confirmed: the family confirms each channel itself before anything is sent."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import ApiEnrolment, Family
from notifier.domain.enrolment import EnrolmentInput
from notifier.domain.errors import InputError, NotFound, NotifierError
from notifier.domain.programme import Channel, Programme
from notifier.domain.timing import SendHours
from notifier.services import family_changes, privacy, recipient_changes
from notifier.services.confirmation import start_confirmation
from notifier.services.enrolment import enrol

SOURCE = "api"


class Conflict(NotifierError):
    """The change does not fit the enrolment's state (stopped, or the child is already born)."""


@dataclass(frozen=True)
class Partner:
    """The API key a request came with."""

    key_id: int
    name: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class RecipientChange:
    position: int
    channels: tuple[Channel, ...] | None = None
    language: str | None = None
    preferred_time: time | None = None


@dataclass(frozen=True)
class EnrolmentChange:
    due_date: date | None = None
    birth_date: date | None = None
    weeks_at_birth: int | None = None
    paused_until: date | None = None
    recipients: tuple[RecipientChange, ...] = ()


def enrol_for(
    session: Session,
    partner: Partner,
    programme: Programme,
    enrolment: EnrolmentInput,
    today: date,
    regions: list[str],
    *,
    now: datetime,
    secret: str,
    public_url: str,
) -> tuple[Family, list[int]]:
    """Enrol with consent pending, on record as given through this partner, and ask each
    recipient to confirm (double opt-in). Returns the family and the confirmation messages to
    send once this transaction has committed (``confirmation.send_confirmations``)."""
    enrolment = replace(enrolment, consent_source=SOURCE, consent_by=partner.name, confirmed=False)
    family = enrol(session, programme, enrolment, today, regions)
    session.add(ApiEnrolment(family_id=family.id, api_key_id=partner.key_id))
    session.flush()
    asks = start_confirmation(
        session, family, programme, now, secret=secret, public_url=public_url
    )
    return family, asks


def family_for(session: Session, partner: Partner, public_id: str) -> Family:
    """The family, if this partner enrolled it; NotFound otherwise (others' ids do not exist)."""
    family = session.scalars(
        select(Family)
        .join(ApiEnrolment, ApiEnrolment.family_id == Family.id)
        .where(Family.public_id == public_id, ApiEnrolment.api_key_id == partner.key_id)
    ).first()
    if family is None:
        raise NotFound("no such enrollment")
    return family


def change(
    session: Session,
    family: Family,
    request: EnrolmentChange,
    programme: Programme,
    hours: SendHours,
    now: datetime,
    actor: str | None = None,
) -> None:
    """Apply every change or none (the caller's unit of work rolls back on an error)."""
    if family.status != "active":
        raise Conflict(f"this enrollment is {family.status}: it can no longer be changed")
    today = hours.today(now)
    if request.weeks_at_birth is not None and request.birth_date is None:
        raise InputError("weeks at birth goes with a birth date", "weeks_at_birth")
    expecting = any(c.status == "expecting" for c in family.children)
    if (request.due_date or request.birth_date) and not expecting:
        raise Conflict("the birth is already reported: there is no due date to change")
    if request.due_date is not None:
        family_changes.change_due_date(session, family, request.due_date, today, now, SOURCE)
    if request.birth_date is not None:
        family_changes.report_birth(
            session, family, request.birth_date, today, now, request.weeks_at_birth, SOURCE
        )
    if request.paused_until is not None:
        if request.paused_until <= today:
            raise InputError("a pause must end after today", "paused_until")
        family_changes.pause(session, family, request.paused_until, today, SOURCE)
    for wish in request.recipients:
        if not 0 <= wish.position < len(family.recipients):
            raise InputError(f"there is no recipient at position {wish.position}", "position")
        recipient = family.recipients[wish.position]
        if wish.channels is not None:
            recipient_changes.change_channels(session, recipient, wish.channels, now, SOURCE, actor)
        if wish.language is not None:
            recipient_changes.change_language(
                session, recipient, wish.language, programme, now, SOURCE, actor
            )
        if wish.preferred_time is not None:
            recipient_changes.change_preferred_time(
                session, recipient, wish.preferred_time, hours, now, SOURCE, actor
            )
    session.flush()


def erase(
    session: Session, family: Family, now: datetime, source: str, actor: str | None = None
) -> int:
    """Stop everything, then erase the family as every erasure does (``privacy.erase_family``):
    caregivers, children and plans go; messages and events stay for the delivery statistics,
    without bodies and without a link to anyone. Returns how many messages were kept that way."""
    family_changes.stop(session, family, now, source)
    reason = f"deleted by partner {actor}" if actor else "deleted by a partner"
    erased = privacy.erase_family(session, family, now, source, reason, kind="enrolment.erased")
    return erased.messages_anonymised
