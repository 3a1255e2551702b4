"""Loading what the planner needs about many families at once, and mapping rows to facts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Row, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import Child, Family, Nudge, Recipient
from notifier.domain.family import ChildFacts, ChildStatus, FamilyFacts, RecipientFacts
from notifier.domain.planner import NudgeRecord, NudgeStatus
from notifier.domain.programme import Channel, Priority

T = TypeVar("T")
CHUNK = 900  # stays under SQLite's bound-parameter limit
AnyRow = Row[*tuple[Any, ...]]  # a selected row with the columns the facts are made of


def chunks(ids: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def usable_channels(r: Recipient | AnyRow) -> frozenset[Channel]:
    """The channels this recipient asked for, confirmed, and that still work."""
    wanted = {c for c in r.channels.split(",") if c}
    usable = set()
    if "sms" in wanted and r.phone and r.phone_usable and r.sms_consent == "confirmed":
        usable.add(Channel.SMS)
    if "email" in wanted and r.email and r.email_usable and r.email_consent == "confirmed":
        usable.add(Channel.EMAIL)
    return frozenset(usable)


def child_facts(c: Child | AnyRow) -> ChildFacts:
    return ChildFacts(
        id=c.id,
        due_date=c.due_date,
        birth_date=c.birth_date,
        weeks_at_birth=c.weeks_at_birth,
        status=ChildStatus(c.status),
        lost_on=c.lost_on,
        first_child=c.first_child,
        name=c.name,
    )


def recipient_facts(r: Recipient | AnyRow) -> RecipientFacts:
    return RecipientFacts(r.id, usable_channels(r), r.language, r.preferred_time, r.first_name)


def sync_anchors(child: Child) -> None:
    """Keep the range-scanned anchor columns equal to what the domain computes."""
    facts = child_facts(child)
    child.anchor_birth = facts.birth_anchor
    child.anchor_corrected = facts.corrected_anchor


def family_facts(family: Family) -> FamilyFacts:
    return FamilyFacts(
        id=family.id,
        children=tuple(child_facts(c) for c in family.children),
        recipients=tuple(recipient_facts(r) for r in family.recipients),
        paused_until=family.paused_until,
        location=family.location_key,
    )


# The columns the facts are made of: selected as plain rows, not as ORM objects, which cost
# several times more to build and are not needed here. Phone numbers and addresses are not read:
# only whether there is one.
_CHILD_COLUMNS = (
    Child.family_id,
    Child.id,
    Child.due_date,
    Child.birth_date,
    Child.weeks_at_birth,
    Child.status,
    Child.lost_on,
    Child.first_child,
    Child.name,
)
_RECIPIENT_COLUMNS = (
    Recipient.family_id,
    Recipient.id,
    Recipient.channels,
    func.coalesce(Recipient.phone, "") != "",
    Recipient.phone_usable,
    Recipient.sms_consent,
    func.coalesce(Recipient.email, "") != "",
    Recipient.email_usable,
    Recipient.email_consent,
    Recipient.language,
    Recipient.preferred_time,
    Recipient.first_name,
)
_CHILD_STATUS = {s.value: s for s in ChildStatus}
_NUDGE_STATUS = {s.value: s for s in NudgeStatus}
_PRIORITY = {p.value: p for p in Priority}


def id_filters(session: Session, column: Any, ids: Sequence[int]) -> Iterator[Any]:
    """WHERE clauses that together select ``column`` in ``ids``: one ``= ANY(array)`` on
    PostgreSQL (one short statement, whatever the number of ids), IN-lists of ``CHUNK`` on SQLite
    (its bound-parameter limit)."""
    if not ids:
        return
    if session.get_bind().dialect.name == "postgresql":
        yield column == any_(bindparam(None, list(ids), type_=ARRAY(BigInteger), unique=True))
    else:
        for part in chunks(ids):
            yield column.in_(part)


def fetch(session: Session, statement: Any) -> Iterable[tuple[Any, ...]]:
    """The rows of a Core ``statement`` as plain tuples, in the session's transaction.

    On PostgreSQL through the driver's cursor: psycopg builds the tuples in C, where
    SQLAlchemy's result layer costs a few microseconds more per row (the planner reads some
    hundred thousand rows per tick). Only for columns without result processing (no
    ``UTCDateTime``). Elsewhere, the usual ``Connection.execute``.
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return connection.execute(statement)
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    with connection.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(str(compiled), compiled.params)
        return cursor.fetchall()  # type: ignore[no-any-return]


