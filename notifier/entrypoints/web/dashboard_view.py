"""The delivery dashboard as a page shows it: Dutch labels, rounded rates, readable durations,
charts drawn from the same numbers as the tables, and which steps make parents stop.

Presentation only: the figures come from services/delivery_stats.py unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from markupsafe import Markup

from notifier.adapters.system_texts import label
from notifier.domain.message_status import MessageStatus
from notifier.domain.timing import AMSTERDAM
from notifier.entrypoints.web.charts import Row, Series, hbar, vbar
from notifier.services.delivery_stats import DailyCount, Dashboard, StatusCounts, StepStats

# A step is highlighted when at least this share of the parents it reached stopped right after.
STOP_HIGHLIGHT = 0.02

STATUS_LABELS = (
    ("planned", "gepland"),
    ("sent", "verstuurd"),
    ("delivered", "afgeleverd"),
    ("failed", "mislukt"),
    ("expired", "verlopen"),
    ("suppressed", "tegengehouden"),
    ("cancelled", "geannuleerd"),
    ("pending", "wacht"),
)
CHANNEL_LABELS = {"sms": "SMS", "email": "e-mail"}
QUEUE_LABELS = {"sms": "SMS", "email": "e-mail", "callbacks": "statusberichten",
                "periodic": "periodieke taken"}

OUTCOMES = (
    Series("afgeleverd", "solid"),
    Series("verstuurd, nog geen rapport", "hatch"),
    Series("mislukt", "cross"),
    Series("verlopen", "dots"),
    Series("tegengehouden", "vertical"),
    Series("wacht of geannuleerd", "open"),
)


def outcome_values(c: StatusCounts) -> tuple[float, ...]:
    """``c`` split into the chart's stacked outcomes (they add up to ``planned``)."""
    awaiting = c.planned - c.delivered - c.failed - c.expired - c.suppressed - c.cancelled
    awaiting -= c.pending
    return (c.delivered, awaiting, c.failed, c.expired, c.suppressed, c.pending + c.cancelled)


def percent(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.0f}%" if (value * 100).is_integer() else f"{value * 100:.1f}%"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = round(seconds)
    if seconds < 120:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} u {minutes % 60} min"


def local(at: datetime | None) -> str:
    return at.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M") if at else "-"


def stops_high(step: StepStats) -> bool:
    return step.stops > 0 and (step.stop_rate or 0) >= STOP_HIGHLIGHT


@dataclass(frozen=True)
class DayTotals:
    day: date
    planned: int
    delivered: int
    failed: int


def per_day(rows: list[DailyCount], first: date, last: date) -> list[DayTotals]:
    """Every day from ``first`` to ``last`` (zero when nothing was due)."""
    planned: dict[date, int] = {}
    delivered: dict[date, int] = {}
    failed: dict[date, int] = {}
    for r in rows:
        planned[r.day] = planned.get(r.day, 0) + r.count
        if r.status == MessageStatus.DELIVERED:
            delivered[r.day] = delivered.get(r.day, 0) + r.count
        elif r.status == MessageStatus.FAILED:
            failed[r.day] = failed.get(r.day, 0) + r.count
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [DayTotals(d, planned.get(d, 0), delivered.get(d, 0), failed.get(d, 0)) for d in days]


def charts(board: Dashboard) -> dict[str, Markup]:
    steps = board.recent.by_step
    days = per_day(board.daily, board.recent.start, board.recent.end)
    return {
        "steps": hbar(
            "chart-steps",
            "Berichten per stap en uitkomst, laatste 30 dagen",
            OUTCOMES,
            [Row(s.step, outcome_values(s.counts)) for s in steps],
        ),
        "delivery": hbar(
            "chart-delivery",
            "Bezorgpercentage per stap, laatste 30 dagen",
            (Series("bezorgpercentage", "solid"),),
            [
                Row(s.step, ((s.counts.delivery_rate or 0) * 100,),
                    f"{percent(s.counts.delivery_rate)} ({s.counts.delivered} van "
                    f"{s.counts.delivered + s.counts.failed})")
                for s in steps
            ],
            width=420, label_width=110, note_width=120,
        ),
        "stops": hbar(
            "chart-stops",
            "STOP-percentage per stap (ouders die direct na deze stap stopten), laatste 30 dagen",
            (Series("STOP-percentage", "hatch"),),
            [
                Row(s.step, ((s.stop_rate or 0) * 100,),
                    f"{percent(s.stop_rate)} ({s.stops} van {s.reached})"
                    + (" - hoog" if stops_high(s) else ""),
                    emphasis=stops_high(s))
                for s in steps
            ],
            width=440, label_width=100, note_width=190,
        ),
        "days": vbar(
            "chart-days",
            "Berichten per dag, laatste 30 dagen",
            (Series("afgeleverd", "solid"), Series("mislukt", "cross"),
             Series("overig", "open")),
            [
                Row(d.day.strftime("%d-%m"),
                    (d.delivered, d.failed, d.planned - d.delivered - d.failed))
                for d in days
            ],
        ),
        "stages": hbar(
            "chart-stages",
            "Actieve inschrijvingen per fase (kinderen en zwangerschappen)",
            (Series("kinderen", "solid"),),
            [Row(label("stage", stage), (n,)) for stage, n in board.now.enrollments.items()],
            width=420, label_width=110,
        ),
        "signups": vbar(
            "chart-signups",
            "Nieuwe inschrijvingen per week",
            (Series("inschrijvingen", "solid"),),
            [Row(f"wk {w.week}", (w.count,)) for w in board.signups],
            width=420, height=180,
        ),
    }


def context(board: Dashboard) -> dict[str, Any]:
    return {
        "board": board,
        "charts": charts(board),
        "status_labels": STATUS_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "queue_labels": QUEUE_LABELS,
        "per_day": per_day(board.daily, board.recent.start, board.recent.end),
        "percent": percent,
        "duration": duration,
        "local": local,
        "stops_high": stops_high,
        "stop_highlight": percent(STOP_HIGHLIGHT),
    }
