"""Signing up: the one service the sign-up page (and staff, and the CLI) call.

``request_signup`` validates, applies the abuse limits, enrols (or silently does nothing for a
number or address that is already enrolled), starts the confirmation step, and answers with
the same neutral outcome either way: the page must not tell a stranger whether a number is
enrolled. Limits count before anything is looked up, for the same reason."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from notifier.adapters.counters import LocalWindowCounter, RedisWindowCounter, WindowCounter
from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Family, Recipient
from notifier.config import Settings
from notifier.domain.enrolment import EnrolmentInput, RecipientInput, check_enrolment
from notifier.domain.limits import HOUR, SignupLimits, contact_key, within
from notifier.domain.programme import Programme
from notifier.services.confirmation import send_confirmations, start_confirmation
from notifier.services.enrolment import enrol
from notifier.services.ports import Runtime
from notifier.services.publishing import current_programme

ACCEPTED = "accepted"
LIMITED = "limited"


@dataclass(frozen=True)
class SignupOutcome:
    """``accepted`` (we sent a confirmation if there was one to send) or ``limited`` (too
    many sign-ups: try again later). Deliberately nothing more."""

    status: str


@dataclass(frozen=True)
class Enrolled:
    enrollment_id: str
    confirmations: dict[int, str]  # outbox id -> what became of it


def limits_of(settings: Settings) -> SignupLimits:
    return SignupLimits(
        settings.signup_per_contact_per_hour,
        settings.signup_per_ip_per_hour,
        settings.signup_sms_per_hour,
    )


@lru_cache(maxsize=8)
def _redis_counter(url: str) -> RedisWindowCounter:
    return RedisWindowCounter(url)


_LOCAL = LocalWindowCounter()


def counter_for(settings: Settings) -> WindowCounter:
    url = settings.redis_url or (
        settings.broker_url if (settings.broker_url or "").startswith("redis") else None
    )
    return _redis_counter(url) if url else _LOCAL


def allowed(
    counter: WindowCounter, limits: SignupLimits, secret: str, ip: str, enrolment: EnrolmentInput
) -> bool:
    """Count this sign-up against every limit it touches; False when one is exceeded."""
    ok = within(counter.hit("ip", contact_key(secret, ip), HOUR), limits.per_ip)
    for r in enrolment.recipients:
        for contact in (r.phone, r.email):
            if contact:
                count = counter.hit("contact", contact_key(secret, contact), HOUR)
                ok = within(count, limits.per_contact) and ok
        if r.phone:
            ok = within(counter.hit("sms", "all", HOUR), limits.sms_total) and ok
    return ok


def _enrolled(session: Session, r: RecipientInput) -> Recipient | None:
    """A live recipient (consent pending or confirmed) with this number or address."""
    matches = []
    if r.phone:
        matches.append(
            (Recipient.phone == r.phone) & Recipient.sms_consent.in_(("pending", "confirmed"))
        )
    if r.email:
        matches.append(
            (Recipient.email == r.email) & Recipient.email_consent.in_(("pending", "confirmed"))
        )
    return session.scalars(
        select(Recipient)
        .join(Family, Family.id == Recipient.family_id)
        .where(Family.status == "active")
        .where(or_(*matches))
        .order_by(Recipient.id)
        .limit(1)
    ).first()


def request_signup(
    app: Runtime,
    enrolment: EnrolmentInput,
    ip: str,
    now: datetime,
    today: date,
    counter: WindowCounter | None = None,
) -> SignupOutcome:
    """The sign-up form, submitted. InputError (with its field) when the form is not valid:
    nothing stored, nothing counted. Otherwise a neutral outcome."""
    with unit_of_work(app.factory) as session:
        _, programme = current_programme(session)
    checked = check_enrolment(
        enrolment, today, programme.languages, list(programme.locations), app.settings.phone_regions
    )
    limits = limits_of(app.settings)
    counter = counter or counter_for(app.settings)
    if not allowed(counter, limits, app.settings.secret_key, ip, checked):
        return SignupOutcome(LIMITED)
    with unit_of_work(app.factory) as session:
        fresh, again = [], []
        for r in checked.recipients:
            existing = _enrolled(session, r)
            if existing is None:
                fresh.append(r)
            elif "pending" in (existing.sms_consent, existing.email_consent):
                again.append(existing)  # asked before and not confirmed: ask again
        ids: list[int] = []
        if fresh:
            family = enrol(
                session,
                programme,
                replace(checked, recipients=tuple(fresh), confirmed=False),
                today,
                app.settings.phone_regions,
            )
            ids += _start(app, session, family, programme, now)
        for recipient in again:
            ids += start_confirmation(
                session,
                recipient.family,
                programme,
                now,
                secret=app.settings.secret_key,
                public_url=app.settings.public_url,
                recipients=[recipient],
            )
    send_confirmations(app, ids)
    return SignupOutcome(ACCEPTED)


def _start(
    app: Runtime, session: Session, family: Family, programme: Programme, now: datetime
) -> list[int]:
    return start_confirmation(
        session,
        family,
        programme,
        now,
        secret=app.settings.secret_key,
        public_url=app.settings.public_url,
    )


def enrol_with_confirmation(
    app: Runtime, enrolment: EnrolmentInput, now: datetime, today: date
) -> Enrolled:
    """Enrol (staff, CLI, import, API) and, unless consent was confirmed elsewhere, send each
    recipient the confirmation step. No abuse limits: the caller is trusted."""
    with unit_of_work(app.factory) as session:
        _, programme = current_programme(session)
        family = enrol(session, programme, enrolment, today, app.settings.phone_regions)
        ids = [] if enrolment.confirmed else _start(app, session, family, programme, now)
        public_id = family.public_id
    return Enrolled(public_id, send_confirmations(app, ids))
