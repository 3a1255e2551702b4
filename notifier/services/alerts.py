"""Alerts: measure, compare with the rules, keep incidents, tell the administrators.

``evaluate_alerts`` runs at the end of every scheduler tick. A rule that starts firing opens
one incident (at most one open per rule: a partial unique index, and on PostgreSQL a
transaction lock so two evaluators do not race) and the admins get one email; while it stays
open nothing more is sent; when it clears the incident is resolved and a recovery notice goes
out. A notice that could not be sent is retried at the next evaluation (its ``*_notice_at`` is
still empty). ``active_alerts`` is what the staff pages' banner shows.

The rules themselves are pure (``domain/alerts.py``). Measurements are bounded to messages due
in the last day so they stay cheap on a large outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from notifier.adapters.channels.base import Channel as ChannelPort
from notifier.adapters.channels.base import OutgoingMessage, Result
from notifier.adapters.db.tables import Incident, Message, StaffUser
from notifier.adapters.logs import get_logger
from notifier.config import Settings
from notifier.domain.alerts import (
    SCHEDULER_STALE,
    Firing,
    Measurements,
    Thresholds,
    firing,
    scheduler_stale,
    transitions,
)
from notifier.domain.message_status import UNSENT, MessageStatus
from notifier.domain.timing import AMSTERDAM
from notifier.services.delivery_stats import scheduler_health

LOCK_KEY = 0x6B73_616C  # "ksal": one evaluator at a time (PostgreSQL)
LOOKBACK = timedelta(days=1)
ALERT_MESSAGE_IDS = 9_000_000_000_000  # Message-IDs of alert emails: beyond any outbox id
log = get_logger("notifier.alerts")


@dataclass(frozen=True)
class Notice:
    """One email's worth: an incident opened or resolved."""

    incident_id: int
    kind: str  # "opened" | "resolved"
    rule: str
    subject: str
    text: str


Notify = Callable[[Notice], None]


@dataclass(frozen=True)
class ActiveAlert:
    rule: str
    summary: str
    value: float | None
    since: datetime | None  # None: seen live, no incident recorded (no evaluator running)


def thresholds_from(settings: Settings) -> Thresholds:
    return Thresholds(
        delivery_rate=settings.alert_delivery_rate,
        delivery_min_messages=settings.alert_delivery_min_messages,
        sending_for=timedelta(minutes=settings.alert_sending_minutes),
        tick_every=timedelta(minutes=settings.alert_tick_minutes),
        queued_for=timedelta(minutes=settings.alert_queue_minutes),
        provider_errors_per_hour=settings.alert_provider_errors_per_hour,
    )


def measure(session: Session, now: datetime, t: Thresholds) -> Measurements:
    hour_ago = now - timedelta(hours=1)
    recent = (Message.due_at >= now - LOOKBACK, Message.updated_at >= hour_ago)
    finished = dict(
        session.execute(
            select(Message.status, func.count())
            .where(Message.status.in_((MessageStatus.DELIVERED, MessageStatus.FAILED)))
            .where(*recent)
            .group_by(Message.status)
        ).all()
    )
    oldest_sending = session.scalar(
        select(func.min(Message.updated_at)).where(Message.status == MessageStatus.SENDING)
    )
    stuck = session.scalar(
        select(func.count())
        .where(Message.status == MessageStatus.SENDING)
        .where(Message.updated_at < now - t.sending_for)
    )
    oldest_waiting = session.scalar(
        select(func.min(Message.due_at))
        .where(Message.status.in_(UNSENT))
        .where(Message.due_at <= now)
    )
    errors = session.scalar(
        select(func.count()).where(Message.error_code.is_not(None)).where(*recent)
    )
    return Measurements(
        delivered_last_hour=int(finished.get(MessageStatus.DELIVERED, 0)),
        failed_last_hour=int(finished.get(MessageStatus.FAILED, 0)),
        oldest_sending_age=_age(now, oldest_sending),
        sending_too_long=int(stuck or 0),
        last_tick_age=scheduler_health(session, now).lag_seconds,
        oldest_queued_age=_age(now, oldest_waiting),
        provider_errors_last_hour=int(errors or 0),
    )


def _age(now: datetime, since: datetime | None) -> float | None:
    return None if since is None else (now - since).total_seconds()


