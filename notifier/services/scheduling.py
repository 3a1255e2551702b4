"""The scheduler's minute: plan, hand out what is due, and sweep (lost tasks, stuck sends,
expiry, retention). Runs only in the process that holds the leader lock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import update
from sqlalchemy.orm import Session

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.record_tables import LAST_TICK
from notifier.adapters.db.tables import Message, PlannerState
from notifier.adapters.logs import get_logger
from notifier.domain.message_status import FINAL, MessageStatus
from notifier.services import dispatch, final_status, privacy
from notifier.services.alerts import (
    alert_recipients,
    email_notifier,
    evaluate_alerts,
    thresholds_from,
)
from notifier.services.delivery import drain, expire_overdue
from notifier.services.planning import plan
from notifier.services.ports import Runtime
from notifier.services.publishing import current_programme
from notifier.services.reconcile import reconcile_stuck
from notifier.services.review_reminders import remind_reviews

BODY_RETENTION = timedelta(days=30)
# messages per worker task: the claim, the loads and the record of accepted sends are per batch
# (bench/dispatch.py: the workers' CPU per message 10-15% lower at 100 than at 50; none at 200)
BATCH = 100
log = get_logger("notifier.scheduling")


class Publisher(Protocol):
    def deliver(self, channel: str, message_ids: list[int], countdown: float = 0) -> None: ...

    def reconcile(self, message_id: int, countdown: float = 0) -> None: ...

    def final_status(self, message_ids: list[int]) -> None: ...


@dataclass
class TickReport:
    day: str = ""  # the Dutch day planned
    families: int = 0  # families the planner looked at
    nudges: dict[str, int] = field(default_factory=dict)  # the planner's decisions by status
    planned_messages: int = 0
    enqueued: int = 0
    requeued: int = 0
    reconciling: int = 0
    asking_final_status: int = 0  # sent SMS whose final status is asked of the provider
    expired: int = 0
    sent_in_process: dict[str, int] = field(default_factory=dict)
    bodies_removed: int = 0
    personal_data_erased: int = 0  # families and caregivers (retention, unconfirmed sign-ups)
    alerts_sent: int = 0
    review_reminder_steps: int = 0  # steps past review_by in today's reminder to authors


def scheduler_tick(
    app: Runtime, now: datetime, publisher: Publisher | None, leader: str = ""
) -> TickReport:
    report = TickReport()
    with unit_of_work(app.factory) as session:
        version_id, programme = current_programme(session)
        planned = plan(session, programme, version_id, now, hours=app.hours, cap=app.cap)
    report.day, report.families = planned.day.isoformat(), planned.families
    report.nudges, report.planned_messages = dict(planned.by_status), planned.messages
    with unit_of_work(app.factory) as session:
        report.expired = expire_overdue(session, now)
        asking = final_status.due_for_asking(
            session, now, timedelta(seconds=app.settings.final_status_after_seconds)
        )
    report.asking_final_status = len(asking)
    if publisher is None:
        report.reconciling = reconcile_in_process(app, now)
        sent = drain(app.factory, app.channels, app.send_context(lambda: now))
        report.sent_in_process = sent.by_status
        provider = app.channels.get("sms")
        if asking and hasattr(provider, "status_of"):
            final_status.ask_final_status(app.factory, provider, asking, now)  # type: ignore[arg-type]
    else:
        _publish(app, now, publisher, report)
        if asking:
            publisher.final_status(asking)
    with unit_of_work(app.factory) as session:
        report.bodies_removed = apply_body_retention(session, now)
        swept = privacy.daily_sweep(session, programme, now, app.hours.today(now))
        if swept is not None:
            report.personal_data_erased = swept.unconfirmed.recipients + swept.expired.recipients
        record_tick(session, now, leader)
    report.alerts_sent = run_alerts(app, now)
    report.review_reminder_steps = run_review_reminder(app, now)
    log.info("tick", leader=leader or None, **report.__dict__)
    return report


def run_alerts(app: Runtime, now: datetime) -> int:
    """Evaluate the alert rules; admins are emailed through the App's email channel."""
    with unit_of_work(app.factory) as session:
        recipients = alert_recipients(session, app.settings.alert_recipients)
        notify = email_notifier(app.channels["email"], recipients)
        sent = evaluate_alerts(session, now, notify, thresholds_from(app.settings))
    return len(sent)


def run_review_reminder(app: Runtime, now: datetime) -> int:
    """Once a day: tell the authors which steps are past their review date."""
    with unit_of_work(app.factory) as session:
        _, programme = current_programme(session)
        editor = app.settings.public_url.rstrip("/") + "/staff/programme"
        sent = remind_reviews(session, programme, now, app.channels["email"], editor)
    return len(sent.steps) if sent else 0


def _publish(app: Runtime, now: datetime, publisher: Publisher, report: TickReport) -> None:
    with unit_of_work(app.factory) as session:  # committed before publishing: never lost
        due = dispatch.enqueue_due(session, now)
    for channel, batches in dispatch.by_channel(due, BATCH).items():
        for ids in batches:
            publisher.deliver(channel, ids)
            log.info("messages.enqueued", channel=channel, message_ids=ids)
    report.enqueued = len(due)
    with unit_of_work(app.factory) as session:
        lost = dispatch.requeue_lost(session, now)
        stuck = dispatch.stuck_sending(
            session, now, timedelta(seconds=app.settings.stuck_after_seconds)
        )
    for channel, batches in dispatch.by_channel(lost, BATCH).items():
        for ids in batches:
            publisher.deliver(channel, ids)
    for message_id in stuck:
        publisher.reconcile(message_id)
    report.requeued, report.reconciling = len(lost), len(stuck)


def reconcile_in_process(app: Runtime, now: datetime) -> int:
    """Without a broker: resolve stuck sends here."""
    with unit_of_work(app.factory) as session:
        stuck = dispatch.stuck_sending(
            session, now, timedelta(seconds=app.settings.stuck_after_seconds)
        )
    provider = app.channels.get("sms")
    lookup = provider if hasattr(provider, "sent_since") else None
    stuck_after = timedelta(seconds=app.settings.stuck_after_seconds)
    for message_id in stuck:
        reconcile_stuck(app.factory, message_id, lookup, now, stuck_after)  # type: ignore[arg-type]
    return len(stuck)


def apply_body_retention(session: Session, now: datetime) -> int:
    """Message texts are personal: they are removed 30 days after sending."""
    result = session.execute(
        update(Message)
        .where(Message.body.is_not(None))
        .where(Message.status.in_((MessageStatus.SENT, *FINAL)))
        .where(Message.updated_at < now - BODY_RETENTION)
        .values(body=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def record_tick(session: Session, now: datetime, leader: str | None) -> None:
    """Remember when the planner last ran (and who ran it): the dashboard and the stale-scheduler
    alert read it."""
    session.merge(PlannerState(key=LAST_TICK, value=f"{now.isoformat()} {leader or ''}".strip()))
