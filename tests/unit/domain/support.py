"""Builders for the planner tests: families made of plain facts, and a day-by-day planner run.

Not a test module: the facts a test needs, spelled out in one line each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta

from notifier.domain.family import ChildFacts, ChildStatus, FamilyFacts, RecipientFacts
from notifier.domain.planner import CapRule, Decision, NudgeRecord, NudgeStatus, plan_family
from notifier.domain.programme import Channel, Programme
from notifier.domain.timing import SendHours

SMS = frozenset({Channel.SMS})
EMAIL = frozenset({Channel.EMAIL})
BOTH = SMS | EMAIL
HOURS = SendHours()
EARLY = time(0, 5)

History = dict[tuple[int, str], NudgeRecord]


def expecting(due: date, id: int = 1, **kw: object) -> ChildFacts:
    return ChildFacts(id, due, **kw)  # type: ignore[arg-type]


def born(birth: date, weeks: int = 40, id: int = 1, due: date | None = None, **kw: object):
    """A born child; the due date follows from the weeks at birth unless given."""
    due = due or birth + timedelta(weeks=40 - weeks)
    return ChildFacts(id, due, birth, weeks, ChildStatus.BORN, **kw)  # type: ignore[arg-type]


def parent(id: int = 1, channels: frozenset[Channel] = SMS, language: str = "nl", **kw: object):
    return RecipientFacts(id, channels, language, **kw)  # type: ignore[arg-type]


def family(*children: ChildFacts, recipients=(), **kw: object) -> FamilyFacts:
    return FamilyFacts(1, tuple(children), tuple(recipients) or (parent(),), **kw)  # type: ignore[arg-type]


def at(day: date, clock: time = EARLY):
    return HOURS.local(day, clock)


def run_days(
    programme: Programme,
    facts: FamilyFacts | Callable[[date], FamilyFacts],
    start: date,
    end: date,
    history: History | None = None,
    cap: CapRule | None = None,
) -> tuple[dict[tuple[int, str], Decision], list[tuple[date, Decision]]]:
    """Plan every day from ``start`` to ``end`` at 00:05, as the scheduler would, applying each
    day's decisions to ``history``. ``facts`` may change by day (a birth or loss reported).
    Returns the latest decision per nudge and the log of every decision with its day."""
    history = {} if history is None else history
    latest: dict[tuple[int, str], Decision] = {}
    log: list[tuple[date, Decision]] = []
    since: date | None = None
    day = start
    while day <= end:
        today_facts = facts(day) if callable(facts) else facts
        for decision in plan_family(
            programme, today_facts, history, day, at(day), since=since, cap=cap
        ):
            history[decision.key] = decision.record()
            latest[decision.key] = decision
            log.append((day, decision))
        since = day + timedelta(days=1)
        day += timedelta(days=1)
    return latest, log


def by_step(decisions) -> dict[str, Decision]:
    """Decisions of a one-birth family, by step key."""
    found = {}
    for d in decisions.values() if isinstance(decisions, dict) else decisions:
        assert d.slot.step.key not in found, f"two nudges for {d.slot.step.key}"
        found[d.slot.step.key] = d
    return found


def placed_days(decisions) -> dict[str, date | None]:
    return {
        k: d.planned_on for k, d in by_step(decisions).items() if d.status is NudgeStatus.PLACED
    }


def local_dates(decision: Decision) -> set[date]:
    return {HOURS.today(m.due_at) for m in decision.messages}
