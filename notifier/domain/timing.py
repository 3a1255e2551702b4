"""When on a day a message may go: quiet hours and the recipient's preferred time.

All instants are UTC; every wall-clock time is Europe/Amsterdam (or the configured zone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True, slots=True)
class SendHours:
    start: time = time(9, 0)
    end: time = time(20, 30)
    default_time: time = time(10, 0)
    zone: ZoneInfo = AMSTERDAM
    margin: timedelta = timedelta(minutes=30)  # the latest slot is this long before ``end``

    def local(self, day: date, at: time) -> datetime:
        return _local(day, at, self.zone)

    @property
    def latest_slot(self) -> time:
        """The latest time a message is planned for: ``margin`` before the end, so a busy
        worker still sends it inside the allowed hours instead of a day later."""
        latest = (datetime.combine(date.min, self.end) - self.margin).time()
        return max(latest, self.start)

    def preferred(self, preferred: time | None) -> time:
        """The preferred time, pulled inside the allowed hours (at most ``latest_slot``)."""
        at = preferred or self.default_time
        return min(max(at, self.start), self.latest_slot)

    def slot(self, day: date, preferred: time | None) -> datetime:
        """The instant on ``day`` a message to this recipient is meant to go."""
        return self.local(day, self.preferred(preferred))

    def allowed(self, instant: datetime) -> bool:
        local = instant.astimezone(self.zone).time()
        return self.start <= local <= self.end

    def today(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()

    def due_at(self, day: date, preferred: time | None, now: datetime) -> datetime:
        """When a message planned for ``day`` goes: its slot, or now if the slot has passed while
        sending is still allowed, or else the slot on the next day."""
        return _due_at(self, day, preferred, now)

    def _due_at(self, day: date, preferred: time | None, now: datetime) -> datetime:
        slot = self.slot(day, preferred)
        if now <= slot:
            return slot
        if self.allowed(now) and self.today(now) == day:
            return now
        return self.slot(self.today(now) + timedelta(days=1), preferred)

    def next_allowed(self, instant: datetime, preferred: time | None) -> datetime:
        """The first instant at or after ``instant`` within the allowed hours."""
        if self.allowed(instant):
            return instant
        day = self.today(instant)
        if instant < self.local(day, self.start):
            return self.slot(day, preferred)
        return self.slot(day + timedelta(days=1), preferred)

    def window_end(self, last_day: date) -> datetime:
        """The last instant a message whose window ends on ``last_day`` may be sent."""
        return self.local(last_day, self.end)


@lru_cache(maxsize=4096)
def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time (memoised: the planner asks for the same few
    times on the same few days for every family)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


@lru_cache(maxsize=4096)
def _due_at(hours: SendHours, day: date, preferred: time | None, now: datetime) -> datetime:
    """``SendHours.due_at``, memoised: a planning run asks it for every message, with the same
    day and instant and a handful of preferred times."""
    return hours._due_at(day, preferred, now)
