"""The set-based planner: find the families with something due, let the pure core decide,
write the decisions. Its cost follows the number of nudges due, not the number of families.

Which families are looked at on ``today``:
  * per step, one indexed range query on the step's anchor column for the anchors whose day
    falls in (last planned day, today];
  * families with deferred nudges (waiting for the cap, a pause, a birth report);
  * families marked ``replan`` (new, or their dates or recipients changed).
Writes are ``INSERT ... ON CONFLICT DO NOTHING`` on the unique keys, so a second run is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from notifier.adapters.db.family_repository import chunks, load_facts, load_history
from notifier.adapters.db.tables import Child, Family, Message, Nudge, PlannerState
from notifier.domain.planner import CapRule, Decision, NudgeStatus, plan_family
from notifier.domain.programme import Age, Anchor, Programme, Step
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


def _anchor_column(step: Step) -> Any:
    if step.anchor is Anchor.LOSS:
        return Child.lost_on
    if step.anchor is Anchor.DUE_DATE:
        return Child.due_date
    return Child.anchor_corrected if step.age is Age.CORRECTED else Child.anchor_birth


def families_due(session: Session, programme: Programme, first: date, last: date) -> set[int]:
    """Families with a step whose day falls in [first, last]: one range query per step."""
    found: set[int] = set()
    if first > last:
        return found
    for step in programme.steps:
        anchors = step.offset.anchors_for(first, last)
        if anchors is None:
            continue
        column = _anchor_column(step)
        found.update(
            session.scalars(
                select(Child.family_id)
                .where(column.between(*anchors))
                .where(Child.status != "ended")
            )
        )
    return found


def _insert(
    session: Session, table: Any, rows: list[dict[str, Any]], returning: Any = None
) -> list[Any]:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(table).on_conflict_do_nothing()
    if returning is not None:
        statement = statement.returning(*returning)
        return list(session.execute(statement, rows).all()) if rows else []
    if rows:
        session.execute(statement, rows)
    return []


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

    sliced = families_due(session, programme, first, today)
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
            since = None if family_id in replan else first
            for decision in plan_family(
                programme,
                facts[family_id],
                history.get(family_id, {}),
                today,
                now,
                hours=hours,
                cap=cap,
                since=since,
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
