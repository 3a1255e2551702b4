"""Drafts of the programme: mutable working copies that become a published version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notifier.adapters.db.base import Base, BigId, UTCDateTime, utcnow


class ProgrammeDraft(Base):
    """A working copy of the programme (the canonical document as JSON), edited step by step,
    submitted, approved by a second person, then published as an immutable version."""

    __tablename__ = "programme_drafts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    content: Mapped[str] = mapped_column(Text)  # programme_store document, as JSON
    based_on_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_versions.id", ondelete="SET NULL")
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    author: Mapped[str] = mapped_column(String(254))
    # Staff ids of everyone who created, edited or submitted it (the four-eyes rule reads this).
    contributors: Mapped[list[int]] = mapped_column(JSON, default=list)
    submitted_by: Mapped[str | None] = mapped_column(String(254))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(254))
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_versions.id", ondelete="SET NULL")
    )
    review_note: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
