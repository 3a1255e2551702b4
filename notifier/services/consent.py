"""Consent per recipient and channel, and its append-only log (events ``consent.given``,
``consent.confirmed``, ``consent.withdrawn``, ``consent.expired``, each with source and time).

States: none -> pending (given, not yet confirmed) -> confirmed -> withdrawn (and back to
confirmed when the person sends START). Only ``confirmed`` lets anything be planned or sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import Event, Family, Message, Recipient
from notifier.domain.message_status import UNSENT, MessageStatus

CHANNELS = ("sms", "email")
LIVE = ("pending", "confirmed")


def consent_of(recipient: Recipient, channel: str) -> str:
    return str(getattr(recipient, f"{channel}_consent"))


def _set(recipient: Recipient, channel: str, state: str) -> None:
    setattr(recipient, f"{channel}_consent", state)


def log(
    session: Session,
    recipient: Recipient,
    kind: str,
    channel: str,
    source: str,
    how: str | None = None,
    actor: str | None = None,
) -> None:
    detail = {"how": how} if how else None
    session.add(Event.for_recipient(recipient, f"consent.{kind}", channel, source, actor, detail))


def confirm(
    session: Session, recipient: Recipient, channel: str, source: str, how: str
) -> bool:
    """pending -> confirmed; the family is planned again. False when there was nothing to
    confirm (already confirmed, withdrawn, or never given)."""
    if consent_of(recipient, channel) != "pending":
        return False
    _set(recipient, channel, "confirmed")
    log(session, recipient, "confirmed", channel, source, how)
    recipient.family.replan = True
    return True


def withdraw(
    session: Session, recipient: Recipient, channel: str, now: datetime, source: str, how: str
) -> bool:
    """Stop one channel for one recipient at once: unsent messages on it are suppressed. A
    family with no live consent left is stopped (the retention clock starts)."""
    if consent_of(recipient, channel) not in LIVE:
        return False
    _set(recipient, channel, "withdrawn")
    log(session, recipient, "withdrawn", channel, source, how)
    session.execute(
        update(Message)
        .where(Message.recipient_id == recipient.id)
        .where(Message.channel == channel)
        .where(Message.status.in_(UNSENT))
        .values(
            status=MessageStatus.SUPPRESSED, reason=f"consent withdrawn ({how})", updated_at=now
        )
    )
    stop_if_unreachable(recipient.family, now)
    return True


def resume(
    session: Session, recipient: Recipient, channel: str, now: datetime, source: str, how: str
) -> bool:
    """withdrawn -> confirmed, when the person asks for it from that very address (START from
    the number): that is consent given and confirmed in one. A stopped family is active again;
    a family that reported a loss is not touched."""
    if consent_of(recipient, channel) != "withdrawn" or channel not in recipient.channels:
        return False
    family = recipient.family
    if family.status not in ("active", "stopped"):
        return False
    _set(recipient, channel, "confirmed")
    log(session, recipient, "given", channel, source, how)
    log(session, recipient, "confirmed", channel, source, how)
    if family.status == "stopped":
        family.status, family.ended_at = "active", None
        session.add(Event(family_id=family.id, kind="family.resumed", source=source))
    family.replan = True
    return True


def live_channels(recipient: Recipient) -> list[str]:
    return [c for c in CHANNELS if consent_of(recipient, c) in LIVE]


def stop_if_unreachable(family: Family, now: datetime) -> None:
    if family.status == "active" and not any(live_channels(r) for r in family.recipients):
        family.status, family.ended_at = "stopped", now
