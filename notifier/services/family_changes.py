"""Changes a family reports: birth, new due date, pause, loss, stop."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from notifier.adapters.db.family_repository import sync_anchors
from notifier.adapters.db.tables import Child, Event, Family, Message, Nudge
from notifier.domain.enrolment import EnrolmentInput, check_dates
from notifier.domain.errors import InputError, NotFound
from notifier.domain.message_status import UNSENT, MessageStatus


def get_family(session: Session, public_id: str) -> Family:
    family = session.scalars(select(Family).where(Family.public_id == public_id)).first()
    if family is None:
        raise NotFound(f"no enrolment {public_id!r}")
    return family


def _withdraw_unsent(
    session: Session, family: Family, reason: str, now: datetime, keep_steps: tuple[str, ...] = ()
) -> int:
    """Cancel messages not yet handed to a provider; returns how many."""
    query = update(Message).where(Message.family_id == family.id).where(Message.status.in_(UNSENT))
    if keep_steps:
        query = query.where(Message.step_key.not_in(keep_steps))
    cancelled = query.values(status=MessageStatus.CANCELLED, reason=reason, updated_at=now)
    result = session.execute(cancelled)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _forget_unsent(session: Session, child: Child) -> int:
    """Forget nudges that were timed on the old dates and have not gone out, so the planner
    decides them again from the new dates. Nothing that reached a provider is touched."""
    forgotten = 0
    nudges = session.scalars(
        select(Nudge)
        .where(Nudge.child_id == child.id)
        .where(Nudge.status.in_(("deferred", "placed")))
    ).all()
    for nudge in nudges:
        gone_out = session.scalar(
            select(Message.id)
            .where(Message.nudge_id == nudge.id)
            .where(Message.status.not_in(UNSENT))
            .limit(1)
        )
        if gone_out is not None:
            continue
        session.execute(delete(Message).where(Message.nudge_id == nudge.id))
        session.delete(nudge)
        forgotten += 1
    session.flush()
    return forgotten


def _same_pregnancy(family: Family, child: Child) -> list[Child]:
    """The expected children sharing ``child``'s due date: one pregnancy (twins)."""
    return [c for c in family.children if c.status == "expecting" and c.due_date == child.due_date]


def report_birth(
    session: Session,
    family: Family,
    birth_date: date,
    today: date,
    now: datetime,
    weeks_at_birth: int | None = None,
    source: str = "web",
) -> None:
    check_dates(
        EnrolmentInput((), source, birth_date=birth_date, weeks_at_birth=weeks_at_birth), today
    )
    child = next((c for c in family.children if c.status == "expecting"), None)
    if child is None:
        raise InputError("there is no pregnancy to report a birth for")
    forgotten = 0
    for twin in _same_pregnancy(family, child):  # twins are born together
        twin.birth_date, twin.weeks_at_birth, twin.status = birth_date, weeks_at_birth, "born"
        sync_anchors(twin)
        forgotten += _forget_unsent(session, twin)
    family.replan = True
    session.add(
        Event(
            family_id=family.id,
            kind="birth.reported",
            source=source,
            detail={"weeks_at_birth": weeks_at_birth, "replanned": forgotten},
        )
    )


def change_due_date(
    session: Session,
    family: Family,
    due_date: date,
    today: date,
    now: datetime,
    source: str = "web",
) -> None:
    check_dates(EnrolmentInput((), source, due_date=due_date), today)
    child = next((c for c in family.children if c.status == "expecting"), None)
    if child is None:
        raise InputError("there is no pregnancy to change the due date of")
    for twin in _same_pregnancy(family, child):
        twin.due_date = due_date
        sync_anchors(twin)
        _forget_unsent(session, twin)
    family.replan = True
    session.add(Event(family_id=family.id, kind="due_date.changed", source=source))


def pause(session: Session, family: Family, until: date, today: date, source: str = "web") -> None:
    if until <= today:
        raise InputError("a pause must end after today")
    family.paused_until = until
    family.replan = True
    session.add(
        Event(
            family_id=family.id, kind="paused", source=source, detail={"until": until.isoformat()}
        )
    )


def report_loss(
    session: Session,
    family: Family,
    lost_on: date,
    now: datetime,
    source: str = "web",
    child_id: int | None = None,
) -> int:
    """A loss is per child (``child_id``; by default a pregnancy first, else the youngest).

    When no other child lives on, everything stops at once and the planner sends only the loss
    message. Otherwise the lost child's planned messages are withdrawn (a twin's are kept for
    the twin who lives on), and the other children's ordinary messages are planned again: they
    wait a few quiet weeks (planner.QUIET_AFTER_LOSS)."""
    living = [c for c in family.children if c.status in ("expecting", "born")]
    living.sort(key=lambda c: (c.status != "expecting", -(c.birth_date or c.due_date).toordinal()))
    if child_id is not None:
        living = [c for c in living if c.id == child_id]
    if not living:
        raise InputError("nothing to report a loss for")
    child = living[0]
    child.status, child.lost_on = "lost", lost_on
    family.replan = True
    session.add(Event(family_id=family.id, kind="loss.reported", source=source))
    if not any(c.status in ("expecting", "born") for c in family.children):
        family.status = "lost"
        cancelled = _withdraw_unsent(session, family, "loss reported", now)
        session.execute(
            update(Nudge)
            .where(Nudge.family_id == family.id)
            .where(Nudge.status == "deferred")
            .values(status="cancelled", reason="loss reported")
        )
        return cancelled
    birth = [c for c in family.children if c.due_date == child.due_date]
    key = min(c.id for c in birth)  # a birth's messages and nudges carry its first child's id
    cancelled = 0
    if all(c.status == "lost" for c in birth):
        cancelled = int(
            session.execute(  # type: ignore[attr-defined]
                update(Message)
                .where(Message.child_id == key)
                .where(Message.status.in_(UNSENT))
                .values(status=MessageStatus.CANCELLED, reason="loss reported", updated_at=now)
            ).rowcount
            or 0
        )
        session.execute(
            update(Nudge)
            .where(Nudge.child_id == key)
            .where(Nudge.status == "deferred")
            .values(status="cancelled", reason="loss reported")
        )
    births_living = {c.due_date for c in family.children if c.status in ("expecting", "born")}
    for due in births_living:  # planned again, to wait the quiet weeks (the twin's too)
        first = min((c for c in family.children if c.due_date == due), key=lambda c: c.id)
        cancelled += _forget_unsent(session, first)
    return cancelled


def stop(session: Session, family: Family, now: datetime, source: str = "web") -> int:
    family.status = "stopped"
    family.ended_at = now
    for recipient in family.recipients:
        for channel in ("sms", "email"):
            if getattr(recipient, f"{channel}_consent") in ("pending", "confirmed"):
                setattr(recipient, f"{channel}_consent", "withdrawn")
                session.add(Event.for_recipient(recipient, "consent.withdrawn", channel, source))
    return _withdraw_unsent(session, family, "stopped by the family", now)


def child_of(family: Family) -> Child:
    return family.children[0]
