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

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, literal, select, union_all, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from notifier.adapters.db.base import utcnow
from notifier.adapters.db.family_repository import (
    chunks,
    fetch,
    id_filters,
    load_facts,
    load_history,
)
from notifier.adapters.db.tables import Child, Family, Message, Nudge, PlannerState
from notifier.domain.family import FamilyFacts
from notifier.domain.message_status import MessageStatus
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
MESSAGES: Table = Message.__table__  # type: ignore[assignment]
BATCH = 5000
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
    session: Session, programme: Programme, first: date, last: date, *, plannable: bool = False
) -> dict[int, set[str]]:
    """Per family, the keys of its steps whose day falls in [first, last]: one indexed range
    query per step on its anchor column, all sent as one statement (``UNION ALL``). With
    ``plannable``, only families whose status lets them be planned."""
    found: dict[int, set[str]] = {}
    if first > last:
        return found
    queries = []
    for index, step in enumerate(programme.steps):
        anchors = step.offset.anchors_for(first, last)
        if anchors is None:
            continue
        query = (
            select(Child.family_id, literal(index))
            .where(anchor_column(step).between(*anchors))
            .where(Child.status != "ended")
        )
        if plannable:
            query = query.join(Family, Family.id == Child.family_id).where(
                Family.status.in_(PLANNABLE)
            )
        queries.append(query)
    keys = [step.key for step in programme.steps]
    for part in chunks(queries, 400):  # SQLite allows 500 terms in a compound select
        for family_id, index in fetch(session, union_all(*part)):
            found.setdefault(family_id, set()).add(keys[index])
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
    session: Session,
    table: Any,
    names: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    returning: Any = None,
) -> list[Any]:
    """SQLite: ``INSERT ... ON CONFLICT DO NOTHING`` of ``rows`` (tuples of the columns
    ``names``); PostgreSQL goes through ``_store_postgres``."""
    if not rows:
        return []
    statement: Any = sqlite.insert(table).on_conflict_do_nothing()
    params = [dict(zip(names, row, strict=True)) for row in rows]
    if returning is not None:
        return list(session.execute(statement.returning(*returning), params).all())
    session.execute(statement, params)
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
    session.flush()  # the queries below go past the ORM (rows, not objects)
    today = hours.today(now)
    last = _last_planned(session)
    first = (last + timedelta(days=1)) if last else today
    result = PlanResult(today)

    due = steps_due(session, programme, first, today, plannable=True)
    active = set(due)
    active.update(
        family_id
        for (family_id,) in fetch(
            session,
            select(Nudge.family_id)
            .join(Family, Family.id == Nudge.family_id)
            .where(Nudge.status == "deferred")
            .where(Family.status.in_(PLANNABLE)),
        )
    )
    replan: set[int] = set()
    for family_id, status in fetch(session, select(Family.id, Family.status).where(Family.replan)):
        replan.add(family_id)
        if status in PLANNABLE:
            active.add(family_id)
    max_window = max((s.window.approx_days() for s in programme.steps), default=0) + 31
    history_from = today - timedelta(days=cap.days + max_window)
    deadlines = tuple(s for s in programme.steps if s.priority is Priority.DEADLINE)
    horizon = today + timedelta(days=cap.days - 1)
    upcoming = steps_due(
        session, replace(programme, steps=deadlines), today + timedelta(days=1), horizon
    )
    relevant = _RelevantSlots(programme, due, upcoming)

    families = sorted(active)
    facts = load_facts(session, families)
    history, nudge_ids = load_history(session, families, history_from)
    full_ids = [f for f in families if f in replan]
    if full_ids:
        full, full_nudge_ids = load_history(session, full_ids, None)
        history.update(full)
        nudge_ids.update(full_nudge_ids)

    # On PostgreSQL a writer thread stores one batch while this thread decides the next: the
    # database and Python each get a core. It uses only the driver's connection (which
    # serialises its users), never the session, and nothing here touches the database until
    # it is done.
    postgres = session.get_bind().dialect.name == "postgresql"
    threaded = postgres and len(families) > BATCH
    writer = ThreadPoolExecutor(1, thread_name_prefix="plan-writer") if threaded else None
    pending: Future[None] | None = None
    no_history: dict[tuple[int, str], NudgeRecord] = {}
    try:
        for part in chunks(families, BATCH):
            decisions: list[tuple[int, Decision]] = []
            for family_id in part:
                family, records = facts[family_id], history.get(family_id, no_history)
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
            result.families += len(part)
            if writer is None:
                _write(session, decisions, nudge_ids, version_id, result)
                continue
            rows = _rows(decisions, nudge_ids, version_id, result)
            if pending is not None:
                pending.result()
            pending = writer.submit(_store_postgres, _driver(session), *rows)
        if pending is not None:
            pending.result()
    finally:
        if writer is not None:
            writer.shutdown(wait=True)  # before the caller may roll back

    replanned = sorted(replan & active) + sorted(replan - active)
    for where in id_filters(session, Family.id, replanned):
        session.execute(update(Family).where(where).values(replan=False))
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
    """Write the decisions: new nudge records, changed ones, and the messages of the placed
    ones."""
    if session.get_bind().dialect.name == "postgresql":
        _store_postgres(_driver(session), *_rows(decisions, nudge_ids, version_id, result))
        return
    new_nudges, changed, _ = _rows(decisions, nudge_ids, version_id, result, messages=False)
    for child_id, step_key, nudge_id in _insert(
        session,
        NUDGES,
        _NUDGE_COLUMNS,
        new_nudges,
        returning=(NUDGES.c.child_id, NUDGES.c.step_key, NUDGES.c.id),
    ):
        nudge_ids[(child_id, step_key)] = nudge_id
    if changed:
        session.execute(
            update(NUDGES)
            .where(NUDGES.c.id == bindparam("nudge_id"))
            .values(
                status=bindparam("status"),
                reason=bindparam("reason"),
                planned_on=bindparam("planned_on"),
            ),
            [
                dict(zip(("status", "reason", "planned_on", "nudge_id"), row, strict=True))
                for row in changed
            ],
        )
    _insert(session, MESSAGES, _MESSAGE_COLUMNS, _messages(decisions, nudge_ids, version_id))