def evaluate_alerts(
    session: Session, now: datetime, notify: Notify, thresholds: Thresholds | None = None
) -> list[Notice]:
    """Open, update and resolve incidents for what fires at ``now``; notify once each way.

    Returns the notices sent. The caller commits (a unit of work)."""
    t = thresholds or Thresholds()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
    fired = firing(measure(session, now, t), t)
    open_ = {
        i.rule: i for i in session.scalars(select(Incident).where(Incident.resolved_at.is_(None)))
    }
    for change in transitions(set(open_), fired):
        if change.action == "resolve":
            open_[change.rule].resolved_at = now
            log.info("alert.resolved", rule=change.rule)
            continue
        assert change.firing is not None
        incident = open_.get(change.rule)
        if incident is None:
            incident = Incident(rule=change.rule, opened_at=now)
            session.add(incident)
            log.warning("alert.opened", rule=change.rule, summary=change.firing.summary)
        incident.last_value = change.firing.value
        incident.summary = change.firing.summary[:300]
    session.flush()
    return _send_notices(session, now, notify)


def _send_notices(session: Session, now: datetime, notify: Notify) -> list[Notice]:
    sent: list[Notice] = []
    unsent = session.scalars(
        select(Incident)
        .where(
            Incident.opened_notice_at.is_(None)
            | (Incident.resolved_at.is_not(None) & Incident.resolved_notice_at.is_(None))
        )
        .order_by(Incident.id)
    )
    for incident in unsent:
        if incident.resolved_at is not None and incident.opened_notice_at is None:
            # Opened and cleared before anyone was told: nothing to recover from.
            incident.opened_notice_at = incident.resolved_notice_at = now
            continue
        notice = _notice(incident)
        try:
            notify(notice)
        except Exception:
            log.exception("alert.notice_failed", rule=incident.rule, kind=notice.kind)
            continue
        if notice.kind == "opened":
            incident.opened_notice_at = now
        else:
            incident.resolved_notice_at = now
        sent.append(notice)
    return sent


def _local(instant: datetime) -> str:
    return f"{instant.astimezone(AMSTERDAM):%Y-%m-%d %H:%M} (Nederlandse tijd)"


def _notice(incident: Incident) -> Notice:
    """The email to admins, in Dutch; the subject keeps the rule's key for mail filters."""
    if incident.resolved_at is None:
        return Notice(
            incident.id,
            "opened",
            incident.rule,
            f"[Kansrijke Start] ALARM {incident.rule}: {incident.summary}"[:200],
            f"{incident.summary}\n\nBegonnen om {_local(incident.opened_at)}.\n"
            "U krijgt nog één e-mail als het weer in orde is.",
        )
    return Notice(
        incident.id,
        "resolved",
        incident.rule,
        f"[Kansrijke Start] OPGELOST {incident.rule}",
        f"{incident.rule} is weer in orde sinds {_local(incident.resolved_at)}; het alarm liep "
        f"sinds {_local(incident.opened_at)}.\nLaatst gezien: {incident.summary}",
    )


def active_alerts(
    session: Session, now: datetime | None = None, thresholds: Thresholds | None = None
) -> list[ActiveAlert]:
    """The open incidents, for the staff pages' banner. With ``now``, a scheduler that has
    stopped ticking is shown too even when no incident was opened (the scheduler is what
    evaluates alerts: if it is gone, nobody opens one)."""
    alerts = [
        ActiveAlert(i.rule, i.summary, i.last_value, i.opened_at)
        for i in session.scalars(
            select(Incident)
            .where(Incident.resolved_at.is_(None))
            .order_by(Incident.opened_at, Incident.id)
        )
    ]
    if now is not None and all(a.rule != SCHEDULER_STALE for a in alerts):
        t = thresholds or Thresholds()
        live: Firing | None = scheduler_stale(
            Measurements(last_tick_age=scheduler_health(session, now).lag_seconds), t
        )
        if live is not None:
            alerts.append(ActiveAlert(live.rule, live.summary, live.value, None))
    return alerts


def alert_recipients(session: Session, configured: list[str]) -> list[str]:
    """Who gets alert emails: NOTIFIER_ALERT_EMAILS plus every active admin account."""
    admins = session.scalars(
        select(StaffUser.email).where(StaffUser.role == "admin", StaffUser.disabled.is_(False))
    ).all()
    return list(dict.fromkeys([*configured, *admins]))


def email_notifier(channel: ChannelPort, recipients: list[str]) -> Notify:
    """Notices by email through the App's email channel (SMTP, or the local outbox)."""

    def notify(notice: Notice) -> None:
        if not recipients:
            log.warning("alert.no_recipients", rule=notice.rule, kind=notice.kind)
            return
        ref = ALERT_MESSAGE_IDS + notice.incident_id * 2 + (notice.kind == "resolved")
        for address in recipients:
            outcome = channel.send(
                OutgoingMessage(ref, "email", address, "nl", notice.text, notice.subject)
            )
            if outcome.result not in (Result.ACCEPTED, Result.DELIVERED):
                raise RuntimeError(f"alert email not accepted: {outcome.reason}")

    return notify
