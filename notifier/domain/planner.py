"""The pure planner: for one family on one day, which nudges go, which wait, which are skipped.

A *nudge* is one step for one birth (twins share a nudge) of one family; it becomes one message
per recipient and channel. Every (birth, step) whose day has come gets exactly one record:

    deferred  -> placed | skipped      (waiting: frequency cap, pause, birth not yet reported,
                                         no confirmed recipient yet)
    placed                             (planned for today; messages are created)
    skipped / cancelled                (final, with the reason)

``plan_family`` is a pure function of (programme, family, history, today, now). The SQL planner
only chooses *which* families to look at (a range query per step on the anchor date) and then
calls this same function, so there is one implementation of the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from notifier.domain.family import PRETERM_BELOW_WEEKS, ChildFacts, ChildStatus, FamilyFacts
from notifier.domain.offsets import window_last_day
from notifier.domain.programme import (
    Age,
    Anchor,
    Channel,
    IfBornEarly,
    Priority,
    Programme,
    Step,
    When,
    template_name,
)
from notifier.domain.timing import SendHours

# A baby may be born as late as 44 weeks (enrolment rules): 4 weeks after the due date.
_LATEST_BIRTH = timedelta(weeks=4)
# Conditions that can only be decided once the birth is reported: such steps wait for it.
_NEEDS_BIRTH = (When.BORN, When.PRETERM, When.RSV_SEASON)
# Months of birth whose babies get the RSV jab within about two weeks (October to March).
RSV_SEASON_MONTHS = frozenset({10, 11, 12, 1, 2, 3})


class NudgeStatus(StrEnum):
    DEFERRED = "deferred"
    PLACED = "placed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class Reason:
    """The reasons a nudge waits or is not sent, as shown to staff."""

    CAP = "frequency cap"
    PAUSED = "paused"
    WAITING_BIRTH = "waiting for the birth to be reported"
    NO_RECIPIENT = "no confirmed recipient on this step's channels"
    WINDOW_PASSED = "window passed"
    BORN_BEFORE = "born before this step"
    ALREADY_BORN = "child already born"
    NOT_FIRST_CHILD = "not the first child"
    NOT_PRETERM = "not born early"
    NOT_RSV_SEASON = "born outside the RSV season"
    AFTER_LOSS = "quiet weeks after a loss"


# After a loss the family's other children (a twin, an older child) get no ordinary messages
# for these days; deadlines (a registration, a jab) still go.
QUIET_AFTER_LOSS = timedelta(days=28)


@dataclass(frozen=True, slots=True)
class CapRule:
    limit: int = 3
    days: int = 7


@dataclass(frozen=True, slots=True)
class Slot:
    """One step for one birth of a family, with the days it may go."""

    lead: ChildFacts
    child_ids: tuple[int, ...]
    step: Step
    day: date
    last_day: date
    moved: bool = False  # a pregnancy step moved to the birth date (if_born_early: move)

    @property
    def key(self) -> tuple[int, str]:
        return (self.lead.id, self.step.key)


@dataclass(frozen=True, slots=True)
class NudgeRecord:
    """What is already known about a nudge (from the outbox, or from an earlier day)."""

    status: NudgeStatus
    planned_on: date | None = None
    reason: str | None = None
    priority: Priority = Priority.NORMAL


@dataclass(frozen=True, slots=True)
class PlannedMessage:
    recipient_id: int
    channel: Channel
    language: str  # the language the template will be rendered in (Dutch where missing)
    requested_language: str
    due_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Decision:
    slot: Slot
    status: NudgeStatus
    reason: str | None = None
    planned_on: date | None = None
    messages: tuple[PlannedMessage, ...] = ()

    @property
    def key(self) -> tuple[int, str]:
        return self.slot.key

    def record(self) -> NudgeRecord:
        return NudgeRecord(self.status, self.planned_on, self.reason, self.slot.step.priority)


def moved_to_birth(step: Step, child: ChildFacts) -> bool:
    """A pregnancy step with ``if_born_early: move`` for a child whose birth is known: it goes
    from the birth date instead (sent already in pregnancy, its record keeps it from going
    twice; not sent, because the baby came early or the family enrolled after the birth, it
    still goes)."""
    return step.if_born_early is IfBornEarly.MOVE and child.birth_date is not None


def step_day(step: Step, child: ChildFacts) -> date | None:
    """The day a step falls on for this child (None when it never applies)."""
    if step.anchor is Anchor.LOSS:
        return step.offset.apply(child.lost_on) if child.lost_on else None
    if step.anchor is Anchor.DUE_DATE:
        if moved_to_birth(step, child):
            return child.birth_date
        return step.offset.apply(child.due_date)
    base = child.corrected_anchor if step.age is Age.CORRECTED else child.birth_anchor
    return step.offset.apply(base)


def births(family: FamilyFacts) -> list[tuple[ChildFacts, tuple[int, ...]]]:
    """The family's births: twins (same birth or due date) share one; lead = lowest id."""
    if len(family.children) == 1:  # most families
        (child,) = family.children
        return [] if child.status is ChildStatus.ENDED else [(child, (child.id,))]
    groups: dict[date, list[ChildFacts]] = {}
    for child in family.children:
        if child.status is not ChildStatus.ENDED:
            groups.setdefault(child.twin_key, []).append(child)
    result = []
    for members in groups.values():
        members.sort(key=lambda c: c.id)
        result.append((members[0], tuple(c.id for c in members)))
    result.sort(key=lambda g: g[0].id)
    return result


