"""Delivery figures for administrators: the dashboard, the CSV export and the metrics.

Plain functions over a Session that return plain dataclasses. No personal data leaves here:
rows are counts per day, channel, step and status.

Definitions (the dashboard shows them as such):
- a message belongs to the Europe/Amsterdam day of its ``due_at`` (the last time it was made
  due: a retry or a wait for the allowed hours moves it);
- planned: every message row; sent: accepted by the provider (``sent_at`` is set), whatever
  came after; delivered, failed, expired, suppressed, cancelled: its status now; pending:
  scheduled, queued or sending;
- delivery rate: delivered / (delivered + failed) - messages still waiting for a report do
  not count;
- STOP rate per step: recipients who withdrew consent, attributed to the step of the last
  message they got (sent or delivered, any channel) before the withdrawal, divided by the
  recipients that step reached in the range;
- latency: due -> accepted (``sent_at - due_at``) and accepted -> delivered, nearest-rank
  p50/p95 in seconds.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from notifier.adapters.db.record_tables import LAST_TICK
from notifier.adapters.db.tables import Child, Event, Family, Message, PlannerState
from notifier.adapters.metrics import Snapshot
from notifier.domain.errors import InputError
from notifier.domain.message_status import PENDING, UNSENT, MessageStatus
from notifier.domain.provider_errors import meaning
from notifier.domain.stages import PREGNANCY, STAGES, stage_bounds
from notifier.domain.timing import AMSTERDAM

REACHED = (MessageStatus.SENT, MessageStatus.DELIVERED)
QUEUES = ("sms", "email", "callbacks", "periodic")


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusCounts:
    planned: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    expired: int = 0
    suppressed: int = 0
    cancelled: int = 0
    pending: int = 0

    @property
    def delivery_rate(self) -> float | None:
        finished = self.delivered + self.failed
        return self.delivered / finished if finished else None

    def __add__(self, other: StatusCounts) -> StatusCounts:
        return StatusCounts(
            *(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__)
        )


@dataclass(frozen=True, order=True)
class DailyCount:
    """One row of the CSV export."""

    day: date
    channel: str
    step: str
    status: str
    count: int


@dataclass(frozen=True)
class StepStats:
    step: str
    counts: StatusCounts
    reached: int  # recipients who got this step (sent or delivered)
    stops: int  # of those who withdrew consent, how many right after this step
    stop_rate: float | None


@dataclass(frozen=True)
class ProviderErrorCount:
    channel: str
    code: str
    meaning: str
    count: int


@dataclass(frozen=True)
class Percentiles:
    samples: int = 0
    p50: float | None = None
    p95: float | None = None


@dataclass(frozen=True)
class Latency:
    channel: str
    due_to_accepted: Percentiles
    accepted_to_delivered: Percentiles


@dataclass(frozen=True)
class DeliveryReport:
    start: date
    end: date  # inclusive
    totals: StatusCounts
    by_channel: dict[str, StatusCounts]
    by_step: list[StepStats]
    provider_errors: list[ProviderErrorCount]
    latency: list[Latency]


@dataclass(frozen=True)
class QueueDepth:
    queue: str
    broker_tasks: int | None  # tasks in the Celery queue (None: no broker, or not reachable)
    waiting_messages: int  # messages due and not yet picked up (scheduled or queued)
    oldest_due_at: datetime | None

    def oldest_age(self, now: datetime) -> float | None:
        return None if self.oldest_due_at is None else (now - self.oldest_due_at).total_seconds()


@dataclass(frozen=True)
class SchedulerHealth:
    last_tick_at: datetime | None
    leader: str | None
    lag_seconds: float | None  # now - last tick


@dataclass(frozen=True)
class WeekCount:
    year: int
    week: int
    monday: date
    count: int


@dataclass(frozen=True)
class Operations:
    """The 'is something wrong right now' half of the dashboard."""

    at: datetime
    queues: list[QueueDepth]
    scheduler: SchedulerHealth
    enrollments: dict[str, int]


# --- days ----------------------------------------------------------------------------------


def day_bounds(start: date, end: date) -> list[datetime]:
    """UTC instants of the local midnights from ``start`` to the day after ``end``."""
    days = (end - start).days + 1
    return [
        datetime.combine(start + timedelta(days=i), time(0), AMSTERDAM).astimezone(UTC)
        for i in range(days + 1)
    ]


def local_day(at: datetime) -> date:
    return at.astimezone(AMSTERDAM).date()


def _day_index(column: Any, bounds: list[datetime]) -> Any:
    return case(*[(column < bounds[i + 1], i) for i in range(len(bounds) - 1)], else_=None)


def _in_range(column: Any, bounds: list[datetime]) -> Any:
    return and_(column >= bounds[0], column < bounds[-1])


# --- delivery ------------------------------------------------------------------------------


def daily_counts(session: Session, start: date, end: date) -> list[DailyCount]:
    """Messages per (day, channel, step, status), sorted; the CSV export's rows."""
    bounds = day_bounds(start, end)
    inner = (
        select(
            _day_index(Message.due_at, bounds).label("day"),
            Message.channel,
            Message.step_key,
            Message.status,
        )
        .where(_in_range(Message.due_at, bounds))
        .subquery()
    )
    rows = session.execute(
        select(
            inner.c.day, inner.c.channel, inner.c.step_key, inner.c.status, func.count()
        ).group_by(inner.c.day, inner.c.channel, inner.c.step_key, inner.c.status)
    ).all()
    return sorted(
        DailyCount(start + timedelta(days=int(day)), channel, step, status, int(n))
        for day, channel, step, status, n in rows
    )


