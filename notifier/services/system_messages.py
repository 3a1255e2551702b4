"""Messages the product sends on its own behalf (the double opt-in confirmation), through the
same outbox, channels, claims and outcomes as the programme's nudges.

Such a message has no nudge and a ``step_key`` from SYSTEM_STEPS. Its text is rendered when it
is created and kept in ``body`` like any sent text (removed after 30 days); an SMS code is not:
the body holds a mark where it goes, and the code is made as the text is sent. It goes at
once, outside quiet hours too: the person has just asked for it."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.adapters import system_texts
from notifier.adapters.channels.base import OutgoingMessage
from notifier.adapters.db.tables import Confirmation, Message, Recipient
from notifier.adapters.renderer import split_email
from notifier.domain.confirmation import CODE_MARK, code_digest, new_code
from notifier.domain.message_status import MessageStatus

CONFIRM_STEP = "confirm"
LINK_STEP = "preferences-link"  # a new link to the preferences page, asked for on the web
SYSTEM_STEPS = frozenset({CONFIRM_STEP, LINK_STEP})
MAX_SMS_VALIDITY_SECONDS = 14_400  # Twilio's ValidityPeriod upper bound


def system_message(
    recipient: Recipient,
    step: str,
    channel: str,
    context: dict[str, object],
    now: datetime,
    expires_at: datetime,
) -> Message:
    """A product message (not a programme step: a confirmation, a new link) to one recipient, in
    their language, its text rendered now from ``notifier/texts``, due at once."""
    if channel == "sms":
        body = system_texts.sms(step, recipient.language, context)
    else:
        mail = system_texts.email(step, recipient.language, context)
        body = f"Subject: {mail.subject}\n\n{mail.text}"
    return Message(
        family_id=recipient.family_id,
        recipient_id=recipient.id,
        step_key=step,
        channel=channel,
        language=recipient.language,
        due_at=now,
        expires_at=expires_at,
        status=MessageStatus.SCHEDULED,
        body=body,
    )


def is_system_message(message: Message) -> bool:
    return message.nudge_id is None and message.step_key in SYSTEM_STEPS


def prepare_system(
    session: Session, message: Message, public_url: str, now: datetime, secret: str
) -> OutgoingMessage | str:
    """What to send for a claimed system message, or the final status it ended in."""
    recipient = session.get(Recipient, message.recipient_id) if message.recipient_id else None
    blocked = _blocked(message, recipient, now)
    if blocked is not None or recipient is None:
        expired = blocked == "send window passed"
        message.status = MessageStatus.EXPIRED if expired else MessageStatus.SUPPRESSED
        message.reason = blocked or "recipient erased"
        return message.status
    body = message.body or ""
    headers: dict[str, str] = {}
    if message.channel == "sms" and message.step_key == CONFIRM_STEP and CODE_MARK in body:
        code = fill_in_code(session, recipient, now, secret)
        if code is None:
            message.status = MessageStatus.SUPPRESSED
            message.reason = "nothing to confirm any more"
            return message.status
        body = body.replace(CODE_MARK, code)
    if message.channel == "sms":
        base = public_url.rstrip("/")
        headers["status_callback"] = f"{base}/webhooks/twilio/status?m={message.id}"
        seconds = int((message.expires_at - now).total_seconds())
        headers["validity_period"] = str(min(seconds, MAX_SMS_VALIDITY_SECONDS))
        return OutgoingMessage(
            message.id, "sms", recipient.phone or "", message.language, body, headers=headers
        )
    email = split_email(body)
    return OutgoingMessage(
        message.id,
        "email",
        recipient.email or "",
        message.language,
        email.text,
        email.subject,
        email.html,
        headers,
    )


def fill_in_code(
    session: Session, recipient: Recipient, now: datetime, secret: str
) -> str | None:
    """A new code for the recipient's open SMS confirmation, made as the text goes out: only
    its keyed digest is stored (in the claim's transaction, committed before the send). A text
    sent again gets a new code; the one sent last is the one that works."""
    request = session.scalars(
        select(Confirmation)
        .where(Confirmation.recipient_id == recipient.id)
        .where(Confirmation.channel == "sms")
        .where(Confirmation.confirmed_at.is_(None))
        .where(Confirmation.expires_at > now)
        .order_by(Confirmation.id.desc())
        .limit(1)
    ).first()
    if request is None:
        return None
    code = new_code(secrets.randbelow)
    request.code_digest = code_digest(secret, request.public_id, code)
    return code


def _blocked(message: Message, recipient: Recipient | None, now: datetime) -> str | None:
    if message.expires_at < now:
        return "send window passed"
    if recipient is None:
        return "recipient erased"
    needed = "confirmed" if message.step_key == LINK_STEP else "pending"
    if message.channel == "sms":
        if recipient.sms_consent != needed:
            return "nothing to confirm any more" if needed == "pending" else "no consent"
        if not (recipient.phone and recipient.phone_usable):
            return "no usable number"
    else:
        if recipient.email_consent != needed:
            return "nothing to confirm any more" if needed == "pending" else "no consent"
        if not (recipient.email and recipient.email_usable):
            return "no usable address"
    if not message.body:
        return "no text (removed)"
    return None
