"""Families (enrolments), their recipients (caregivers) and their children or pregnancies."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Time, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from notifier.adapters.db.base import Base, BigId, UTCDateTime, utcnow


def new_public_id() -> str:
    return secrets.token_hex(8)


class Family(Base):
    """One enrolment: the unit that consents, pauses, and shares the frequency cap."""

    __tablename__ = "families"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    status: Mapped[str] = mapped_column(String(12), default="active")  # active|stopped|lost|ended
    location_key: Mapped[str | None] = mapped_column(String(64))
    paused_until: Mapped[date | None] = mapped_column(Date)
    consent_source: Mapped[str] = mapped_column(String(12))  # web|sms|staff|import|api
    consent_by: Mapped[str | None] = mapped_column(String(200))
    replan: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recipients: Mapped[list[Recipient]] = relationship(
        back_populates="family", cascade="all, delete-orphan", order_by="Recipient.id"
    )
    children: Mapped[list[Child]] = relationship(
        back_populates="family", cascade="all, delete-orphan", order_by="Child.id"
    )

    __table_args__ = (
        Index(
            "ix_families_replan",
            "replan",
            postgresql_where=text("replan"),
            sqlite_where=text("replan"),
        ),
    )


class Recipient(Base):
    """A caregiver who receives messages, with their own channels, language and consent."""

    __tablename__ = "recipients"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    family_id: Mapped[int] = mapped_column(
        ForeignKey("families.id", ondelete="CASCADE"), index=True
    )
    first_name: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str | None] = mapped_column(String(20), index=True)  # E.164
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    language: Mapped[str] = mapped_column(String(8), default="nl")
    channels: Mapped[str] = mapped_column(String(20))  # "sms,email"
    preferred_time: Mapped[time | None] = mapped_column(Time)
    sms_consent: Mapped[str] = mapped_column(
        String(12), default="none"
    )  # none|pending|confirmed|withdrawn
    email_consent: Mapped[str] = mapped_column(String(12), default="none")
    phone_usable: Mapped[bool] = mapped_column(Boolean, default=True)
    email_usable: Mapped[bool] = mapped_column(Boolean, default=True)
    email_bounces: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    family: Mapped[Family] = relationship(back_populates="recipients")


class Child(Base):
    """A pregnancy or a child; anchors are kept as columns so the planner can range-scan them."""

    __tablename__ = "children"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    family_id: Mapped[int] = mapped_column(
        ForeignKey("families.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80), default="")
    due_date: Mapped[date] = mapped_column(Date, index=True)
    birth_date: Mapped[date | None] = mapped_column(Date)
    weeks_at_birth: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(
        String(12), default="expecting"
    )  # expecting|born|lost|ended
    lost_on: Mapped[date | None] = mapped_column(Date, index=True)
    first_child: Mapped[bool | None] = mapped_column(Boolean)
    anchor_birth: Mapped[date] = mapped_column(Date, index=True)  # birth date, or due date estimate
    anchor_corrected: Mapped[date] = mapped_column(Date, index=True)  # corrected for preterm
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    family: Mapped[Family] = relationship(back_populates="children")