def _counts(by_status: Mapping[str, int], sent: int) -> StatusCounts:
    return StatusCounts(
        planned=sum(by_status.values()),
        sent=sent,
        delivered=by_status.get(MessageStatus.DELIVERED, 0),
        failed=by_status.get(MessageStatus.FAILED, 0),
        expired=by_status.get(MessageStatus.EXPIRED, 0),
        suppressed=by_status.get(MessageStatus.SUPPRESSED, 0),
        cancelled=by_status.get(MessageStatus.CANCELLED, 0),
        pending=sum(by_status.get(s, 0) for s in PENDING),
    )


def _grouped(rows: Iterable[tuple[str, str, str, int, int]], key: int) -> dict[str, StatusCounts]:
    statuses: dict[str, dict[str, int]] = {}
    sent: dict[str, int] = {}
    for row in rows:
        name, status, n, accepted = str(row[key]), row[2], row[3], row[4]
        per = statuses.setdefault(name, {})
        per[status] = per.get(status, 0) + n
        sent[name] = sent.get(name, 0) + accepted
    return {name: _counts(statuses[name], sent[name]) for name in sorted(statuses)}


def delivery_report(session: Session, start: date, end: date) -> DeliveryReport:
    """Everything about the messages due from ``start`` to ``end`` (local days, inclusive)."""
    bounds = day_bounds(start, end)
    in_range = _in_range(Message.due_at, bounds)
    rows = [
        (channel, step, status, int(n), int(accepted))
        for channel, step, status, n, accepted in session.execute(
            select(
                Message.channel,
                Message.step_key,
                Message.status,
                func.count(),
                func.count(Message.sent_at),
            )
            .where(in_range)
            .group_by(Message.channel, Message.step_key, Message.status)
        )
    ]
    by_channel = _grouped(rows, 0)
    by_step_counts = _grouped(rows, 1)
    reached = _reached(session, bounds)
    stops = stops_by_step(session, start, end)
    by_step = [
        StepStats(
            step,
            counts,
            reached.get(step, 0),
            stops.get(step, 0),
            stops.get(step, 0) / reached[step] if reached.get(step) else None,
        )
        for step, counts in by_step_counts.items()
    ]
    totals = sum(by_channel.values(), StatusCounts())
    return DeliveryReport(
        start,
        end,
        totals,
        by_channel,
        by_step,
        provider_errors(session, start, end),
        send_latency(session, start, end),
    )


