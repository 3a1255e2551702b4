"""Alerts with a controlled clock: an incident opens once and admins get one email, nothing more
while it stays open, one recovery email when it clears, and a new incident when it comes back.
Email goes through the app's real SMTP channel to aiosmtpd."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Incident, Message, PlannerState
from notifier.bootstrap import build
from notifier.domain.alerts import Thresholds
from notifier.services.alerts import active_alerts, evaluate_alerts
from notifier.services.publishing import publish
from notifier.services.scheduling import scheduler_tick
from tests.conftest import make_settings
from tests.integration.mail_support import smtp_server

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
ADMINS = ["beheer@denhaag.nl", "ops@denhaag.nl"]
RATE_ALERT = "[Kansrijke Start] ALARM delivery_rate"
ERRORS_ALERT = "[Kansrijke Start] ALARM provider_errors"


@pytest.fixture
def inbox():
    with smtp_server() as box:
        yield box


@pytest.fixture
def alert_app(database_url, tmp_path, mini_programme, inbox):
    settings = make_settings(database_url, tmp_path / "var").model_copy(
        update={"smtp_url": inbox.url, "alert_emails": ", ".join(ADMINS)})
    app = build(settings)
    with unit_of_work(app.factory) as session:
        publish(session, mini_programme, "tests")
    yield app
    app.engine.dispose()


def finished(app, delivered: int, failed: int, when: datetime, step: str = "kraamzorg") -> None:
    """Messages that ended at ``when`` (no family needed for the figures)."""
    with unit_of_work(app.factory) as session:
        for n in range(delivered + failed):
            status = "delivered" if n < delivered else "failed"
            session.add(Message(
                step_key=f"{step}-{n}", channel="sms", language="nl", status=status,
                due_at=when - timedelta(minutes=5), expires_at=when + timedelta(days=1),
                sent_at=when, updated_at=when,
                error_code=None if status == "delivered" else "30003"))


def subjects(inbox) -> list[tuple[str, str]]:
    return [(m["To"], m["Subject"]) for m in inbox.messages]


def test_fire_once_stay_quiet_recover_and_fire_again(alert_app, inbox):
    finished(alert_app, delivered=40, failed=10, when=T0 - timedelta(minutes=10))  # 80%
    assert scheduler_tick(alert_app, T0, None).alerts_sent == 1
    subject = ("[Kansrijke Start] ALARM delivery_rate: 80,0% afgeleverd in het afgelopen uur "
               "(40 van 50; alarm onder 90%)")
    assert subjects(inbox) == [(a, subject) for a in ADMINS]
    text = inbox.messages[0].get_body(("plain",)).get_content()
    assert "Begonnen om 2026-11-29 11:00 (Nederlandse tijd)." in text
    assert "U krijgt nog één e-mail als het weer in orde is." in text
    with unit_of_work(alert_app.factory) as session:
        [alert] = active_alerts(session, T0)
    assert (alert.rule, alert.since, alert.value) == ("delivery_rate", T0, 0.8)

    for minutes in (1, 5, 30):  # still firing: no second email
        assert scheduler_tick(alert_app, T0 + timedelta(minutes=minutes), None).alerts_sent == 0
    assert len(inbox.messages) == 2

    later = T0 + timedelta(minutes=51)  # the failures are now more than an hour old
    assert scheduler_tick(alert_app, later, None).alerts_sent == 1
    assert subjects(inbox)[2:] == [(a, "[Kansrijke Start] OPGELOST delivery_rate")
                                   for a in ADMINS]
    text = inbox.messages[2].get_body(("plain",)).get_content()
    assert "weer in orde sinds 2026-11-29 11:51 (Nederlandse tijd)" in text
    with unit_of_work(alert_app.factory) as session:
        assert active_alerts(session, later) == []
    assert scheduler_tick(alert_app, later + timedelta(minutes=1), None).alerts_sent == 0

    again = later + timedelta(minutes=10)  # worse: and 50 provider errors (alert above 20)
    finished(alert_app, delivered=10, failed=50, when=again, step="slapen")
    assert scheduler_tick(alert_app, again, None).alerts_sent == 2
    assert [s.split(":")[0] for _, s in subjects(inbox)[4:]] == [
        RATE_ALERT] * 2 + [ERRORS_ALERT] * 2
    with unit_of_work(alert_app.factory) as session:
        incidents = session.scalars(select(Incident).order_by(Incident.id)).all()
    assert [(i.rule, i.opened_at, i.resolved_at) for i in incidents] == [
        ("delivery_rate", T0, later), ("delivery_rate", again, None),
        ("provider_errors", again, None)]


def test_a_notice_that_could_not_be_sent_goes_out_at_the_next_evaluation(alert_app, inbox):
    finished(alert_app, delivered=0, failed=60, when=T0 - timedelta(minutes=1))
    inbox.reply = "451 try again later"
    assert scheduler_tick(alert_app, T0, None).alerts_sent == 0
    assert inbox.messages == []
    inbox.reply = "250 OK"
    assert scheduler_tick(alert_app, T0 + timedelta(minutes=1), None).alerts_sent == 2
    assert sorted(m["Subject"].split(":")[0] for m in inbox.messages) == [
        RATE_ALERT] * 2 + [ERRORS_ALERT] * 2
    assert scheduler_tick(alert_app, T0 + timedelta(minutes=2), None).alerts_sent == 0


def test_stuck_sends_a_stale_queue_and_a_silent_scheduler(app):
    notices = []
    t = Thresholds()
    with unit_of_work(app.factory) as session:
        session.merge(PlannerState(key="last_tick_at", value=f"{T0.isoformat()} host:1"))
        session.add(Message(step_key="a", channel="sms", language="nl", status="sending",
                            due_at=T0, expires_at=T0 + timedelta(days=1), updated_at=T0))
        session.add(Message(step_key="b", channel="email", language="nl", status="queued",
                            due_at=T0, expires_at=T0 + timedelta(days=1), updated_at=T0))
    with unit_of_work(app.factory) as session:  # 5 minutes: nothing is late yet
        assert evaluate_alerts(session, T0 + timedelta(minutes=5), notices.append, t) == []
        assert active_alerts(session, T0 + timedelta(minutes=5)) == []
    with unit_of_work(app.factory) as session:  # 11 minutes: the queue and the scheduler
        sent = evaluate_alerts(session, T0 + timedelta(minutes=11), notices.append, t)
    assert [(n.rule, n.kind) for n in sent] == [("scheduler_stale", "opened"),
                                                ("queue_stale", "opened")]
    with unit_of_work(app.factory) as session:  # 16 minutes: and the send
        sent = evaluate_alerts(session, T0 + timedelta(minutes=16), notices.append, t)
        banner = active_alerts(session)
    assert [(n.rule, n.kind) for n in sent] == [("stuck_sending", "opened")]
    assert [a.rule for a in banner] == ["scheduler_stale", "queue_stale", "stuck_sending"]
    assert "1 bericht(en) langer dan 15 min in 'versturen' (het oudste 16 min)" in banner[2].summary


def test_the_banner_shows_a_silent_scheduler_even_without_an_incident(app):
    with unit_of_work(app.factory) as session:
        assert [a.rule for a in active_alerts(session, T0)] == ["scheduler_stale"]  # never ticked
        session.merge(PlannerState(key="last_tick_at", value=f"{T0.isoformat()} host:1"))
    with unit_of_work(app.factory) as session:
        assert active_alerts(session, T0 + timedelta(minutes=4)) == []
        [alert] = active_alerts(session, T0 + timedelta(minutes=6))
    assert alert.since is None and alert.summary == "de planner heeft 6 min niet gedraaid (alarm na 5 min)"


def test_admin_accounts_get_the_alerts_too_and_disabled_ones_do_not(alert_app, inbox):
    from tests.integration.staff_support import add_user

    add_user(alert_app, "Hoofd@CJG.example", "admin")
    add_user(alert_app, "oud@cjg.example", "admin")
    add_user(alert_app, "auteur@cjg.example", "author")
    with unit_of_work(alert_app.factory) as session:
        from notifier.services.staff_accounts import disable_user, find_user

        disable_user(session, find_user(session, "oud@cjg.example"))
    finished(alert_app, delivered=40, failed=10, when=T0 - timedelta(minutes=10))
    assert scheduler_tick(alert_app, T0, None).alerts_sent == 1
    assert sorted(to for to, _ in subjects(inbox)) == sorted([*ADMINS, "hoofd@cjg.example"])
