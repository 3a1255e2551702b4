"""The set-based planner: find the families with something due, let the pure core decide,
write the decisions. Its cost follows the number of nudges due, not the number of families.

Which families are looked at on ``today``:
  * per step, one indexed range query on the step's anchor column for the anchors whose day
    falls in (last planned day, today];
  * families with deferred nudges (waiting for the cap, a pause, a birth report);
  * families marked ``replan`` (new, or their dates or recipients changed).
The same queries tell which of a family's steps can lead to a decision today, so the pure core
gets only those slots (see ``_RelevantSlots``); a re-planned family gets all of them.
Writes are ``INSERT ... ON CONFLICT DO NOTHING`` on the unique keys, so a second run is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from notifier.adapters.db.family_repository import chunks, load_facts, load_history
from notifier.adapters.db.tables import Child, Family, Message, Nudge, PlannerState
from notifier.domain.family import FamilyFacts
from notifier.domain.planner import (
    CapRule,
    Decision,
    NudgeRecord,
    NudgeStatus,
    Slot,
    plan_family,
    slots_for,
)
from notifier.domain.programme import Age, Anchor, Priority, Programme, Step
from notifier.domain.timing import SendHours

LAST_PLANNED = "last_planned_day"
NUDGES: Table = Nudge.__table__  # type: ignore[assignment]
BATCH = 2000
PLANNABLE = ("active", "lost")


@dataclass
class PlanResult:
    day: date
    families: int = 0
    placed: int = 0
    deferred: int = 0
    skipped: int = 0
    cancelled: int = 0
    messages: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


def anchor_column(step: Step) -> Any:
    if step.anchor is Anchor.LOSS:
        return Child.lost_on
    if step.anchor is Anchor.DUE_DATE:
        return Child.due_date
    return Child.anchor_corrected if step.age is Age.CORRECTED else Child.anchor_birth


def steps_due(
    session: Session, programme: Programme, first: date, last: date
) -> dict[int, set[str]]:
    """Per family, the keys of its steps whose day falls in [first, last]: one range query per
    step."""
    found: dict[int, set[str]] = {}
    if first > last:
        return found
    for step in programme.steps:
        anchors = step.offset.anchors_for(first, last)
        if anchors is None:
            continue
        column = anchor_column(step)
        for family_id in session.scalars(
            select(Child.family_id).where(column.between(*anchors)).where(Child.status != "ended")
        ):
            found.setdefault(family_id, set()).add(step.key)
    return found


def families_due(session: Session, programme: Programme, first: date, last: date) -> set[int]:
    """Families with a step whose day falls in [first, last]: one range query per step."""
    return set(steps_due(session, programme, first, last))


class _RelevantSlots:
    """The slots of a family that can lead to a decision today, for ``plan_family(slots=...)``.

    With ``since`` set, ``plan_family`` acts only on slots whose day is in [since, today] or
    that have a deferred record, and counts deadline slots due within the cap period ahead;
    every other slot is passed over. Those are the steps the range queries found (``due`` for
    [since, today], ``upcoming`` for the deadline steps in (today, horizon]) and the steps of the
    family's deferred records. ``slots_for`` on the programme cut down to those steps gives all
    of them (and possibly more slots of the same steps, which it would give anyway), in the
    same order, so the decisions are the same as with every slot, at a fraction of the cost.
    """

    def __init__(
        self, programme: Programme, due: dict[int, set[str]], upcoming: dict[int, set[str]]
    ) -> None:
        self.programme = programme
        self.due = due
        self.upcoming = upcoming
        self._cut: dict[frozenset[str], Programme] = {}

    def __call__(
        self, family: FamilyFacts, history: dict[tuple[int, str], NudgeRecord]
    ) -> list[Slot]:
        keys = self.due.get(family.id, set()) | self.upcoming.get(family.id, set())
        keys |= {key[1] for key, r in history.items() if r.status is NudgeStatus.DEFERRED}
        wanted = frozenset(keys)
        cut = self._cut.get(wanted)
        if cut is None:
            steps = tuple(s for s in self.programme.steps if s.key in wanted)
            cut = self._cut[wanted] = replace(self.programme, steps=steps)
        return slots_for(cut, family)


def _insert(
    session: Session, table: Any, rows: list[dict[str, Any]], returning: Any = None
) -> list[Any]:
    """``INSERT ... ON CONFLICT DO NOTHING`` of ``rows`` (all with the same keys).

    On PostgreSQL the rows go as one array per column through ``unnest``: one short statement
    instead of pages of ``VALUES`` with thousands of parameters, which cost more to build and
    parse than to run. Columns left out get their defaults, as with a plain insert.
    """
    if not rows:
        return []
    statement: Any
    if session.get_bind().dialect.name == "postgresql":
        names = list(rows[0])
        statement = _unnest_insert(table, tuple(names))
        params: Any = {name: [row[name] for row in rows] for name in names}
    else:
        statement, params = sqlite.insert(table).on_conflict_do_nothing(), rows
    if returning is not None:
        return list(session.execute(statement.returning(*returning), params).all())
    session.execute(statement, params)
    return []


_UNNEST: dict[tuple[str, tuple[str, ...]], Any] = {}


def _unnest_insert(table: Any, names: tuple[str, ...]) -> Any:
    key = (table.name, names)
    if key not in _UNNEST:
        arrays = [bindparam(n, type_=postgresql.ARRAY(table.c[n].type)) for n in names]
        rows = func.unnest(*arrays).table_valued(*names).render_derived()
        _UNNEST[key] = (
            postgresql.insert(table)
            .from_select(list(names), select(*rows.c))
            .on_conflict_do_nothing()
        )
    return _UNNEST[key]


def _last_planned(session: Session) -> date | None:
    state = session.get(PlannerState, LAST_PLANNED)
    return date.fromisoformat(state.value) if state else None


def plan(
    session: Session,
    programme: Programme,
    version_id: int | None,
    now: datetime,
    *,
    hours: SendHours,
    cap: CapRule,
) -> PlanResult:
    """Plan ``today`` (the local date of ``now``). Idempotent; the caller's unit of work commits."""
    today = hours.today(now)
    last = _last_planned(session)
    first = (last + timedelta(days=1)) if last else today
    result = PlanResult(today)

    due = steps_due(session, programme, first, today)
    sliced = set(due)
    deferred = set(session.scalars(select(Nudge.family_id).where(Nudge.status == "deferred")))
    replan = set(session.scalars(select(Family.id).where(Family.replan)))
    active: set[int] = set()
    candidates = sorted(sliced | deferred | replan)
    for part in chunks(candidates, 5000):
        active.update(
            session.scalars(
                select(Family.id).where(Family.id.in_(part)).where(Family.status.in_(PLANNABLE))
            )
        )
    max_window = max((s.window.approx_days() for s in programme.steps), default=0) + 31
    history_from = today - timedelta(days=cap.days + max_window)
    deadlines = tuple(s for s in programme.steps if s.priority is Priority.DEADLINE)
    horizon = today + timedelta(days=cap.days - 1)
    upcoming = steps_due(
        session, replace(programme, steps=deadlines), today + timedelta(days=1), horizon
    )
    relevant = _RelevantSlots(programme, due, upcoming)

    for part in chunks(sorted(active), BATCH):
        facts = load_facts(session, part)
        history, nudge_ids = load_history(session, part, history_from)
        full_ids = [f for f in part if f in replan]
        if full_ids:
            full, full_nudge_ids = load_history(session, full_ids, None)
            history.update(full)
            nudge_ids.update(full_nudge_ids)
        decisions: list[tuple[int, Decision]] = []
        for family_id in part:
            family, records = facts[family_id], history.get(family_id, {})
            everything = family_id in replan
            for decision in plan_family(
                programme,
                family,
                records,
                today,
                now,
                hours=hours,
                cap=cap,
                since=None if everything else first,
                slots=None if everything else relevant(family, records),
            ):
                decisions.append((family_id, decision))
        _write(session, decisions, nudge_ids, version_id, result)
        result.families += len(part)

    replanned = sorted(replan & active) + sorted(replan - active)
    for part in chunks(replanned):
        session.execute(update(Family).where(Family.id.in_(part)).values(replan=False))
    if last is None or today > last:
        session.merge(PlannerState(key=LAST_PLANNED, value=today.isoformat()))
    return result


