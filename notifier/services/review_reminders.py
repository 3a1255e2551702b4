"""The daily reminder to authors: which steps of the published programme are past their
``review_by`` date.

It runs in every scheduler tick (after the alerts) and sends at most once a Dutch day, from
08:00, while any step is overdue: the day it went out is kept in ``planner_state``, in the same
transaction, under a PostgreSQL transaction lock so two schedulers do not both send. The
authors are every active staff account that may edit drafts. An email that could not be sent
leaves the day unrecorded: the next tick tries again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from notifier.adapters.channels.base import Channel as ChannelPort
from notifier.adapters.channels.base import OutgoingMessage, Result
from notifier.adapters.db.tables import PlannerState, StaffUser
from notifier.adapters.logs import get_logger
from notifier.domain.content_care import care_report, review_reminder
from notifier.domain.programme import Programme
from notifier.domain.roles import Permission, allows
from notifier.domain.timing import AMSTERDAM

REMINDED_ON = "review_reminded_on"  # planner_state key: the Dutch day the reminder went out
SEND_FROM = time(8, 0)  # Dutch time: in the working day, not at midnight
LOCK_KEY = 0x6B73_7276  # "ksrv"
REVIEW_MESSAGE_IDS = 9_500_000_000_000  # Message-IDs of these emails: + the day's ordinal
log = get_logger("notifier.review_reminders")


@dataclass(frozen=True)
class Reminder:
    day: date
    steps: tuple[str, ...]
    recipients: tuple[str, ...]


def authors(session: Session) -> list[str]:
    """The active staff accounts that may edit drafts (authors and reviewers)."""
    users = session.scalars(
        select(StaffUser).where(StaffUser.disabled.is_(False)).order_by(StaffUser.id)
    )
    return [u.email for u in users if allows(u.role, Permission.EDIT_DRAFT)]


def remind_reviews(
    session: Session,
    programme: Programme,
    now: datetime,
    channel: ChannelPort,
    editor_url: str,
) -> Reminder | None:
    """Email the authors which steps are due for review, once on the Dutch day of ``now``;
    None when nothing was sent. The caller commits (a unit of work)."""
    local = now.astimezone(AMSTERDAM)
    if local.time() < SEND_FROM:
        return None
    today = local.date()
    overdue = care_report(programme, today).overdue
    if not overdue:
        return None
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
    state = session.get(PlannerState, REMINDED_ON)
    if state is not None and state.value == today.isoformat():
        return None
    recipients = authors(session)
    sources = {s.key: s.source for s in programme.steps}
    subject, body = review_reminder(overdue, sources, editor_url)
    for address in recipients:
        outcome = channel.send(
            OutgoingMessage(
                REVIEW_MESSAGE_IDS + today.toordinal(), "email", address, "nl", body, subject
            )
        )
        if outcome.result not in (Result.ACCEPTED, Result.DELIVERED):
            log.warning(
                "review_reminder.not_sent", result=outcome.result.value, code=outcome.error_code
            )
            return None  # the day stays open: the next tick tries again
    if not recipients:
        log.warning("review_reminder.no_authors", steps=len(overdue))
    session.merge(PlannerState(key=REMINDED_ON, value=today.isoformat()))
    keys = tuple(key for key, _ in overdue)
    log.info("review_reminder.sent", steps=list(keys), recipients=len(recipients))
    return Reminder(today, keys, tuple(recipients))
