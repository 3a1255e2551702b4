"""What a provider's answer means for the message and for the recipient.

ACCEPTED  -> sent (a status callback finishes it)       DELIVERED -> delivered
RETRY     -> queued again after a backoff (same row: a retry never makes a second message)
AMBIGUOUS -> stays sending until reconciled (never resent blindly)
FAILED    -> 21610: SMS consent withdrawn, suppressed; 21211/21614: number unusable, email
             fallback; 5xx SMTP: failed, address unusable after repeated hard bounces
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from notifier.adapters import metrics
from notifier.adapters.channels.base import Outcome, Result
from notifier.adapters.db.tables import Event, Message, Recipient
from notifier.adapters.logs import get_logger
from notifier.domain.message_status import UNSENT, MessageStatus
from notifier.domain.programme import Channel, template_name
from notifier.services.publishing import version_programme

STOPPED_BY_RECIPIENT = {"21610"}
BAD_NUMBER = {"21211", "21614", "21217", "21612"}
HARD_BOUNCES_BEFORE_UNUSABLE = 3
BACKOFF_SECONDS = (15, 60, 300, 900, 3600)
log = get_logger("notifier.outcomes")


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1])


def lock_sending(session: Session, message_id: int) -> Message | None:
    """The message, locked, if it is still in ``sending`` (a callback may have moved it on)."""
    return session.scalars(
        select(Message)
        .where(Message.id == message_id)
        .where(Message.status == MessageStatus.SENDING)
        .with_for_update()
    ).first()


def accepted(session: Session, message: Message, now: datetime) -> None:
    """The provider took the message (first time only): counted, and its latency observed."""
    if message.sent_at is None:
        message.sent_at = now
        sent_metrics(session, message.channel, message.due_at, now)


def reached(session: Session, message: Message, status: str) -> None:
    """Count a message that reached ``status`` (delivered, failed, suppressed, expired...)."""
    metrics.after_commit(session, metrics.message_status, message.channel, status)


def provider_error(session: Session, channel: str, code: str) -> None:
    metrics.after_commit(session, metrics.provider_error, channel, code)
ACCEPTED_AT = (
    update(Message)
    .where(Message.id == bindparam("b_id"))
    .where(Message.status == MessageStatus.SENDING)
    .values(
        status=MessageStatus.SENT,
        provider_ref=bindparam("b_ref"),
        sent_at=bindparam("b_at", type_=Message.sent_at.type),
        updated_at=bindparam("b_at", type_=Message.updated_at.type),
        reason=None,
    )
    .execution_options(synchronize_session=False)
)


def record_accepted(session: Session, accepted: Sequence[tuple[int, str, datetime]]) -> int:
    """``apply_outcome`` of ACCEPTED for many messages at once: (id, provider SID, when).

    One UPDATE each, only from ``sending`` (a status callback that got there first wins: the
    UPDATE re-checks the status under the row lock), sent as one executemany in id order (so two
    transactions lock rows in the same order). Returns how many were moved to ``sent``."""
    if not accepted:
        return 0
    rows = [{"b_id": i, "b_ref": ref, "b_at": at} for i, ref, at in sorted(accepted)]
    result = session.connection().execute(ACCEPTED_AT, rows)
    # Counted where this batch set sent_at (a callback that came first counted it already).
    when = {i: at for i, _, at in accepted}
    moved = session.execute(
        select(
            Message.id,
            Message.channel,
            Message.due_at,
            Message.sent_at,
            Message.status,
            Message.attempts,
            Message.provider_ref,
        ).where(Message.id.in_(when))
    ).all()
    for row in moved:
        if row.sent_at == when[row.id]:
            sent_metrics(session, row.channel, row.due_at, row.sent_at)
        log.info(
            "message.outcome",
            message_id=row.id,
            channel=row.channel,
            result=Result.ACCEPTED.value,
            status=row.status,
            attempts=row.attempts,
            provider_ref=row.provider_ref,
            error_code=None,
            reason=None,
        )
    return max(int(result.rowcount or 0), 0)


def sent_metrics(session: Session, channel: str, due_at: datetime, sent_at: datetime) -> None:
    """A message the provider took for the first time: counted, and its latency observed."""
    metrics.after_commit(session, metrics.message_status, channel, MessageStatus.SENT)
    metrics.after_commit(session, metrics.send_latency, channel, (sent_at - due_at).total_seconds())


def apply_outcome(session: Session, message_id: int, outcome: Outcome, now: datetime) -> str:
    """Record ``outcome`` for a message still in ``sending``; returns its new status."""
    message = lock_sending(session, message_id)
    if message is None:
        return "not sending"
    status = _apply(session, message, outcome, now)
    if outcome.error_code:
        provider_error(session, message.channel, outcome.error_code)
    # "sent" was counted by ``accepted``
    if status not in (MessageStatus.SENDING, MessageStatus.SENT):
        reached(session, message, "retry" if status == MessageStatus.QUEUED else status)
    log.info(
        "message.outcome",
        message_id=message.id,
        channel=message.channel,
        result=outcome.result.value,
        status=status,
        attempts=message.attempts,
        provider_ref=message.provider_ref,
        error_code=outcome.error_code,
        reason=outcome.reason,
    )
    return status


def _apply(session: Session, message: Message, outcome: Outcome, now: datetime) -> str:
    message.updated_at = now
    message.reason = outcome.reason
    if outcome.provider_ref:
        message.provider_ref = outcome.provider_ref
    if outcome.error_code:
        message.error_code = outcome.error_code
    if outcome.result in (Result.ACCEPTED, Result.DELIVERED):
        handed_over = outcome.result is Result.ACCEPTED
        message.status = MessageStatus.SENT if handed_over else MessageStatus.DELIVERED
        accepted(session, message, now)
        message.sent_at = now
        if outcome.result is Result.DELIVERED:
            message.delivered_at = now
        return message.status
    if outcome.result is Result.RETRY:
        retry_at = now + backoff(message.attempts)
        if retry_at > message.expires_at:
            message.status, message.reason = (
                MessageStatus.EXPIRED,
                f"window passed while retrying: {outcome.reason}",
            )
        else:
            message.status, message.due_at = MessageStatus.QUEUED, retry_at
        return message.status
    if outcome.result is Result.AMBIGUOUS:
        message.reason = f"ambiguous, reconciling: {outcome.reason}"
        return message.status
    recipient = session.get(Recipient, message.recipient_id) if message.recipient_id else None
    message.status = MessageStatus.FAILED
    if recipient is not None and message.channel == "sms":
        apply_sms_failure(session, message, recipient, outcome, now)
    elif recipient is not None and message.channel == "email":
        _email_failure(session, message, recipient, outcome, now)
    return message.status


def apply_sms_failure(
    session: Session, message: Message, recipient: Recipient, outcome: Outcome, now: datetime
) -> None:
    code = outcome.error_code or ""
    if code in STOPPED_BY_RECIPIENT:
        message.status = MessageStatus.SUPPRESSED
        message.reason = "the recipient replied STOP to the sender (21610)"
        if recipient.sms_consent != "withdrawn":
            recipient.sms_consent = "withdrawn"
            _provider_event(
                session, recipient, "consent.withdrawn", "sms", {"error_code": code}, now
            )
        _suppress_pending(session, recipient.id, "sms", "SMS consent withdrawn (21610)", now)
    elif code in BAD_NUMBER:
        recipient.phone_usable = False
        _provider_event(session, recipient, "phone.unusable", "sms", {"error_code": code}, now)
        _suppress_pending(session, recipient.id, "sms", f"number unusable ({code})", now)
        _fall_back_to_email(session, message, recipient, now)


def _email_failure(
    session: Session, message: Message, recipient: Recipient, outcome: Outcome, now: datetime
) -> None:
    recipient.email_bounces += 1
    if recipient.email_bounces >= HARD_BOUNCES_BEFORE_UNUSABLE and recipient.email_usable:
        recipient.email_usable = False
        _provider_event(
            session,
            recipient,
            "email.unusable",
            "email",
            {"error_code": outcome.error_code, "bounces": recipient.email_bounces},
            now,
        )


def _provider_event(
    session: Session,
    recipient: Recipient,
    kind: str,
    channel: str,
    detail: dict[str, object],
    now: datetime,
) -> None:
    event = Event.for_recipient(recipient, kind, channel, "provider", detail=detail)
    event.at = now  # the clock of the outcome, not the wall clock: a STOP is placed in time
    session.add(event)


def _suppress_pending(
    session: Session, recipient_id: int, channel: str, reason: str, now: datetime
) -> None:
    result = session.execute(
        update(Message)
        .where(Message.recipient_id == recipient_id)
        .where(Message.channel == channel)
        .where(Message.status.in_(UNSENT))
        .values(status=MessageStatus.SUPPRESSED, reason=reason, updated_at=now)
    )
    suppressed = int(result.rowcount or 0)  # type: ignore[attr-defined]
    metrics.after_commit(
        session, metrics.message_status, channel, MessageStatus.SUPPRESSED, suppressed
    )


def _fall_back_to_email(
    session: Session, message: Message, recipient: Recipient, now: datetime
) -> None:
    """Send this nudge by email instead, if the recipient gave an address and confirmed it."""
    if message.nudge_id is None:  # a system message (a confirmation code): not a nudge
        return
    if not (recipient.email and recipient.email_usable and recipient.email_consent == "confirmed"):
        return
    programme = version_programme(session, message.programme_version_id or 0)
    if template_name(message.step_key, Channel.EMAIL) not in programme.templates.get("nl", {}):
        return  # this step has no email text
    exists = session.scalar(
        select(Message.id)
        .where(Message.child_id == message.child_id)
        .where(Message.recipient_id == recipient.id)
        .where(Message.step_key == message.step_key)
        .where(Message.channel == "email")
    )
    if exists is not None:
        return
    session.add(
        Message(
            nudge_id=message.nudge_id,
            family_id=message.family_id,
            child_id=message.child_id,
            recipient_id=recipient.id,
            step_key=message.step_key,
            channel="email",
            language=message.language,
            programme_version_id=message.programme_version_id,
            due_at=now,
            expires_at=message.expires_at,
            status=MessageStatus.SCHEDULED,
            reason="fallback: SMS number unusable",
        )
    )
