"""Messages the product sends on its own behalf (the double opt-in confirmation), through the
same outbox, channels, claims and outcomes as the programme's nudges.

Such a message has no nudge and a ``step_key`` from SYSTEM_STEPS. Its text is rendered when it
is created (it holds a one-time code or link) and kept in ``body`` like any sent text (removed
after 30 days). It goes at once, outside quiet hours too: the person has just asked for it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from notifier.adapters.channels.base import OutgoingMessage
from notifier.adapters.db.tables import Message, Recipient
from notifier.adapters.renderer import split_email
from notifier.domain.message_status import MessageStatus

CONFIRM_STEP = "confirm"
LINK_STEP = "preferences-link"  # a new link to the preferences page, asked for on the web
SYSTEM_STEPS = frozenset({CONFIRM_STEP, LINK_STEP})
MAX_SMS_VALIDITY_SECONDS = 14_400  # Twilio's ValidityPeriod upper bound


def is_system_message(message: Message) -> bool:
    return message.nudge_id is None and message.step_key in SYSTEM_STEPS


def prepare_system(
    session: Session, message: Message, public_url: str, now: datetime
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
