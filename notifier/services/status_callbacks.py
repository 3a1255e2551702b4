"""Twilio status callbacks: idempotent, and a status never moves backwards.

A callback is one UPDATE that only matches a row whose status is less far along than the
callback's: a repeated or late callback changes nothing, and the row lock the UPDATE takes (with
PostgreSQL re-checking the WHERE on the newest row version) orders it against a worker recording
the send's outcome. No row is loaded into the ORM, except when a failure means something for the
recipient (21610: consent withdrawn; 21211/21614: number unusable). Several callbacks go to the
database as one batch of the same statement (``apply_statuses``), in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Update, bindparam, case, func, literal_column, or_, update
from sqlalchemy.orm import Session

from notifier.adapters.channels.base import Outcome, Result
from notifier.adapters.db.tables import Message, Recipient
from notifier.services.outcomes import BAD_NUMBER, STOPPED_BY_RECIPIENT, apply_sms_failure

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
            delivered_at=case((ours == "delivered", now), else_=Message.delivered_at),
            reason=case(
                (ours == "delivered", None),
                (ours == "failed", bindparam("b_reason")),
                else_=Message.reason,
            ),
            error_code=case(
                (ours == "failed", bindparam("b_error_code")), else_=Message.error_code
            ),
        )
        .execution_options(synchronize_session=False)
    )


BY_ID, BY_SID = _statement(by_id=True), _statement(by_id=False)


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
    return ours == "failed" and (callback.error_code or "") in STOPPED_BY_RECIPIENT | BAD_NUMBER


def apply_statuses(session: Session, callbacks: Sequence[StatusCallback], now: datetime) -> int:
    """Apply callbacks in the session's transaction; returns how many moved a message on.

    Plain ones (sent, delivered, failed without a meaning for the recipient) go as one
    executemany per statement (pipelined by psycopg), in message id order so that two
    transactions lock rows in the same order; the others one by one, with their side effects."""
    plain: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    special: list[tuple[StatusCallback, str]] = []
    for callback in callbacks:
        ours = TWILIO_STATUS.get(callback.twilio_status.lower())
        if ours is None:
            continue
        if _for_recipient(callback, ours):
            special.append((callback, ours))
        else:
            plain[bool(callback.message_id)].append(_params(callback, ours, now))
    moved = 0
    connection = session.connection()
    for by_id, rows in plain.items():
        if rows:
            rows.sort(key=lambda p: p["b_id"] or 0)  # stable: one message's callbacks keep order
            result = connection.execute(BY_ID if by_id else BY_SID, rows)
            moved += max(int(result.rowcount or 0), 0)
    for callback, ours in special:
        moved += _apply_failure(session, callback, ours, now)
    return moved


def _apply_failure(session: Session, callback: StatusCallback, ours: str, now: datetime) -> int:
    statement = (BY_ID if callback.message_id else BY_SID).returning(
        Message.id, Message.recipient_id
    )
    row = session.connection().execute(statement, _params(callback, ours, now)).first()
    if row is None:
        return 0
    message = session.get(Message, row.id)
    recipient = session.get(Recipient, row.recipient_id) if row.recipient_id else None
    if message is not None and recipient is not None:
        outcome = Outcome(Result.FAILED, error_code=callback.error_code)
        apply_sms_failure(session, message, recipient, outcome, now)
    return 1


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
