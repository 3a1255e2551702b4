"""Handing due messages to the queue, and finding the ones whose task got lost.

A message is moved ``scheduled -> queued`` before its task is published. If the publish or the
task is lost, the sweeper finds ``queued`` rows that nobody touched for a while and publishes
them again; the worker's compare-and-set makes a duplicate task harmless.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import Message
from notifier.domain.message_status import MessageStatus

LOST_AFTER = timedelta(minutes=5)
STUCK_AFTER = timedelta(minutes=15)


def _lockable(session: Session, query):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def _move(
    session: Session,
    candidates: Any,
    status: str,
    values: dict[str, Any],
) -> list[tuple[int, str]]:
    """Lock the candidate rows (skipping locked ones on PostgreSQL) and update those still in
    ``status``; returns (id, channel) of the rows this caller moved."""
    ids = list(session.scalars(_lockable(session, candidates)))
    if not ids:
        return []
    rows = session.execute(
        update(Message)
        .where(Message.id.in_(ids))
        .where(Message.status == status)
        .values(**values)
        .returning(Message.id, Message.channel)
    )
    return sorted((r.id, r.channel) for r in rows)


def enqueue_due(session: Session, now: datetime, limit: int = 20_000) -> list[tuple[int, str]]:
    """Move due messages to ``queued``; returns (id, channel) to publish."""
    candidates = (
        select(Message.id)
        .where(Message.status == MessageStatus.SCHEDULED)
        .where(Message.due_at <= now)
        .order_by(Message.due_at, Message.id)
        .limit(limit)
    )
    queued = {"status": MessageStatus.QUEUED, "updated_at": now}
    return _move(session, candidates, MessageStatus.SCHEDULED, queued)


def requeue_lost(
    session: Session, now: datetime, lost_after: timedelta = LOST_AFTER, limit: int = 20_000
) -> list[tuple[int, str]]:
    """``queued`` messages due and untouched for ``lost_after``: their task was lost."""
    candidates = (
        select(Message.id)
        .where(Message.status == MessageStatus.QUEUED)
        .where(Message.due_at <= now)
        .where(Message.updated_at < now - lost_after)
        .limit(limit)
    )
    return _move(session, candidates, MessageStatus.QUEUED, {"updated_at": now})


def stuck_sending(
    session: Session, now: datetime, stuck_after: timedelta = STUCK_AFTER
) -> list[int]:
    """Messages in ``sending`` for too long: the worker died or the outcome was ambiguous."""
    return list(
        session.scalars(
            select(Message.id)
            .where(Message.status == MessageStatus.SENDING)
            .where(Message.updated_at < now - stuck_after)
        )
    )


def by_channel(rows: list[tuple[int, str]], batch: int) -> dict[str, list[list[int]]]:
    """Group ids per channel into batches for the worker tasks."""
    grouped: dict[str, list[int]] = {}
    for message_id, channel in rows:
        grouped.setdefault(channel, []).append(message_id)
    return {
        c: [ids[i : i + batch] for i in range(0, len(ids), batch)] for c, ids in grouped.items()
    }