def _usable(
    key: tuple[Any, ...], cache: dict[tuple[Any, ...], frozenset[Channel]]
) -> frozenset[Channel]:
    """``usable_channels`` of a recipient row (memoised: few combinations exist)."""
    usable = cache.get(key)
    if usable is None:
        channels, phone, phone_ok, sms, email, email_ok, mail = key
        wanted = set(channels.split(","))
        found = set()
        if "sms" in wanted and phone and phone_ok and sms == "confirmed":
            found.add(Channel.SMS)
        if "email" in wanted and email and email_ok and mail == "confirmed":
            found.add(Channel.EMAIL)
        usable = cache[key] = frozenset(found)
    return usable


def load_facts(session: Session, family_ids: Sequence[int]) -> dict[int, FamilyFacts]:
    """Facts for many families in three queries (per chunk on SQLite)."""
    ids = list(family_ids)
    families: dict[int, tuple[Any, Any]] = {}
    children: dict[int, list[ChildFacts]] = defaultdict(list)
    recipients: dict[int, list[RecipientFacts]] = defaultdict(list)
    status = _CHILD_STATUS
    for where in id_filters(session, Family.id, ids):
        for fid, paused, location in fetch(
            session, select(Family.id, Family.paused_until, Family.location_key).where(where)
        ):
            families[fid] = (paused, location)
    for where in id_filters(session, Child.family_id, ids):
        for (
            fid,
            cid,
            due,
            birth,
            weeks,
            state,
            lost_on,
            first,
            name,
        ) in fetch(session, select(*_CHILD_COLUMNS).where(where).order_by(Child.id)):
            children[fid].append(
                ChildFacts(cid, due, birth, weeks, status[state], lost_on, first, name)
            )
    usable: dict[tuple[Any, ...], frozenset[Channel]] = {}
    for where in id_filters(session, Recipient.family_id, ids):
        for row in fetch(session, select(*_RECIPIENT_COLUMNS).where(where).order_by(Recipient.id)):
            recipients[row[0]].append(
                RecipientFacts(row[1], _usable(tuple(row[2:9]), usable), *row[9:])
            )
    empty: tuple[Any, ...] = ()
    return {
        fid: FamilyFacts(
            fid,
            tuple(children.get(fid, empty)),
            tuple(recipients.get(fid, empty)),
            paused,
            location,
        )
        for fid, (paused, location) in families.items()
    }


def load_history(
    session: Session, family_ids: Sequence[int], from_day: date | None
) -> tuple[dict[int, dict[tuple[int, str], NudgeRecord]], dict[tuple[int, str], int]]:
    """Nudge records per family (from ``from_day`` on, or all), and their row ids."""
    history: dict[int, dict[tuple[int, str], NudgeRecord]] = defaultdict(dict)
    ids: dict[tuple[int, str], int] = {}
    # many records are alike (placed on the same day): they are immutable, so share them
    records: dict[tuple[Any, ...], NudgeRecord] = {}
    for where in id_filters(session, Nudge.family_id, list(family_ids)):
        query = select(
            Nudge.id,
            Nudge.family_id,
            Nudge.child_id,
            Nudge.step_key,
            Nudge.status,
            Nudge.planned_on,
            Nudge.reason,
            Nudge.priority,
        ).where(where)
        if from_day is not None:
            query = query.where((Nudge.day >= from_day) | (Nudge.status == "deferred"))
        for (
            nid,
            fid,
            cid,
            step_key,
            status,
            planned_on,
            reason,
            priority,
        ) in fetch(session, query):
            fields = (status, planned_on, reason, priority)
            record = records.get(fields)
            if record is None:
                record = records[fields] = NudgeRecord(
                    _NUDGE_STATUS[status], planned_on, reason, _PRIORITY[priority]
                )
            key = (cid, step_key)
            history[fid][key] = record
            ids[key] = nid
    return history, ids
