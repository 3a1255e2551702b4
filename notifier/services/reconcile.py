"""Resolving a send whose outcome is unknown (timeout, 5xx, a worker killed mid-send).

Before anything is sent again, the provider is asked what it sent to that number since the
attempt; a message with the same body means it went out (record its SID). Only when the
provider certainly has nothing is the message queued again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.adapters.channels.twilio_sms import SentSms
from notifier.adapters.db.engine import unit_of_work
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


class _Changed(Exception):
    """The row moved while its send was being reconciled."""


def reconcile_stuck(
    factory: sessionmaker[Session],
    message_id: int,
    provider: SentLookup | None,
    now: datetime,
    stuck_after: timedelta,
) -> str:
    """Reconcile a stuck send, if it still is one: the one path for the Celery task and the
    in-process tick alike.

    A reconcile can wait (in the queue, or behind a slow tick). By then the row may have been
    requeued and claimed again: that new send may be on its way to the provider, and finding
    nothing there yet would send it a third time. So a row touched within ``stuck_after`` is
    left alone ("in flight"). And a status callback may commit while the provider is being
    asked: the decision is only written if the row is still as it was read (checked under its
    lock), else it is dropped ("changed meanwhile")."""
    row = select(Message.status, Message.updated_at).where(Message.id == message_id)
    try:
        with unit_of_work(factory) as session:
            seen = session.execute(row).first()
            if seen is None or seen.status != MessageStatus.SENDING:
                return "not sending"
            if seen.updated_at > now - stuck_after:
                return "in flight"
            status = reconcile(session, message_id, provider, now)
            with session.no_autoflush:
                if session.execute(row.with_for_update()).first() != seen:
                    raise _Changed
    except _Changed:
        return "changed meanwhile"
    return status
