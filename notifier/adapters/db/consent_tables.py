"""Confirmations of consent (double opt-in) and the SMS replies parents send us."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notifier.adapters.db.base import Base, BigId, UTCDateTime, utcnow


def new_confirmation_id() -> str:
    return secrets.token_hex(16)


class Confirmation(Base):
    """One request to confirm one recipient's channel: an SMS code (kept only as a keyed digest)
    or an email link whose signed token carries ``public_id`` (an opaque id, no personal data)."""

    __tablename__ = "confirmations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_confirmation_id)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("recipients.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(8))
    code_digest: Mapped[str | None] = mapped_column(String(64))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InboundMessage(Base):
    """An SMS a parent sent us that a person should read (unknown text, a date we could not
    read). The body and the number are personal: removed after 30 days, like message bodies."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    family_id: Mapped[int | None] = mapped_column(
        ForeignKey("families.id", ondelete="SET NULL"), index=True
    )
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("recipients.id", ondelete="SET NULL"), index=True
    )
    from_phone: Mapped[str | None] = mapped_column(String(20))
    command: Mapped[str] = mapped_column(String(12))
    language: Mapped[str] = mapped_column(String(8))
    body: Mapped[str | None] = mapped_column(Text)
    provider_ref: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InboundReceipt(Base):
    """The MessageSid of every inbound SMS handled: Twilio retries a webhook it thinks failed,
    and a second delivery of the same message must change nothing and send no second answer.
    No personal data; removed after 30 days with the inbound messages."""

    __tablename__ = "inbound_receipts"

    message_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