def _write(
    session: Session,
    decisions: list[tuple[int, Decision]],
    nudge_ids: dict[tuple[int, str], int],
    version_id: int | None,
    result: PlanResult,
) -> None:
    new_rows, changed = [], []
    for family_id, d in decisions:
        counter = d.status.value
        result.by_status[counter] = result.by_status.get(counter, 0) + 1
        row = {"status": d.status.value, "reason": d.reason, "planned_on": d.planned_on}
        if d.key in nudge_ids:
            changed.append({"nudge_id": nudge_ids[d.key], **row})
        else:
            new_rows.append(
                {
                    "family_id": family_id,
                    "child_id": d.slot.lead.id,
                    "step_key": d.slot.step.key,
                    "day": d.slot.day,
                    "priority": d.slot.step.priority.value,
                    "programme_version_id": version_id,
                    **row,
                }
            )
    for row in _insert(
        session, Nudge.__table__, new_rows, returning=(Nudge.child_id, Nudge.step_key, Nudge.id)
    ):
        nudge_ids[(row.child_id, row.step_key)] = row.id
    if changed:
        session.execute(
            update(NUDGES)
            .where(NUDGES.c.id == bindparam("nudge_id"))
            .values(
                status=bindparam("status"),
                reason=bindparam("reason"),
                planned_on=bindparam("planned_on"),
            ),
            changed,
        )
    messages = [
        {
            "nudge_id": nudge_ids.get(d.key),
            "family_id": family_id,
            "child_id": d.slot.lead.id,
            "recipient_id": m.recipient_id,
            "step_key": d.slot.step.key,
            "channel": m.channel.value,
            "language": m.language,
            "programme_version_id": version_id,
            "due_at": m.due_at,
            "expires_at": m.expires_at,
            "status": "scheduled",
        }
        for family_id, d in decisions
        if d.status is NudgeStatus.PLACED
        for m in d.messages
    ]
    _insert(session, Message.__table__, messages)
    result.messages += len(messages)
    result.placed = result.by_status.get("placed", 0)
    result.deferred = result.by_status.get("deferred", 0)
    result.skipped = result.by_status.get("skipped", 0)
    result.cancelled = result.by_status.get("cancelled", 0)
