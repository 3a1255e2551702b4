"""Loading what the planner needs about many families at once, and mapping rows to facts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import Child, Family, Nudge, Recipient
from notifier.domain.family import ChildFacts, ChildStatus, FamilyFacts, RecipientFacts
from notifier.domain.planner import NudgeRecord, NudgeStatus
from notifier.domain.programme import Channel, Priority

CHUNK = 900  # stays under SQLite's bound-parameter limit
AnyRow = Row[*tuple[Any, ...]]  # a selected row with the columns the facts are made of


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
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


# The columns the facts are made of: selected as rows, not as ORM objects, which cost several
# times more to build and are not needed here.
_CHILD_COLUMNS = (
    Child.id,
    Child.family_id,
    Child.due_date,
    Child.birth_date,
    Child.weeks_at_birth,
    Child.status,
    Child.lost_on,
    Child.first_child,
    Child.name,
)
_RECIPIENT_COLUMNS = (
    Recipient.id,
    Recipient.family_id,
    Recipient.channels,
    Recipient.phone,
    Recipient.phone_usable,
    Recipient.sms_consent,
    Recipient.email,
    Recipient.email_usable,
    Recipient.email_consent,
    Recipient.language,
    Recipient.preferred_time,
    Recipient.first_name,
)


def load_facts(session: Session, family_ids: Sequence[int]) -> dict[int, FamilyFacts]:
    """Facts for many families in three queries (per chunk)."""
    families: dict[int, Any] = {}
    children: dict[int, list[ChildFacts]] = defaultdict(list)
    recipients: dict[int, list[RecipientFacts]] = defaultdict(list)
    for part in chunks(list(family_ids)):
        for f in session.execute(
            select(Family.id, Family.paused_until, Family.location_key).where(Family.id.in_(part))
        ):
            families[f.id] = f
        for c in session.execute(
            select(*_CHILD_COLUMNS).where(Child.family_id.in_(part)).order_by(Child.id)
        ):
            children[c.family_id].append(child_facts(c))
        for r in session.execute(
            select(*_RECIPIENT_COLUMNS).where(Recipient.family_id.in_(part)).order_by(Recipient.id)
        ):
            recipients[r.family_id].append(recipient_facts(r))
    return {
        fid: FamilyFacts(
            fid, tuple(children[fid]), tuple(recipients[fid]), f.paused_until, f.location_key
        )
        for fid, f in families.items()
    }


def load_history(
    session: Session, family_ids: Sequence[int], from_day: date | None
) -> tuple[dict[int, dict[tuple[int, str], NudgeRecord]], dict[tuple[int, str], int]]:
    """Nudge records per family (from ``from_day`` on, or all), and their row ids."""
    history: dict[int, dict[tuple[int, str], NudgeRecord]] = defaultdict(dict)
    ids: dict[tuple[int, str], int] = {}
    for part in chunks(list(family_ids)):
        query = select(
            Nudge.id,
            Nudge.family_id,
            Nudge.child_id,
            Nudge.step_key,
            Nudge.status,
            Nudge.planned_on,
            Nudge.reason,
            Nudge.priority,
        ).where(Nudge.family_id.in_(part))
        if from_day is not None:
            query = query.where((Nudge.day >= from_day) | (Nudge.status == "deferred"))
        for n in session.execute(query):
            key = (n.child_id, n.step_key)
            history[n.family_id][key] = NudgeRecord(
                NudgeStatus(n.status), n.planned_on, n.reason, Priority(n.priority)
            )
            ids[key] = n.id
    return history, ids
