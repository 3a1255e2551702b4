"""Twilio status callbacks: idempotent, and a status never moves backwards.

A callback is one UPDATE that only matches a row whose status is less far along than the
callback's: a repeated or late callback changes nothing, and the row lock the UPDATE takes (with
PostgreSQL re-checking the WHERE on the newest row version) orders it against a worker recording
the send's outcome. No row is loaded into the ORM, except when a failure means something for the
recipient (21610: consent withdrawn; 21211/21614: number unusable). Several callbacks go to the
database in one transaction (``apply_statuses``); each UPDATE returns the row it moved, so the
metrics count exactly what changed. On PostgreSQL the UPDATEs of a batch are pipelined (psycopg's
``executemany`` with ``returning=True``: the same statements, in the same order, in one round
trip instead of one each).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, Update, bindparam, case, func, literal_column, or_, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from notifier.adapters import metrics
from notifier.adapters.channels.base import Outcome, Result
from notifier.adapters.db.tables import Message, Recipient
from notifier.domain.message_status import RANK, MessageStatus, from_twilio
from notifier.services.outcomes import (
    BAD_NUMBER,
    STOPPED_BY_RECIPIENT,
    apply_sms_failure,
    provider_error,
    sent_metrics,
)


@dataclass(frozen=True)
class StatusCallback:
    """What one callback says: our message id (from the callback URL) or else only the SID."""

    message_id: int | None
    sid: str
    twilio_status: str
    error_code: str | None = None


def _statement(by_id: bool) -> Update:
    """The UPDATE for one callback, with its values as bound parameters (one shape for all)."""
    ours = bindparam("b_ours", type_=Message.status.type)
    now = bindparam("b_now", type_=Message.updated_at.type)
    rank = case(RANK, value=Message.status, else_=literal_column("0"))
    target = (
        Message.id == bindparam("b_id", type_=Message.id.type)
        if by_id
        else Message.provider_ref == bindparam("b_sid")
    )
    return (
        update(Message)
        .where(target)
        .where(Message.channel == "sms")
        .where(or_(Message.provider_ref.is_(None), Message.provider_ref == bindparam("b_sid")))
        .where(rank < bindparam("b_rank"))
        .values(
            status=ours,
            provider_ref=bindparam("b_sid"),
            updated_at=now,
            sent_at=func.coalesce(Message.sent_at, now),
            delivered_at=case((ours == MessageStatus.DELIVERED, now), else_=Message.delivered_at),
            reason=case(
                (ours == MessageStatus.DELIVERED, None),
                (ours == MessageStatus.FAILED, bindparam("b_reason")),
                else_=Message.reason,
            ),
            error_code=case(
                (ours == MessageStatus.FAILED, bindparam("b_error_code")), else_=Message.error_code
            ),
        )
        .execution_options(synchronize_session=False)
    )


_MOVED = (Message.id, Message.recipient_id, Message.status, Message.sent_at, Message.due_at)
BY_ID, BY_SID = (_statement(by_id).returning(*_MOVED) for by_id in (True, False))


class Moved(NamedTuple):
    """The row a callback moved on (the UPDATE's RETURNING)."""

    id: int
    recipient_id: int | None
    status: str
    sent_at: datetime
    due_at: datetime


def _params(callback: StatusCallback, ours: str, now: datetime) -> dict[str, Any]:
    code = callback.error_code
    return {
        "b_id": callback.message_id,
        "b_sid": callback.sid,
        "b_ours": ours,
        "b_rank": RANK[ours],
        "b_now": now,
        "b_reason": f"provider reports {callback.twilio_status}" + (f" ({code})" if code else ""),
        "b_error_code": code,
    }


def _for_recipient(callback: StatusCallback, ours: str) -> bool:
    """A failure that changes what we may send this recipient (and so needs the ORM)."""
    code = callback.error_code or ""
    return ours == MessageStatus.FAILED and code in STOPPED_BY_RECIPIENT | BAD_NUMBER


@cache
def _pipeline_sql(dialect: Dialect) -> tuple[str, dict[str, Any]]:
    """BY_ID as the driver's SQL, with the constants SQLAlchemy bound (the RANK cases)."""
    compiled = BY_ID.compile(dialect=dialect)
    return compiled.string, dict(compiled.params)


def _moved(row: Any) -> Moved:
    def utc(value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    return Moved(row[0], row[1], row[2], utc(row[3]), utc(row[4]))


def _pipelined(connection: Connection, batch: list[dict[str, Any]]) -> list[Moved | None]:
    """BY_ID for each parameter set, in order, pipelined by psycopg; the row each moved."""
    sql, constants = _pipeline_sql(connection.dialect)
    driver: Any = connection.connection.driver_connection  # psycopg.Connection
    with driver.cursor() as cursor:
        cursor.executemany(sql, [{**constants, **p} for p in batch], returning=True)
        found: list[Moved | None] = []
        while True:
            row = cursor.fetchone()
            found.append(None if row is None else _moved(row))
            if not cursor.nextset():
                return found


def _execute(
    session: Session, work: Sequence[tuple[StatusCallback, str, dict[str, Any]]]
) -> list[Moved | None]:
    """Run the UPDATE of each callback, in order; the row each moved, or None."""
    connection = session.connection()
    by_id = [params for callback, _, params in work if callback.message_id]
    if connection.dialect.driver == "psycopg" and len(by_id) > 1 and len(by_id) == len(work):
        return _pipelined(connection, by_id)
    found: list[Moved | None] = []
    for callback, _, params in work:
        row = connection.execute(BY_ID if callback.message_id else BY_SID, params).first()
        found.append(None if row is None else _moved(row))
    return found


def apply_statuses(session: Session, callbacks: Sequence[StatusCallback], now: datetime) -> int:
    """Apply callbacks in the session's transaction; returns how many moved a message on.

    In message id order, so that two transactions lock rows in the same order (a message's own
    callbacks keep theirs). A failure that means something for the recipient also loads the
    rows it needs and applies it (21610: no more SMS; 21211/21614: the number is unusable)."""
    moved = 0
    work: list[tuple[StatusCallback, MessageStatus, dict[str, Any]]] = []
    for callback in sorted(callbacks, key=lambda c: c.message_id or 0):
        ours = from_twilio(callback.twilio_status)
        if ours is not None:
            work.append((callback, ours, _params(callback, ours, now)))
    for (callback, ours, _), row in zip(work, _execute(session, work), strict=True):
        if row is None:
            continue
        moved += 1
        if row.sent_at == now:  # the provider's first word on it: counted as sent here
            sent_metrics(session, "sms", row.due_at, row.sent_at)
        if row.status != MessageStatus.SENT:
            metrics.after_commit(session, metrics.message_status, "sms", row.status)
        if ours == MessageStatus.FAILED and callback.error_code:
            provider_error(session, "sms", callback.error_code)
        if _for_recipient(callback, ours) and row.recipient_id:
            message = session.get(Message, row.id)
            recipient = session.get(Recipient, row.recipient_id)
            if message is not None and recipient is not None:
                outcome = Outcome(Result.FAILED, error_code=callback.error_code)
                apply_sms_failure(session, message, recipient, outcome, now)
    return moved


def apply_status(
    session: Session,
    *,
    message_id: int | None,
    sid: str,
    twilio_status: str,
    error_code: str | None,
    now: datetime,
) -> bool:
    """One callback; True when it moved the message on."""
    callback = StatusCallback(message_id, sid, twilio_status, error_code)
    return apply_statuses(session, [callback], now) == 1
