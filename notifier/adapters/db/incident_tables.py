"""Alert incidents: one row per time a rule started firing, until it recovers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from notifier.adapters.db.base import Base, BigId, UTCDateTime


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rule: Mapped[str] = mapped_column(String(40))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_value: Mapped[float | None] = mapped_column(Float)
    summary: Mapped[str] = mapped_column(String(300), default="")
    # When the admins were told; None until the notice went out (retried at the next evaluation).
    opened_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # At most one open incident per rule, even with two evaluators racing.
        Index(
            "ix_incidents_open_rule",
            "rule",
            unique=True,
            postgresql_where=text("resolved_at IS NULL"),
            sqlite_where=text("resolved_at IS NULL"),
        ),
        Index("ix_incidents_opened_at", "opened_at"),
    )