def slots_for(programme: Programme, family: FamilyFacts) -> list[Slot]:
    """Every (birth, step) that can apply to this family, with its days; computed once.

    A loss is per child: a child who was lost gets the loss message and nothing else; the other
    children of the family (a twin, an older child) keep their programme. A birth keeps the id
    of its first child as its key whoever of it was lost, so nothing it was sent is planned
    again; its dates come from a child still living."""
    slots = []
    for lead, child_ids in births(family):
        members = [c for c in family.children if c.id in child_ids]
        lost = [c for c in members if c.status is ChildStatus.LOST]
        living = [c for c in members if c.status is not ChildStatus.LOST]
        for step in programme.steps:
            if step.anchor is Anchor.LOSS:
                if not lost:
                    continue  # never before a loss
                slot_lead, ids = lost[0], tuple(c.id for c in lost)
            elif living:
                slot_lead, ids = replace(living[0], id=lead.id), tuple(c.id for c in living)
            else:
                continue  # after a loss only the loss message
            lead_facts = slot_lead
            day = step_day(step, lead_facts)
            if day is None:
                continue
            last_day = window_last_day(day, step.window)
            if step.when in _NEEDS_BIRTH and not lead_facts.born:
                last_day += _LATEST_BIRTH  # the real window is not known yet: keep waiting
            moved = step.anchor is Anchor.DUE_DATE and moved_to_birth(step, lead_facts)
            slots.append(Slot(lead_facts, ids, step, day, last_day, moved))
    slots.sort(key=lambda s: (s.day, s.step.order, s.lead.id))
    return slots


def _final_reason(slot: Slot) -> tuple[NudgeStatus, str] | None:
    """A reason that makes this nudge impossible for good, independent of the day."""
    lead, step = slot.lead, slot.step
    if step.first_child_only and lead.first_child is False:
        return NudgeStatus.SKIPPED, Reason.NOT_FIRST_CHILD
    if lead.birth_date is not None:
        moved = moved_to_birth(step, lead)
        if step.anchor is Anchor.DUE_DATE and slot.day > lead.birth_date and not moved:
            return NudgeStatus.CANCELLED, Reason.BORN_BEFORE
        if step.when is When.EXPECTING and not moved:
            return NudgeStatus.CANCELLED, Reason.ALREADY_BORN
        if step.when is When.PRETERM and not is_preterm(lead):
            return NudgeStatus.SKIPPED, Reason.NOT_PRETERM
        if step.when is When.RSV_SEASON and lead.birth_date.month not in RSV_SEASON_MONTHS:
            return NudgeStatus.SKIPPED, Reason.NOT_RSV_SEASON
    return None


def is_preterm(child: ChildFacts) -> bool:
    """Born before 37 weeks (as reported)."""
    return child.weeks_at_birth is not None and child.weeks_at_birth < PRETERM_BELOW_WEEKS


