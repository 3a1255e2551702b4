"""Calendar-aware offsets such as ``-12w``, ``+8d``, ``+4m`` and ``+1y6m``.

Months and years follow ``dateutil.relativedelta``: 31 January + 1 month is the last day of
February. Weeks are 7 days.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from notifier.domain.errors import InputError

_PATTERN = re.compile(
    r"^(?P<sign>[+-]?)(?:(?P<y>\d+)y)?(?:(?P<m>\d+)m)?(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?$"
)


@dataclass(frozen=True, slots=True)
class Offset:
    """A signed calendar offset."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    negative: bool = False
    # apply() per day, memoised: the planner applies the same few offsets to the same few
    # thousand anchor days, for every family
    _applied: dict[date, date] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @classmethod
    def parse(cls, text: str, *, signed: bool = True) -> Offset:
        """Parse ``[+-]1y2m3w4d`` (any part may be left out, at least one must be there)."""
        raw = str(text).strip()
        match = _PATTERN.match(raw)
        if not raw or match is None or not any(match.group(k) for k in "ymwd"):
            raise InputError(
                f"bad offset {raw!r}: use a number with y, m, w or d, e.g. -12w, +8d, +4m, +1y6m"
            )
        if not signed and match.group("sign"):
            raise InputError(f"bad duration {raw!r}: no sign here, e.g. 14d or 2w")
        return cls(
            years=int(match.group("y") or 0),
            months=int(match.group("m") or 0),
            weeks=int(match.group("w") or 0),
            days=int(match.group("d") or 0),
            negative=match.group("sign") == "-",
        )

    def _delta(self) -> relativedelta:
        sign = -1 if self.negative else 1
        return relativedelta(
            years=sign * self.years,
            months=sign * self.months,
            days=sign * (7 * self.weeks + self.days),
        )

    def apply(self, day: date) -> date:
        """``day`` moved by this offset: months and years first (the day of the month clamped
        to the month's end), then weeks and days; what ``day + self._delta()`` gives, without
        building a ``relativedelta`` (the planner calls this for every slot)."""
        result = self._applied.get(day)
        if result is None:
            result = self._applied[day] = self._apply(day)
        return result

    def _apply(self, day: date) -> date:
        sign = -1 if self.negative else 1
        months = sign * (12 * self.years + self.months)
        if months:
            index = day.year * 12 + day.month - 1 + months
            year, month = divmod(index, 12)
            month += 1
            last = monthrange(year, month)[1] if day.day > 28 else 28
            day = date(year, month, min(day.day, last))
        days = sign * (7 * self.weeks + self.days)
        return day + timedelta(days=days) if days else day

    def approx_days(self) -> int:
        """A rough length in days (for ordering and sanity checks only)."""
        sign = -1 if self.negative else 1
        return sign * (365 * self.years + 30 * self.months + 7 * self.weeks + self.days)

    def anchors_for(self, first: date, last: date) -> tuple[date, date] | None:
        """The range of anchor dates ``a`` with ``first <= apply(a) <= last``.

        ``apply`` is monotonic (never decreasing) in ``a``, so the set is one interval. Month
        arithmetic clamps to month ends, so the inverse is found by stepping from an estimate.
        Returns None when no anchor maps into the range (e.g. 30 February does not exist).
        """
        back = Offset(self.years, self.months, self.weeks, self.days, not self.negative)
        lo = back.apply(first)
        while self.apply(lo - timedelta(days=1)) >= first:
            lo -= timedelta(days=1)
        while self.apply(lo) < first:
            lo += timedelta(days=1)
        hi = back.apply(last)
        while self.apply(hi + timedelta(days=1)) <= last:
            hi += timedelta(days=1)
        while self.apply(hi) > last:
            hi -= timedelta(days=1)
        if lo > hi:
            return None
        return lo, hi

    def __str__(self) -> str:
        parts = "".join(
            f"{n}{u}"
            for n, u in ((self.years, "y"), (self.months, "m"), (self.weeks, "w"), (self.days, "d"))
            if n
        )
        return ("-" if self.negative else "+") + (parts or "0d")


def window_last_day(day: date, window: Offset) -> date:
    """The last day a step with ``window`` starting on ``day`` may still be sent."""
    return window.apply(day) - timedelta(days=1)