def _reached(session: Session, bounds: list[datetime]) -> dict[str, int]:
    rows = session.execute(
        select(Message.step_key, func.count(func.distinct(Message.recipient_id)))
        .where(_in_range(Message.due_at, bounds))
        .where(Message.status.in_(REACHED))
        .group_by(Message.step_key)
    )
    return {step: int(n) for step, n in rows}


def stops_by_step(session: Session, start: date, end: date) -> dict[str, int]:
    """Recipients who withdrew consent in the range, per step of the last message they got."""
    bounds = day_bounds(start, end)
    last_step = (
        select(Message.step_key)
        .where(Message.recipient_id == Event.recipient_id)
        .where(Message.status.in_(REACHED))
        .where(Message.sent_at <= Event.at)
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(1)
        .correlate(Event)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Event.recipient_id, last_step)
        .where(Event.kind == "consent.withdrawn")
        .where(Event.recipient_id.is_not(None))
        .where(_in_range(Event.at, bounds))
    ).all()
    recipients: dict[str, set[int]] = {}
    for recipient_id, step in rows:
        if step is not None:
            recipients.setdefault(step, set()).add(recipient_id)
    return {step: len(ids) for step, ids in sorted(recipients.items())}


def provider_errors(session: Session, start: date, end: date) -> list[ProviderErrorCount]:
    """Messages due in the range whose last provider answer was an error, per code."""
    bounds = day_bounds(start, end)
    rows = session.execute(
        select(Message.channel, Message.error_code, func.count())
        .where(_in_range(Message.due_at, bounds))
        .where(Message.error_code.is_not(None))
        .group_by(Message.channel, Message.error_code)
    )
    found = [
        ProviderErrorCount(channel, str(code), meaning(channel, str(code)), int(n))
        for channel, code, n in rows
    ]
    return sorted(found, key=lambda e: (-e.count, e.channel, e.code))


def percentiles(values: list[float]) -> Percentiles:
    """Nearest-rank p50 and p95."""
    if not values:
        return Percentiles()
    ordered = sorted(values)

    def rank(p: float) -> float:
        return ordered[max(math.ceil(p * len(ordered)), 1) - 1]

    return Percentiles(len(ordered), rank(0.50), rank(0.95))


def send_latency(session: Session, start: date, end: date) -> list[Latency]:
    """Per channel: due -> accepted, and accepted -> delivered, for messages due in range."""
    bounds = day_bounds(start, end)
    rows = session.execute(
        select(Message.channel, Message.due_at, Message.sent_at, Message.delivered_at)
        .where(_in_range(Message.due_at, bounds))
        .where(Message.sent_at.is_not(None))
    )
    accepted: dict[str, list[float]] = {}
    delivered: dict[str, list[float]] = {}
    for channel, due_at, sent_at, delivered_at in rows:
        assert sent_at is not None
        accepted.setdefault(channel, []).append((sent_at - due_at).total_seconds())
        if delivered_at is not None:
            delivered.setdefault(channel, []).append((delivered_at - sent_at).total_seconds())
    return [
        Latency(c, percentiles(accepted[c]), percentiles(delivered.get(c, [])))
        for c in sorted(accepted)
    ]


# --- right now -----------------------------------------------------------------------------


def queue_depths(
    session: Session, now: datetime, broker_tasks: Mapping[str, int] | None = None
) -> list[QueueDepth]:
    """Per queue: tasks in the broker (when known) and messages due but not picked up."""
    rows = session.execute(
        select(Message.channel, func.count(), func.min(Message.due_at))
        .where(Message.status.in_(UNSENT))
        .where(Message.due_at <= now)
        .group_by(Message.channel)
    )
    waiting = {channel: (int(n), oldest) for channel, n, oldest in rows}
    broker = broker_tasks if broker_tasks is not None else {}
    return [
        QueueDepth(
            queue,
            broker.get(queue) if broker_tasks is not None else None,
            waiting.get(queue, (0, None))[0],
            waiting.get(queue, (0, None))[1],
        )
        for queue in QUEUES
    ]


