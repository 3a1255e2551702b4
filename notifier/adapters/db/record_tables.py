"""Append-only event log (consent and family changes), programme versions, planner state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notifier.adapters.db.base import Base, BigId, UTCDateTime, utcnow


class Event(Base):
    """Something that happened to a family: consent given/confirmed/withdrawn, birth, pause..."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    family_id: Mapped[int | None] = mapped_column(
        ForeignKey("families.id", ondelete="SET NULL"), index=True
    )
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("recipients.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str | None] = mapped_column(String(8))
    source: Mapped[str | None] = mapped_column(String(12))
    actor: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @classmethod
    def for_recipient(
        cls,
        recipient: Any,
        kind: str,
        channel: str,
        source: str,
        actor: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> Event:
        """An event about one recipient's channel (consent given, confirmed, withdrawn...)."""
        return cls(
            family_id=recipient.family_id,
            recipient_id=recipient.id,
            kind=kind,
            channel=channel,
            source=source,
            actor=actor,
            detail=detail or {},
        )


class ProgrammeVersion(Base):
    """An immutable snapshot of the programme (steps, texts, locations) with its hash."""

    __tablename__ = "programme_versions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[str] = mapped_column(Text)  # canonical JSON
    status: Mapped[str] = mapped_column(String(12), default="published")  # draft|published|retired
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(500), default="")
    # Which draft became this version and who approved it (empty for `schedules publish`).
    draft_id: Mapped[int | None] = mapped_column(BigId)
    approved_by: Mapped[str | None] = mapped_column(String(254))


LAST_TICK = "last_tick_at"  # planner_state key: "<ISO instant> <leader>" of the last tick


class PlannerState(Base):
    __tablename__ = "planner_state"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
