"""The planner's record per nudge, and the outbox: one message per recipient and channel."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from notifier.adapters.db.base import Base, BigId, UTCDateTime, utcnow
from notifier.domain.message_status import MessageStatus


class Nudge(Base):
    """One step for one birth of a family: deferred, placed, skipped or cancelled, and why."""

    __tablename__ = "nudges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    step_key: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    planned_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    programme_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_versions.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("child_id", "step_key"),
        Index("ix_nudges_family_id_day", "family_id", "day"),
        Index(
            "ix_nudges_deferred",
            "family_id",
            postgresql_where=text("status = 'deferred'"),
            sqlite_where=text("status = 'deferred'"),
        ),
    )


class Message(Base):
    """The outbox row: what goes to whom, on which channel, when, and what became of it."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    nudge_id: Mapped[int | None] = mapped_column(
        ForeignKey("nudges.id", ondelete="SET NULL"), index=True
    )
    family_id: Mapped[int | None] = mapped_column(
        ForeignKey("families.id", ondelete="SET NULL"), index=True
    )
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id", ondelete="SET NULL"))
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("recipients.id", ondelete="SET NULL")
    )
    step_key: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8))
    programme_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_versions.id", ondelete="SET NULL")
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # scheduled -> queued -> sending -> sent -> delivered | failed; or expired, cancelled,
    # suppressed (final, with a reason)
    status: Mapped[str] = mapped_column(String(12), default=MessageStatus.SCHEDULED.value)
    reason: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_ref: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(16))
    body: Mapped[str | None] = mapped_column(Text)  # as sent; removed after 30 days
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("child_id", "recipient_id", "step_key", "channel"),
        Index("ix_messages_status_due_at", "status", "due_at"),
        # only sent messages have a provider reference: planned rows stay out of this index
        Index(
            "ix_messages_provider_ref",
            "provider_ref",
            postgresql_where=text("provider_ref IS NOT NULL"),
            sqlite_where=text("provider_ref IS NOT NULL"),
        ),
    )
