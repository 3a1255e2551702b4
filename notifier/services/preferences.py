"""What a parent changes on their preferences page (reached from a signed link that names only a
recipient id): channels, language, time of day, a pause, a second caregiver, a loss, a stop.

Withdrawing is immediate; a channel added here needs its own confirmation first (the link
proves who holds the email, not who holds a phone)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from notifier.adapters.db.tables import Child, Event, Family, Recipient
from notifier.adapters.tokens import PREFERENCES, UNSUBSCRIBE, ShortLinks, Tokens
from notifier.domain.enrolment import RecipientInput, normalise_email, normalise_phone
from notifier.domain.errors import InputError
from notifier.domain.programme import Programme
from notifier.domain.timing import SendHours
from notifier.services import consent, family_changes
from notifier.services.confirmation import start_confirmation
from notifier.services.delivery import PREFERENCES_LINK_DAYS
from notifier.services.privacy import KEEP_AFTER_LOSS
from notifier.services.recipient_changes import change_language, change_preferred_time

PREFERENCES_MAX_AGE = PREFERENCES_LINK_DAYS * 24 * 3600
UNSUBSCRIBE_MAX_AGE = 400 * 24 * 3600  # an unsubscribe link in an old email keeps working
PAUSE_WEEKS = (2, 4, 8)
MAX_PAUSE = timedelta(days=366)


def preferences_link(public_url: str, secret: str, recipient_id: int) -> str:
    token = Tokens(secret).make(PREFERENCES, {"r": recipient_id})
    return f"{public_url.rstrip('/')}/p/{token}"


def long_token_for_short(session: Session, secret: str, code: str, today: date) -> str:
    """The full preferences token behind a short SMS link (InputError when forged or expired)."""
    recipient_id = ShortLinks(secret, PREFERENCES).read(code, today, PREFERENCES_LINK_DAYS)
    if session.get(Recipient, recipient_id) is None:
        raise InputError("this link is not valid")
    return Tokens(secret).make(PREFERENCES, {"r": recipient_id})


def recipient_from_link(
    session: Session, secret: str, token: str, purpose: str = PREFERENCES
) -> Recipient:
    """The recipient a link is for; InputError when it expired, is forged, or they are gone."""
    max_age = PREFERENCES_MAX_AGE if purpose == PREFERENCES else UNSUBSCRIBE_MAX_AGE
    data = Tokens(secret).read(purpose, token, max_age)
    recipient = session.get(Recipient, int(data.get("r", 0) or 0))
    if recipient is None:
        raise InputError("this link is not valid")
    return recipient


def _want(session: Session, recipient: Recipient, channel: str) -> None:
    """A channel asked for again or anew: consent given, confirmation pending."""
    if consent.consent_of(recipient, channel) in consent.LIVE:
        return
    setattr(recipient, f"{channel}_consent", "pending")
    consent.log(session, recipient, "given", channel, "web", "preferences")


def change_settings(
    session: Session,
    recipient: Recipient,
    programme: Programme,
    *,
    channels: Sequence[str],
    language: str,
    preferred_time: time | None,
    hours: SendHours,
    now: datetime,
    secret: str,
    public_url: str,
) -> list[int]:
    """Returns the confirmation messages to send (for channels added here)."""
    wanted = [c for c in consent.CHANNELS if c in channels]
    if not wanted:
        raise InputError("choose at least one way, or stop the messages", "channels")
    if language not in programme.languages:
        raise InputError(f"unknown language {language!r}", "language")
    for channel in wanted:
        if not (recipient.phone if channel == "sms" else recipient.email):
            raise InputError(f"no address for {channel}", "channels")
    for channel in consent.CHANNELS:
        if channel not in wanted:
            consent.withdraw(session, recipient, channel, now, "web", "preferences")
    for channel in wanted:
        _want(session, recipient, channel)
    recipient.channels = ",".join(wanted)
    # messages planned but not sent yet follow the new language and time, as in the partner API
    change_language(session, recipient, language, programme, now, "web")
    if preferred_time != recipient.preferred_time:
        change_preferred_time(session, recipient, preferred_time, hours, now, "web")
    family = recipient.family
    family.replan = True
    session.add(Event.for_recipient(recipient, "preferences.changed", ",".join(wanted), "web"))
    return start_confirmation(
        session, family, programme, now, secret=secret, public_url=public_url,
        recipients=[recipient],
    )


def pause_until(weeks: int | None, until: date | None, today: date) -> date:
    """The last day of a pause of 2, 4 or 8 weeks, or until a given date (within a year)."""
    if weeks is not None:
        if weeks not in PAUSE_WEEKS:
            raise InputError("a pause is 2, 4 or 8 weeks", "pause")
        return today + timedelta(weeks=weeks)
    if until is None or not today < until <= today + MAX_PAUSE:
        raise InputError("a pause ends after today and within a year", "pause_until")
    return until


def pause(session: Session, family: Family, last_day: date, today: date) -> None:
    family_changes.pause(session, family, last_day, today, source="web")


def add_caregiver(
    session: Session,
    family: Family,
    programme: Programme,
    person: RecipientInput,
    *,
    now: datetime,
    regions: Sequence[str],
    secret: str,
    public_url: str,
) -> list[int]:
    """A second caregiver, with their own consent to confirm. Returns the messages to send."""
    phone = normalise_phone(person.phone, regions) if person.phone else None
    email = normalise_email(person.email) if person.email else None
    channels = [c.value for c in person.channels]
    if not channels:
        raise InputError("choose text message, email or both", "partner_channels")
    if "sms" in channels and not phone:
        raise InputError("SMS needs a mobile number", "partner_phone")
    if "email" in channels and not email:
        raise InputError("email needs an email address", "partner_email")
    if person.language not in programme.languages:
        raise InputError(f"unknown language {person.language!r}", "partner_language")
    recipient = Recipient(
        first_name=person.first_name.strip()[:80],
        phone=phone,
        email=email,
        language=person.language,
        channels=",".join(channels),
        preferred_time=person.preferred_time,
        sms_consent="pending" if "sms" in channels else "none",
        email_consent="pending" if "email" in channels else "none",
    )
    family.recipients.append(recipient)
    session.flush()
    for channel in channels:
        consent.log(session, recipient, "given", channel, "web", "added by a caregiver")
    return start_confirmation(
        session, family, programme, now, secret=secret, public_url=public_url,
        recipients=[recipient],
    )


def others(recipient: Recipient) -> list[Recipient]:
    """The family's other caregivers who still have (or are asked for) consent."""
    return [
        r for r in recipient.family.recipients
        if r.id != recipient.id and consent.live_channels(r)
    ]


