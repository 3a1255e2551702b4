"""A caregiver changes how they are reached: channels, language, preferred time of day.

A channel that is added waits for the recipient's confirmation (consent ``pending``); a channel
that is removed has its consent withdrawn and its unsent messages cancelled. Unsent messages
follow a new language and a new preferred time; nothing that reached a provider is touched."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import Event, Message, Recipient
from notifier.domain.errors import InputError
from notifier.domain.message_status import UNSENT, MessageStatus
from notifier.domain.programme import Channel, Programme
from notifier.domain.timing import SendHours


def _changed(recipient: Recipient, source: str, actor: str | None, detail: dict[str, Any]) -> Event:
    return Event(
        family_id=recipient.family_id,
        recipient_id=recipient.id,
        kind="preferences.changed",
        source=source,
        actor=actor,
        detail=detail,
    )


def change_channels(
    session: Session,
    recipient: Recipient,
    channels: Sequence[Channel],
    now: datetime,
    source: str,
    actor: str | None = None,
) -> None:
    wanted = {Channel(c).value for c in channels}
    if not wanted:
        raise InputError(
            "choose at least one channel: to stop everything, stop instead", "channels"
        )
    if "sms" in wanted and not recipient.phone:
        raise InputError("SMS needs a mobile number", "channels")
    if "email" in wanted and not recipient.email:
        raise InputError("email needs an email address", "channels")
    had = {c for c in recipient.channels.split(",") if c}
    for channel in sorted(wanted - had):
        setattr(recipient, f"{channel}_consent", "pending")  # the recipient confirms first
        session.add(Event.for_recipient(recipient, "consent.given", channel, source, actor))
    for channel in sorted(had - wanted):
        if getattr(recipient, f"{channel}_consent") in ("pending", "confirmed"):
            setattr(recipient, f"{channel}_consent", "withdrawn")
            session.add(Event.for_recipient(recipient, "consent.withdrawn", channel, source, actor))
        session.execute(
            update(Message)
            .where(Message.recipient_id == recipient.id)
            .where(Message.channel == channel)
            .where(Message.status.in_(UNSENT))
            .values(
                status=MessageStatus.CANCELLED,
                reason="channel removed by the family",
                updated_at=now,
            )
        )
    recipient.channels = ",".join(sorted(wanted))
    recipient.family.replan = True


def change_language(
    session: Session,
    recipient: Recipient,
    language: str,
    programme: Programme,
    now: datetime,
    source: str,
    actor: str | None = None,
) -> None:
    if language not in programme.languages:
        raise InputError(
            f"unknown language {language!r} (one of: {', '.join(programme.languages)})",
            "language",
        )
    if language == recipient.language:
        return
    recipient.language = language
    session.execute(
        update(Message)
        .where(Message.recipient_id == recipient.id)
        .where(Message.status.in_(UNSENT))
        .values(language=language, updated_at=now)
    )
    session.add(_changed(recipient, source, actor, {"language": language}))


def change_preferred_time(
    session: Session,
    recipient: Recipient,
    preferred: time | None,
    hours: SendHours,
    now: datetime,
    source: str,
    actor: str | None = None,
) -> None:
    """Unsent messages move to the new time on their day, unless that leaves their window.
    ``None`` is no preference: the default send time."""
    if preferred is not None and preferred.tzinfo is not None:
        raise InputError("give the preferred time as a local time of day (HH:MM)", "preferred_time")
    recipient.preferred_time = preferred
    scheduled = select(Message).where(
        Message.recipient_id == recipient.id, Message.status == MessageStatus.SCHEDULED
    )
    for message in session.scalars(scheduled):
        moved = hours.slot(hours.today(message.due_at), preferred)
        if now <= moved <= message.expires_at:
            message.due_at = moved
    chosen = preferred.strftime("%H:%M") if preferred else None
    session.add(_changed(recipient, source, actor, {"preferred_time": chosen}))
