"""What a draft changes for families: per change, how many currently enrolled families still
have that step (or that location, or that offer) ahead of them; and for one due or birth date,
which messages come out differently. Both use the planner's own rules: the range queries of
``planning`` and the timeline of ``preview``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import Child, Family, Recipient
from notifier.domain.programme import Programme, Step
from notifier.domain.programme_diff import TIMING_FIELDS, Change, diff, step_changes
from notifier.services.planning import PLANNABLE, anchor_column
from notifier.services.preview import HORIZON, PreviewEntry, preview


@dataclass(frozen=True)
class Impact:
    change: Change
    families: int


@dataclass(frozen=True)
class ImpactReport:
    impacts: list[Impact]
    families: int  # distinct families touched by any change

    @property
    def changes(self) -> list[Change]:
        return [i.change for i in self.impacts]


def _families_with_step_ahead(session: Session, step: Step, today: date) -> set[int]:
    """Families with a child whose day for ``step`` is today or later, or whose window is still
    open: one range query on the anchor column, as the planner does."""
    anchors = step.offset.anchors_for(
        today - timedelta(days=max(step.window.approx_days(), 1)), today + HORIZON
    )
    if anchors is None:
        return set()
    column = anchor_column(step)
    return set(
        session.scalars(
            select(Child.family_id)
            .join(Family, Family.id == Child.family_id)
            .where(column.between(*anchors))
            .where(Child.status != "ended")
            .where(Family.status.in_(PLANNABLE))
        )
    )


def _with_language(session: Session, families: set[int], language: str) -> set[int]:
    if not families:
        return families
    return set(
        session.scalars(
            select(Recipient.family_id)
            .where(Recipient.family_id.in_(families))
            .where(Recipient.language == language)
        )
    )


def _at_locations(
    session: Session, keys: set[str], programme: Programme, everywhere: bool
) -> set[int]:
    query = select(Family.id).where(Family.status.in_(PLANNABLE))
    if not everywhere:
        unknown = programme.default_location in keys
        condition: Any = Family.location_key.in_(keys)
        if unknown:  # families without (a known) location read the default location
            condition = condition | Family.location_key.is_(None)
            condition = condition | Family.location_key.not_in(list(programme.locations))
        query = query.where(condition)
    return set(session.scalars(query))


def impact(session: Session, old: Programme, new: Programme, today: date) -> ImpactReport:
    impacts: list[Impact] = []
    everyone: set[int] = set()
    old_steps = {s.key: s for s in old.steps}
    new_steps = {s.key: s for s in new.steps}
    for change in diff(old, new):
        found: set[int] = set()
        if change.step is not None:
            steps = [s for s in (old_steps.get(change.step), new_steps.get(change.step)) if s]
            if change.kind == "step-changed" and not (
                set(step_changes(steps[0], steps[1])) & TIMING_FIELDS
            ):
                steps = steps[1:]
            for step in steps:
                found |= _families_with_step_ahead(session, step, today)
            if change.kind == "text" and change.language and change.language != "nl":
                found = _with_language(session, found, change.language)
        elif change.kind == "location":
            found = _at_locations(session, {change.subject}, new, False)
        elif change.kind == "offer":
            offer = next((o for o in (*new.offers, *old.offers) if o.key == change.subject), None)
            where = set(offer.locations) if offer else set()
            found = _at_locations(session, where, new, not where)
        impacts.append(Impact(change, len(found)))
        everyone |= found
    return ImpactReport(impacts, len(everyone))


@dataclass(frozen=True)
class EntryDiff:
    step: str
    channel: str
    status: str  # "nieuw" | "vervalt" | "anders" | "gelijk"
    before: PreviewEntry | None
    after: PreviewEntry | None


def compare_previews(old: Programme, new: Programme, **family: Any) -> list[EntryDiff]:
    """The same family previewed with both programmes (``family``: the arguments of
    ``preview``), message by message."""
    before = {(e.step, e.channel): e for e in preview(old, **family)}
    after = {(e.step, e.channel): e for e in preview(new, **family)}
    rows = []

    def same(b: PreviewEntry, a: PreviewEntry) -> bool:
        fields = ("send_at", "body", "subject", "skipped")
        return all(getattr(b, f) == getattr(a, f) for f in fields)

    for key in sorted(
        set(before) | set(after),
        key=lambda k: (after.get(k) or before[k]).send_at,
    ):
        b, a = before.get(key), after.get(key)
        status = (
            "nieuw"
            if b is None
            else "vervalt"
            if a is None
            else ("gelijk" if same(b, a) else "anders")
        )
        rows.append(EntryDiff(key[0], key[1], status, b, a))
    return rows
