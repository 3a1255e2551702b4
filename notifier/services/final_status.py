"""Sent SMS whose final status never came back (a status callback lost while our web app was
down or unreachable: Twilio does not resend one): their status is asked of Twilio and applied
exactly like a callback (``status_callbacks.apply_statuses``: never backwards, 21610 withdraws
consent, metrics counted once).

A message is asked about when it has been ``sent`` for ``after`` without a change, then again
every ``after`` while Twilio still says ``sent``, for at most ``GIVE_UP`` after sending (a
carrier that has not reported by then never will). Picking a message marks it asked
(``updated_at``), so a task waiting in the queue is not doubled by the next tick.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Message
from notifier.adapters.logs import get_logger
from notifier.domain.message_status import MessageStatus
from notifier.services.status_callbacks import StatusCallback, apply_statuses

GIVE_UP = timedelta(days=3)
LIMIT = 200  # per tick: each is a request to the provider
log = get_logger("notifier.final_status")


class StatusLookup(Protocol):
    def status_of(self, sid: str) -> tuple[str, str | None] | None: ...


def due_for_asking(session: Session, now: datetime, after: timedelta) -> list[int]:
    """The sent SMS to ask about now (oldest first), marked as asked."""
    ids = list(
        session.scalars(
            select(Message.id)
            .where(Message.status == MessageStatus.SENT)
            .where(Message.channel == "sms")
            .where(Message.provider_ref.is_not(None))
            .where(Message.updated_at < now - after)
            .where(Message.sent_at > now - GIVE_UP)
            .order_by(Message.updated_at)
            .limit(LIMIT)
        )
    )
    if ids:
        session.execute(
            update(Message)
            .where(Message.id.in_(ids))
            .values(updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return ids


def ask_final_status(
    factory: sessionmaker[Session],
    provider: StatusLookup,
    message_ids: Sequence[int],
    now: datetime,
) -> int:
    """Ask the provider about each message still ``sent``; apply what it says. The requests go
    outside any transaction; a callback that arrives meanwhile wins if it is further along.
    Returns how many messages moved on."""
    with unit_of_work(factory) as session:
        waiting = session.execute(
            select(Message.id, Message.provider_ref)
            .where(Message.id.in_(list(message_ids)))
            .where(Message.status == MessageStatus.SENT)
            .where(Message.provider_ref.is_not(None))
        ).all()
    answers = []
    for message_id, sid in waiting:
        found = provider.status_of(sid) if sid else None
        if sid and found is not None:
            answers.append(StatusCallback(message_id, sid, found[0], found[1]))
    if not answers:
        return 0
    with unit_of_work(factory) as session:
        moved = apply_statuses(session, answers, now)
    log.info("final_status.asked", asked=len(waiting), answered=len(answers), moved=moved)
    return moved