def scheduler_health(session: Session, now: datetime) -> SchedulerHealth:
    state = session.get(PlannerState, LAST_TICK)
    if state is None:
        return SchedulerHealth(None, None, None)
    instant, _, leader = state.value.partition(" ")
    at = datetime.fromisoformat(instant)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return SchedulerHealth(at, leader or None, (now - at).total_seconds())


def enrollments_by_stage(session: Session, today: date) -> dict[str, int]:
    """Children of active enrollments (not lost, not ended) by stage, every stage listed."""
    bounds = stage_bounds(today)
    stage = case(
        (Child.birth_date.is_(None), PREGNANCY),
        *[(Child.birth_date > earliest, name) for earliest, name in bounds],
        else_=STAGES[-1],
    )
    inner = (
        select(stage.label("stage"))
        .join(Family, Family.id == Child.family_id)
        .where(Family.status == "active")
        .where(Child.status.in_(("expecting", "born")))
        .subquery()
    )
    counts = dict.fromkeys(STAGES, 0)
    for name, n in session.execute(select(inner.c.stage, func.count()).group_by(inner.c.stage)):
        counts[name] = int(n)
    return counts


def signups_per_week(session: Session, start: date, end: date) -> list[WeekCount]:
    """New enrollments per ISO week (local time), every week from ``start`` to ``end``."""
    bounds = day_bounds(start, end)
    counts: dict[date, int] = {}
    for (created,) in session.execute(
        select(Family.created_at).where(_in_range(Family.created_at, bounds))
    ):
        day = local_day(created)
        monday = day - timedelta(days=day.weekday())
        counts[monday] = counts.get(monday, 0) + 1
    weeks: list[WeekCount] = []
    monday = start - timedelta(days=start.weekday())
    while monday <= end:
        year, week, _ = monday.isocalendar()
        weeks.append(WeekCount(year, week, monday, counts.get(monday, 0)))
        monday += timedelta(days=7)
    return weeks


def operations(
    session: Session, now: datetime, broker_tasks: Mapping[str, int] | None = None
) -> Operations:
    return Operations(
        now,
        queue_depths(session, now, broker_tasks),
        scheduler_health(session, now),
        enrollments_by_stage(session, local_day(now)),
    )


@dataclass(frozen=True)
class Dashboard:
    """What ``/staff/admin`` shows: today, the last ``days`` days, and right now."""

    today: DeliveryReport
    recent: DeliveryReport
    daily: list[DailyCount]
    signups: list[WeekCount]
    now: Operations


def dashboard(
    session: Session,
    now: datetime,
    days: int = 30,
    broker_tasks: Mapping[str, int] | None = None,
) -> Dashboard:
    today = local_day(now)
    first = today - timedelta(days=days - 1)
    return Dashboard(
        delivery_report(session, today, today),
        delivery_report(session, first, today),
        daily_counts(session, first, today),
        signups_per_week(session, first, today),
        operations(session, now, broker_tasks),
    )


def metrics_snapshot(
    session: Session, now: datetime, broker_tasks: Mapping[str, int] | None
) -> Snapshot:
    """The gauges ``/metrics`` computes at scrape time."""
    health = scheduler_health(session, now)
    return Snapshot(
        queue_depth=dict(broker_tasks or {}),
        last_tick_timestamp=health.last_tick_at.timestamp() if health.last_tick_at else None,
        enrollments=enrollments_by_stage(session, local_day(now)),
    )


CSV_HEADER = ("day", "channel", "step", "status", "count")
MAX_REPORT_DAYS = 400


def check_range(start: date, end: date) -> None:
    if end < start:
        raise InputError(f"--to {end} is before --from {start}")
    if (end - start).days + 1 > MAX_REPORT_DAYS:
        raise InputError(f"at most {MAX_REPORT_DAYS} days at a time")


def write_csv(rows: Iterable[DailyCount], out: IO[str]) -> int:
    """The daily aggregates as CSV (no personal data: counts only); returns the row count."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    n = 0
    for row in rows:
        writer.writerow((row.day.isoformat(), row.channel, row.step, row.status, row.count))
        n += 1
    return n