def remove_caregiver(session: Session, recipient: Recipient, other_id: int, now: datetime) -> None:
    """Stop a caregiver of the same family: their consent is withdrawn at once and their
    contact details are removed (the family's own data stays)."""
    other = next((r for r in others(recipient) if r.id == other_id), None)
    if other is None:
        raise InputError("this caregiver is not part of this sign-up", "remove")
    for channel in consent.live_channels(other):
        consent.withdraw(session, other, channel, now, "web", "removed by a caregiver")
    other.phone, other.email, other.first_name = None, None, ""
    session.add(Event(family_id=recipient.family_id, kind="caregiver.removed", source="web"))


def living_children(recipient: Recipient) -> list[Child]:
    """The family's children who live, as the loss page offers them: pregnancies first, then
    the youngest child first."""
    living = [c for c in recipient.family.children if c.status in ("expecting", "born")]
    return sorted(
        living,
        key=lambda c: (c.status != "expecting", -(c.birth_date or c.due_date).toordinal(), c.id),
    )


def report_loss(
    session: Session,
    recipient: Recipient,
    today: date,
    now: datetime,
    keep_data: bool,
    choice: int | None = None,
) -> None:
    """A loss for one child: ``choice`` is its place (from 1) in ``living_children``, needed when
    there is more than one. When no other child lives on, all messages stop at once (the
    planner sends only the loss message), and the family's data is erased after the grace
    period unless they ask to keep it (recorded as an event)."""
    family = recipient.family
    living = living_children(recipient)
    if len(living) > 1 and (choice is None or not 1 <= choice <= len(living)):
        raise InputError("choose who the loss is about", "child")
    child = living[(choice or 1) - 1] if living else None
    family_changes.report_loss(
        session, family, today, now, source="web", child_id=child.id if child else None
    )
    if keep_data:
        session.add(Event(family_id=family.id, kind=KEEP_AFTER_LOSS, source="web"))


def unsubscribe_email(session: Session, recipient: Recipient, now: datetime) -> bool:
    """RFC 8058 one-click: email stops for this recipient at once. False when it already had."""
    return consent.withdraw(session, recipient, "email", now, "web", "one-click unsubscribe")


def unsubscribe_token(secret: str, recipient_id: int) -> str:
    return Tokens(secret).make(UNSUBSCRIBE, {"r": recipient_id})