def _messages(
    programme: Programme,
    family: FamilyFacts,
    slot: Slot,
    today: date,
    now: datetime,
    hours: SendHours,
) -> tuple[PlannedMessage, ...]:
    expires_at = hours.window_end(slot.last_day)
    messages = []
    step = slot.step
    for recipient in family.recipients:
        due_at: datetime | None = None
        for channel in step.channels:
            if channel not in recipient.channels:
                continue
            if due_at is None:
                due_at = hours.due_at(today, recipient.preferred_time, now)
            if due_at > expires_at:
                break
            name = template_name(step.key, channel)
            messages.append(
                PlannedMessage(
                    recipient.id,
                    channel,
                    programme.template_language(recipient.language, name),
                    recipient.language,
                    due_at,
                    expires_at,
                )
            )
    return tuple(messages)


class _CapLedger:
    """Counts nudges per day for the cap: placed ones, and deadlines that will come."""

    def __init__(self, rule: CapRule, placed: Iterable[date], upcoming: Iterable[date]) -> None:
        self.rule = rule
        self.counts: dict[date, int] = {}
        for day in (*placed, *upcoming):
            self.counts[day] = self.counts.get(day, 0) + 1

    def fits(self, day: date) -> bool:
        """One more nudge on ``day`` keeps every ``span``-day period that holds ``day`` within
        the limit (a sliding sum over the days ``day - span + 1 .. day + span - 1``)."""
        span, counts = self.rule.days, self.counts
        if span <= 0:
            return True
        first = day - timedelta(days=span - 1)
        last = day + timedelta(days=span - 1)
        if sum(n for d, n in counts.items() if first <= d <= last) < self.rule.limit:
            return True  # even all of them in one period leave room
        per_day = [counts.get(first + timedelta(days=i), 0) for i in range(2 * span - 1)]
        total = sum(per_day[:span])
        for start in range(span):
            if start:
                total += per_day[start + span - 1] - per_day[start - 1]
            if total + 1 > self.rule.limit:
                return False
        return True

    def add(self, day: date) -> None:
        self.counts[day] = self.counts.get(day, 0) + 1


