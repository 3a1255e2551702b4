"""Twilio status callbacks: idempotent, and a status never moves backwards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.adapters.channels.base import Outcome, Result
from notifier.adapters.db.tables import Message, Recipient
from notifier.adapters.logs import get_logger
from notifier.services.outcomes import (
    BAD_NUMBER,
    STOPPED_BY_RECIPIENT,
    accepted,
    apply_sms_failure,
    provider_error,
    reached,
)

log = get_logger("notifier.status_callbacks")

# Twilio's status -> ours, and how far along each of ours is.
TWILIO_STATUS = {
    "accepted": "sent",
    "scheduled": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}
RANK = {
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "failed": 4,
    "expired": 4,
    "cancelled": 4,
    "suppressed": 4,
}


def apply_status(
    session: Session,
    *,
    message_id: int | None,
    sid: str,
    twilio_status: str,
    error_code: str | None,
    now: datetime,
) -> str:
    """Apply one callback; returns what happened (for logs and tests)."""
    result = _apply_status(session, message_id, sid, twilio_status, error_code, now)
    log.info(
        "status_callback",
        message_id=message_id,
        sid=sid,
        twilio_status=twilio_status,
        error_code=error_code,
        result=result,
    )
    return result


def _apply_status(
    session: Session,
    message_id: int | None,
    sid: str,
    twilio_status: str,
    error_code: str | None,
    now: datetime,
) -> str:
    ours = TWILIO_STATUS.get(twilio_status.lower())
    if ours is None:
        return "ignored: unknown status"
    query = (
        select(Message).where(Message.id == message_id)
        if message_id
        else select(Message).where(Message.provider_ref == sid)
    )
    message = session.scalars(query.with_for_update()).first()
    if message is None or message.channel != "sms":
        return "ignored: unknown message"
    if message.provider_ref and message.provider_ref != sid:
        return "ignored: another provider message"
    if RANK.get(message.status, 0) >= RANK[ours]:
        return f"ignored: already {message.status}"
    message.provider_ref = sid
    message.status, message.updated_at = ours, now
    accepted(session, message, now)
    if ours == "delivered":
        message.delivered_at, message.reason = now, None
    if ours == "failed":
        message.error_code = error_code
        message.reason = f"provider reports {twilio_status}" + (
            f" ({error_code})" if error_code else ""
        )
        if error_code:
            provider_error(session, message.channel, error_code)
        recipient = session.get(Recipient, message.recipient_id) if message.recipient_id else None
        if recipient is not None and error_code in STOPPED_BY_RECIPIENT | BAD_NUMBER:
            apply_sms_failure(
                session, message, recipient, Outcome(Result.FAILED, error_code=error_code), now
            )
    if message.status != "sent":
        reached(session, message, message.status)
    return message.status