Rows = list[tuple[Any, ...]]


def _rows(
    decisions: list[tuple[int, Decision]],
    nudge_ids: dict[tuple[int, str], int],
    version_id: int | None,
    result: PlanResult,
    *,
    messages: bool = True,
) -> tuple[Rows, Rows, Rows]:
    """The rows to write, as tuples: new nudges (``_NUDGE_COLUMNS``), changed ones (status,
    reason, planned_on, id) and messages (``_MESSAGE_COLUMNS``; the nudge id is None for a
    nudge not written yet). Counts the decisions into ``result``."""
    by_status = result.by_status
    new_nudges: Rows = []
    changed: Rows = []
    for family_id, d in decisions:
        status = d.status.value
        by_status[status] = by_status.get(status, 0) + 1
        nudge_id = nudge_ids.get(d.key)
        if nudge_id is not None:
            changed.append((status, d.reason, d.planned_on, nudge_id))
            continue
        slot = d.slot
        new_nudges.append(
            (
                family_id,
                slot.lead.id,
                slot.step.key,
                slot.day,
                slot.step.priority.value,
                version_id,
                status,
                d.reason,
                d.planned_on,
            )
        )
    planned = _messages(decisions, nudge_ids, version_id)
    result.messages += len(planned)
    result.placed = by_status.get("placed", 0)
    result.deferred = by_status.get("deferred", 0)
    result.skipped = by_status.get("skipped", 0)
    result.cancelled = by_status.get("cancelled", 0)
    return new_nudges, changed, planned if messages else []


def _messages(
    decisions: list[tuple[int, Decision]],
    nudge_ids: dict[tuple[int, str], int],
    version_id: int | None,
) -> Rows:
    return [
        (
            nudge_ids.get(d.key),
            family_id,
            d.slot.lead.id,
            m.recipient_id,
            d.slot.step.key,
            m.channel.value,
            m.language,
            version_id,
            m.due_at,
            m.expires_at,
            MessageStatus.SCHEDULED.value,
        )
        for family_id, d in decisions
        if d.status is NudgeStatus.PLACED
        for m in d.messages
    ]


def _driver(session: Session) -> Any:
    """The session's driver (psycopg) connection, in the session's transaction."""
    return session.connection().connection.driver_connection


def _store_postgres(driver: Any, nudges: Rows, changed: Rows, messages: Rows) -> None:
    """PostgreSQL: ``COPY`` the new rows into temporary tables, then move them with one
    ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` per table (``COPY`` formats rows in C,
    where binding arrays costs Python work per element). A message of a nudge inserted here
    gets the new nudge's id by its key (child, step). Uses only the driver connection, so it
    may run in the writer thread."""
    now = utcnow()
    with driver.cursor() as cursor:
        for table, names, rows in (
            ("nudges", _NUDGE_COLUMNS, nudges),
            ("messages", _MESSAGE_COLUMNS, messages),
        ):
            if table == "messages" and changed:
                cursor.executemany(
                    "UPDATE nudges SET status = %s, reason = %s, planned_on = %s, "
                    "updated_at = %s WHERE id = %s",
                    [(*row[:3], now, row[3]) for row in changed],
                )
            if not rows:
                continue
            columns = ", ".join(names)
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS planned_{table} ON COMMIT DROP AS "
                f"SELECT {columns} FROM {table} WITH NO DATA"
            )
            with cursor.copy(f"COPY planned_{table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(_MOVE[table], {"now": now})


_MOVE = {
    "nudges": (
        "WITH moved AS (DELETE FROM planned_nudges RETURNING *) "
        "INSERT INTO nudges (family_id, child_id, step_key, day, priority, programme_version_id, "
        "status, reason, planned_on, created_at, updated_at) "
        "SELECT family_id, child_id, step_key, day, priority, programme_version_id, status, "
        "reason, planned_on, %(now)s, %(now)s FROM moved ON CONFLICT DO NOTHING"
    ),
    "messages": (
        "WITH moved AS (DELETE FROM planned_messages RETURNING *) "
        "INSERT INTO messages (nudge_id, family_id, child_id, recipient_id, step_key, channel, "
        "language, programme_version_id, due_at, expires_at, status, attempts, created_at, "
        "updated_at) "
        "SELECT coalesce(m.nudge_id, (SELECT n.id FROM nudges n WHERE n.child_id = m.child_id "
        "AND n.step_key = m.step_key)), m.family_id, m.child_id, m.recipient_id, m.step_key, "
        "m.channel, m.language, m.programme_version_id, m.due_at, m.expires_at, m.status, 0, "
        "%(now)s, %(now)s FROM moved m ON CONFLICT DO NOTHING"
    ),
}


_NUDGE_COLUMNS = (
    "family_id",
    "child_id",
    "step_key",
    "day",
    "priority",
    "programme_version_id",
    "status",
    "reason",
    "planned_on",
)
_MESSAGE_COLUMNS = (
    "nudge_id",
    "family_id",
    "child_id",
    "recipient_id",
    "step_key",
    "channel",
    "language",
    "programme_version_id",
    "due_at",
    "expires_at",
    "status",
)
