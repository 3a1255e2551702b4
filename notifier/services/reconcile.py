"""Resolving a send whose outcome is unknown (timeout, 5xx, a worker killed mid-send).

Before anything is sent again, the provider is asked what it sent to that number since the
attempt; a message with the same body means it went out (record its SID). Only when the
provider certainly has nothing is the message queued again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from notifier.adapters.channels.twilio_sms import SentSms
from notifier.adapters.db.tables import Message, Recipient
from notifier.adapters.logs import get_logger
from notifier.domain.message_status import MessageStatus
from notifier.services.outcomes import accepted, lock_sending, reached

LOOKBACK = timedelta(minutes=5)
log = get_logger("notifier.reconcile")


class SentLookup(Protocol):
    def sent_since(self, to: str, since: datetime) -> list[SentSms]: ...


def reconcile(session: Session, message_id: int, provider: SentLookup | None, now: datetime) -> str:
    """Decide a ``sending`` message: sent (found at the provider) or queued again."""
    message = lock_sending(session, message_id)
    if message is None:
        return "not sending"
    status = _decide(session, message, provider, now)
    if status != MessageStatus.SENT:
        reached(session, message, "retry" if status == MessageStatus.QUEUED else status)
    log.info("message.reconciled", message_id=message.id, channel=message.channel, status=status)
    return status


def _decide(session: Session, message: Message, provider: SentLookup | None, now: datetime) -> str:
    recipient = session.get(Recipient, message.recipient_id) if message.recipient_id else None
    if message.channel == "sms" and provider is not None and recipient and recipient.phone:
        since = min(message.created_at, message.updated_at) - LOOKBACK  # every attempt
        for sent in provider.sent_since(recipient.phone, since):
            if message.body and sent.body.strip() == message.body.strip():
                message.status, message.provider_ref = MessageStatus.SENT, sent.sid
                accepted(session, message, now)
                message.reason = "reconciled: the provider had accepted it"
                message.updated_at = now
                return message.status
    if message.expires_at < now:
        message.status = MessageStatus.EXPIRED
        message.reason = "window passed before the send was confirmed"
    else:
        message.status, message.due_at = MessageStatus.QUEUED, now
        message.reason = "reconciled: the provider had not accepted it; sending again"
    message.updated_at = now
    return message.status