def plan_family(
    programme: Programme,
    family: FamilyFacts,
    history: Mapping[tuple[int, str], NudgeRecord],
    today: date,
    now: datetime,
    *,
    hours: SendHours | None = None,
    cap: CapRule | None = None,
    since: date | None = None,
    slots: Sequence[Slot] | None = None,
) -> list[Decision]:
    """Decide today's nudges for one family.

    ``history`` holds the records of earlier days. Slots whose day is before ``since`` and that
    have no deferred record are taken as already decided (the SQL planner passes the day after
    its last run; a full re-plan passes None). Returns only new or changed decisions.
    """
    hours = hours or SendHours()
    cap = cap or CapRule()
    slots = slots_for(programme, family) if slots is None else slots
    decisions: list[Decision] = []
    candidates: list[Slot] = []
    upcoming: list[date] = []
    horizon = today + timedelta(days=cap.days - 1)

    for slot in slots:
        record = history.get(slot.key)
        if slot.day > today:
            if (
                slot.day <= horizon
                and slot.step.priority is Priority.DEADLINE
                and record is None
                and _final_reason(slot) is None
            ):
                upcoming.append(slot.day)
            continue
        if record is not None and record.status is not NudgeStatus.DEFERRED:
            continue
        if record is None and since is not None and slot.day < since:
            continue

        def decide(
            status: NudgeStatus, reason: str, slot: Slot = slot, record: NudgeRecord | None = record
        ) -> None:
            if _changed(record, status, reason):
                decisions.append(Decision(slot, status, reason))

        final = _final_reason(slot)
        if final is not None:
            decide(*final)
        elif today > slot.last_day:
            reason = record.reason if record is not None and record.reason else None
            decide(NudgeStatus.SKIPPED, reason or Reason.WINDOW_PASSED)
        elif slot.step.when in _NEEDS_BIRTH and not slot.lead.born:
            decide(NudgeStatus.DEFERRED, Reason.WAITING_BIRTH)
        elif family.paused_on(today) and slot.step.anchor is not Anchor.LOSS:
            decide(NudgeStatus.DEFERRED, Reason.PAUSED)
        elif (
            family.loss_within(today, QUIET_AFTER_LOSS)
            and slot.step.anchor is not Anchor.LOSS
            and slot.step.priority is not Priority.DEADLINE
        ):  # the other children's messages wait a few weeks; a deadline still goes
            decide(NudgeStatus.DEFERRED, Reason.AFTER_LOSS)
        else:
            candidates.append(slot)

    placed_days = [
        r.planned_on
        for r in history.values()
        if r.status is NudgeStatus.PLACED and r.planned_on is not None
    ]
    ledger = _CapLedger(cap, placed_days, upcoming)
    firm = [s for s in candidates if s.step.priority is Priority.DEADLINE]
    # Under the cap, a step moved to the birth date gives way to the steps of these days (its
    # window is long enough to wait): the moved ones would otherwise crowd out the first
    # days' own messages, they all start on the birth date.
    movable = sorted(
        (s for s in candidates if s.step.priority is not Priority.DEADLINE), key=lambda s: s.moved
    )
    for slot in (*firm, *movable):
        record = history.get(slot.key)
        messages = _messages(programme, family, slot, today, now, hours)
        if not messages:
            reachable = any(c in r.channels for r in family.recipients for c in slot.step.channels)
            if reachable:  # only the hour is too late: the window closes before the next slot
                status, reason = NudgeStatus.SKIPPED, Reason.WINDOW_PASSED
            elif today >= slot.last_day:
                status, reason = NudgeStatus.SKIPPED, Reason.NO_RECIPIENT
            else:
                status, reason = NudgeStatus.DEFERRED, Reason.NO_RECIPIENT
            if _changed(record, status, reason):
                decisions.append(Decision(slot, status, reason))
            continue
        if slot.step.priority is Priority.DEADLINE or ledger.fits(today):
            ledger.add(today)
            # A nudge placed after waiting keeps the reason it waited, so staff (and the demo)
            # can say why it went later than its day: the cap, a pause, the birth report.
            waited = record.reason if record is not None else None
            decisions.append(Decision(slot, NudgeStatus.PLACED, waited, today, messages))
        elif today >= slot.last_day:
            decisions.append(Decision(slot, NudgeStatus.SKIPPED, Reason.CAP))
        elif _changed(record, NudgeStatus.DEFERRED, Reason.CAP):
            decisions.append(Decision(slot, NudgeStatus.DEFERRED, Reason.CAP))
    return decisions


def _changed(record: NudgeRecord | None, status: NudgeStatus, reason: str | None) -> bool:
    return record is None or record.status is not status or record.reason != reason


def timeline(
    programme: Programme,
    family: FamilyFacts,
    start: date,
    end: date,
    *,
    hours: SendHours | None = None,
    cap: CapRule | None = None,
    tick: datetime | None = None,
) -> list[Decision]:
    """What this family gets from ``start`` to ``end`` if the planner runs early every day.

    ``tick``, when given, is the instant of the first day's run (e.g. the moment of enrolment);
    later days run at 00:05 local time. Returns the final decision per nudge, in date order.
    """
    hours = hours or SendHours()
    slots = slots_for(programme, family)
    history: dict[tuple[int, str], NudgeRecord] = {}
    latest: dict[tuple[int, str], Decision] = {}
    active_days = {start}
    for slot in slots:
        first = max(slot.day, start)
        last = min(slot.last_day + timedelta(days=1), end)
        active_days.update(first + timedelta(days=i) for i in range((last - first).days + 1))
    since: date | None = None
    for day in sorted(d for d in active_days if start <= d <= end):
        now = tick if (tick is not None and day == start) else hours.local(day, _EARLY)
        for decision in plan_family(
            programme, family, history, day, now, hours=hours, cap=cap, since=since, slots=slots
        ):
            history[decision.key] = decision.record()
            latest[decision.key] = decision
        since = day + timedelta(days=1)
    return sorted(latest.values(), key=lambda d: (d.planned_on or d.slot.day, d.slot.step.order))


_EARLY = datetime.min.time().replace(minute=5)
