"""Which stage a child is in: pregnancy, then by calendar age."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta

PREGNANCY = "pregnancy"
STAGES = (PREGNANCY, "0-6 months", "6-12 months", "12-24 months", "24+ months")
# Birth date on or after the bound -> that stage (checked youngest first).
_BOUNDS = ((6, STAGES[1]), (12, STAGES[2]), (24, STAGES[3]))


def stage_bounds(today: date) -> list[tuple[date, str]]:
    """(earliest birth date, stage) pairs for born children, youngest stage first."""
    return [(today - relativedelta(months=months), name) for months, name in _BOUNDS]


def stage(birth_date: date | None, today: date) -> str:
    if birth_date is None:
        return PREGNANCY
    for earliest, name in stage_bounds(today):
        if birth_date > earliest:
            return name
    return STAGES[4]
