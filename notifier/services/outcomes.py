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

from notifier.adapters.channels.base import Outcome, Result
from notifier.adapters.db.tables import Event, Message, Recipient
from notifier.domain.programme import Channel, template_name
from notifier.services.publishing import version_programme

STOPPED_BY_RECIPIENT = {"21610"}
BAD_NUMBER = {"21211", "21614", "21217", "21612"}
HARD_BOUNCES_BEFORE_UNUSABLE = 3
BACKOFF_SECONDS = (15, 60, 300, 900, 3600)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1])


def lock_sending(session: Session, message_id: int) -> Message | None:
    """The message, locked, if it is still in ``sending`` (a callback may have moved it on)."""
    return session.scalars(
        select(Message)
        .where(Message.id == message_id)
        .where(Message.status == "sending")
        .with_for_update()
    ).first()


ACCEPTED_AT = (
    update(Message)
    .where(Message.id == bindparam("b_id"))
    .where(Message.status == "sending")
    .values(
        status="sent",
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
    return max(int(result.rowcount or 0), 0)


def apply_outcome(session: Session, message_id: int, outcome: Outcome, now: datetime) -> str:
    """Record ``outcome`` for a message still in ``sending``; returns its new status."""
    message = lock_sending(session, message_id)
    if message is None:
        return "not sending"
    message.updated_at = now
    message.reason = outcome.reason
    if outcome.provider_ref:
        message.provider_ref = outcome.provider_ref
    if outcome.error_code:
        message.error_code = outcome.error_code
    if outcome.result in (Result.ACCEPTED, Result.DELIVERED):
        message.status = "sent" if outcome.result is Result.ACCEPTED else "delivered"
        message.sent_at = now
        if outcome.result is Result.DELIVERED:
            message.delivered_at = now
        return message.status
    if outcome.result is Result.RETRY:
        retry_at = now + backoff(message.attempts)
        if retry_at > message.expires_at:
            message.status, message.reason = (
                "expired",
                f"window passed while retrying: {outcome.reason}",
            )
        else:
            message.status, message.due_at = "queued", retry_at
        return message.status
    if outcome.result is Result.AMBIGUOUS:
        message.reason = f"ambiguous, reconciling: {outcome.reason}"
        return message.status
    recipient = session.get(Recipient, message.recipient_id) if message.recipient_id else None
    message.status = "failed"
    if recipient is not None and message.channel == "sms":
        apply_sms_failure(session, message, recipient, outcome, now)
    elif recipient is not None and message.channel == "email":
        _email_failure(session, message, recipient, outcome)
    return message.status


def apply_sms_failure(
    session: Session, message: Message, recipient: Recipient, outcome: Outcome, now: datetime
) -> None:
    code = outcome.error_code or ""
    if code in STOPPED_BY_RECIPIENT:
        message.status = "suppressed"
        message.reason = "the recipient replied STOP to the sender (21610)"
        if recipient.sms_consent != "withdrawn":
            recipient.sms_consent = "withdrawn"
            _provider_event(session, recipient, "consent.withdrawn", "sms", {"error_code": code})
        _suppress_pending(session, recipient.id, "sms", "SMS consent withdrawn (21610)", now)
    elif code in BAD_NUMBER:
        recipient.phone_usable = False
        _provider_event(session, recipient, "phone.unusable", "sms", {"error_code": code})
        _suppress_pending(session, recipient.id, "sms", f"number unusable ({code})", now)
        _fall_back_to_email(session, message, recipient, now)


def _email_failure(
    session: Session, message: Message, recipient: Recipient, outcome: Outcome
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
        )


def _provider_event(
    session: Session, recipient: Recipient, kind: str, channel: str, detail: dict[str, object]
) -> None:
    session.add(Event.for_recipient(recipient, kind, channel, "provider", detail=detail))


def _suppress_pending(
    session: Session, recipient_id: int, channel: str, reason: str, now: datetime
) -> None:
    session.execute(
        update(Message)
        .where(Message.recipient_id == recipient_id)
        .where(Message.channel == channel)
        .where(Message.status.in_(("scheduled", "queued")))
        .values(status="suppressed", reason=reason, updated_at=now)
    )


def _fall_back_to_email(
    session: Session, message: Message, recipient: Recipient, now: datetime
) -> None:
    """Send this nudge by email instead, if the recipient gave an address and confirmed it."""
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
            status="scheduled",
            reason="fallback: SMS number unusable",
        )
    )
