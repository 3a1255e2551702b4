"""What the planner knows about a family: its children (or pregnancies) and its recipients."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum

from notifier.domain.programme import Channel

TERM_WEEKS = 40
PRETERM_BELOW_WEEKS = 37


class ChildStatus(StrEnum):
    EXPECTING = "expecting"
    BORN = "born"
    LOST = "lost"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class ChildFacts:
    id: int
    due_date: date
    birth_date: date | None = None
    weeks_at_birth: int | None = None
    status: ChildStatus = ChildStatus.EXPECTING
    lost_on: date | None = None
    first_child: bool | None = None
    name: str = ""

    @property
    def born(self) -> bool:
        return self.birth_date is not None

    @property
    def birth_anchor(self) -> date:
        """The birth date, or the due date as its estimate until the birth is reported."""
        return self.birth_date or self.due_date

    @property
    def corrected_anchor(self) -> date:
        """Birth date + weeks born early, for a baby born before 37 weeks; else the birth anchor."""
        if self.birth_date and self.weeks_at_birth and self.weeks_at_birth < PRETERM_BELOW_WEEKS:
            return self.birth_date + timedelta(weeks=TERM_WEEKS - self.weeks_at_birth)
        return self.birth_anchor

    @property
    def twin_key(self) -> date:
        """Children of one family with the same due date are one pregnancy: twins. (A twin lost
        before the birth keeps no birth date, and stays in the same birth as the other.)"""
        return self.due_date


@dataclass(frozen=True, slots=True)
class RecipientFacts:
    id: int
    channels: frozenset[Channel]  # the channels we may use right now (consented, confirmed, usable)
    language: str = "nl"
    preferred_time: time | None = None
    first_name: str = ""


@dataclass(frozen=True, slots=True)
class FamilyFacts:
    id: int
    children: tuple[ChildFacts, ...]
    recipients: tuple[RecipientFacts, ...]
    paused_until: date | None = None
    location: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def paused_on(self, day: date) -> bool:
        return self.paused_until is not None and day <= self.paused_until

    @property
    def lost(self) -> bool:
        return any(c.status is ChildStatus.LOST for c in self.children)

    def loss_within(self, today: date, days: timedelta) -> bool:
        """Whether a child of this family was lost in the ``days`` up to ``today``."""
        return any(c.lost_on is not None and today - c.lost_on < days for c in self.children)
