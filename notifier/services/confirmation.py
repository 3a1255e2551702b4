"""Double opt-in: nothing is planned or sent to a recipient until they confirm, per channel.

SMS: a code (also typed on the website) and the reply JA/YES. Email: a link with a signed,
expiring token holding only the confirmation's opaque id. Each caregiver confirms for
themselves. Unconfirmed sign-ups are deleted after 7 days (``services.privacy``).

``start_confirmation`` writes the confirmation messages into the outbox in the caller's
transaction; ``send_confirmations`` sends them right after the commit. If that send is lost
(a crash), the next tick sends them: they are ordinary outbox rows."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import Confirmation, Family, Message, Recipient
from notifier.adapters.tokens import Tokens
from notifier.domain.confirmation import (
    CODE_MARK,
    CONFIRM_WITHIN,
    MAX_FAILED_PER_NUMBER,
    NUMBER_WINDOW,
    clean_code,
    code_matches,
    still_open,
    usable_code,
)
from notifier.domain.errors import InputError
from notifier.domain.programme import Programme
from notifier.services import consent
from notifier.services.delivery import send_one
from notifier.services.ports import Runtime
from notifier.services.system_messages import CONFIRM_STEP, system_message

CONFIRM = "confirm"  # token purpose
# The web page that reads the token (GET shows, POST confirms), in the recipient's language.
CONFIRM_PATH = {"nl": "/bevestig/", "en": "/en/confirm/"}


@dataclass(frozen=True)
class Confirmed:
    """What a confirmation attempt did; ``language`` is for the page that shows the answer."""

    ok: bool
    language: str = "nl"
    already: bool = False


def start_confirmation(
    session: Session,
    family: Family,
    programme: Programme,
    now: datetime,
    *,
    secret: str,
    public_url: str,
    recipients: Sequence[Recipient] | None = None,
) -> list[int]:
    """Ask each recipient (or the given ones) to confirm every channel still pending; a new
    request voids the open one for that channel. Returns the outbox ids to send."""
    session.flush()
    location = programme.location(family.location_key)
    ids: list[int] = []
    for recipient in recipients if recipients is not None else family.recipients:
        for channel in consent.CHANNELS:
            if consent.consent_of(recipient, channel) != "pending":
                continue
            message = _request(session, recipient, channel, now, secret, public_url, location)
            ids.append(message.id)
    return ids


def _request(
    session: Session,
    recipient: Recipient,
    channel: str,
    now: datetime,
    secret: str,
    public_url: str,
    location: object,
) -> Message:
    session.execute(
        update(Confirmation)
        .where(Confirmation.recipient_id == recipient.id)
        .where(Confirmation.channel == channel)
        .where(Confirmation.confirmed_at.is_(None))
        .where(Confirmation.expires_at > now)
        .values(expires_at=now)
    )
    request = Confirmation(
        public_id=secrets.token_hex(16),
        recipient_id=recipient.id,
        channel=channel,
        created_at=now,
        expires_at=now + CONFIRM_WITHIN,
    )
    context: dict[str, object] = {"cjg": location, "parent_name": recipient.first_name}
    if channel == "sms":
        # The code is made when the text is sent (``system_messages.fill_in_code``): the
        # stored body holds only a mark, the database only the code's keyed digest.
        context["code"] = CODE_MARK
    else:
        token = Tokens(secret).make(CONFIRM, {"c": request.public_id})
        path = CONFIRM_PATH.get(recipient.language, CONFIRM_PATH["nl"])
        context["link"] = public_url.rstrip("/") + path + token
    message = system_message(recipient, CONFIRM_STEP, channel, context, now, request.expires_at)
    session.add_all([request, message])
    session.flush()
    return message


def send_confirmations(app: Runtime, message_ids: Sequence[int]) -> dict[int, str]:
    """Send confirmation messages now (after the transaction that made them committed)."""
    ctx = app.send_context()
    return {i: send_one(app.factory, i, app.channels, ctx) for i in message_ids}


def _open_requests(
    session: Session, channel: str, now: datetime, *conditions: object
) -> list[tuple[Confirmation, Recipient]]:
    rows = session.execute(
        select(Confirmation, Recipient)
        .join(Recipient, Recipient.id == Confirmation.recipient_id)
        .where(Confirmation.channel == channel)
        .where(Confirmation.confirmed_at.is_(None))
        .where(Confirmation.expires_at > now)
        .where(*conditions)  # type: ignore[arg-type]
        .order_by(Confirmation.id)
    )
    return [(row[0], row[1]) for row in rows]


def confirm_by_code(
    session: Session, phone: str, code: str, now: datetime, *, secret: str
) -> Confirmed:
    """The code typed on the website, with the number it was sent to (E.164). A wrong code
    counts against that request; after 5 wrong tries it is void and a new one is needed. A
    number with 10 wrong tries in a day (over new sign-ups too) takes no code for that day."""
    plain = clean_code(code)
    if plain is None:
        raise InputError("the code is the 6 digits from the text message", "code")
    found = Confirmed(False)
    if _failures_for_number(session, phone, now) >= MAX_FAILED_PER_NUMBER:
        return found
    for request, recipient in _open_requests(session, "sms", now, Recipient.phone == phone):
        if not usable_code(request.failed_attempts):
            continue
        if code_matches(secret, request.public_id, plain, request.code_digest):
            request.confirmed_at = now
            consent.confirm(session, recipient, "sms", "web", "code")
            found = Confirmed(True, recipient.language)
        else:
            request.failed_attempts += 1
    return found


def _failures_for_number(session: Session, phone: str, now: datetime) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(Confirmation.failed_attempts), 0))
        .join(Recipient, Recipient.id == Confirmation.recipient_id)
        .where(Recipient.phone == phone)
        .where(Confirmation.channel == "sms")
        .where(Confirmation.created_at > now - NUMBER_WINDOW)
    )
    return int(total or 0)


def confirm_by_reply(session: Session, phone: str, now: datetime) -> list[Recipient]:
    """JA/YES from the number itself confirms every open SMS request for that number."""
    confirmed = []
    for request, recipient in _open_requests(session, "sms", now, Recipient.phone == phone):
        request.confirmed_at = now
        if consent.confirm(session, recipient, "sms", "sms", "reply"):
            confirmed.append(recipient)
    return confirmed


def confirm_by_token(session: Session, token: str, now: datetime, *, secret: str) -> Confirmed:
    """The link in the confirmation email. Idempotent: a second click says 'already'. Call it
    from a POST (a button on the page the link opens): mail scanners fetch links on their own."""
    data = Tokens(secret).read(CONFIRM, token, int(CONFIRM_WITHIN.total_seconds()))
    request = session.scalars(
        select(Confirmation).where(Confirmation.public_id == str(data.get("c", "")))
    ).first()
    if request is None:
        raise InputError("this link is no longer valid: sign up again")
    recipient = session.get(Recipient, request.recipient_id)
    assert recipient is not None
    if request.confirmed_at is not None:
        return Confirmed(True, recipient.language, already=True)
    if not still_open(request.expires_at, request.confirmed_at, now):
        raise InputError("this link has expired: ask for a new one")
    request.confirmed_at = now
    changed = consent.confirm(session, recipient, request.channel, "web", "link")
    return Confirmed(True, recipient.language, already=not changed)
