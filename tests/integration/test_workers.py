"""Real Celery workers on Redis and PostgreSQL; real schedulers competing for the lock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Base, Message, PlannerState
from notifier.adapters.queue import CeleryPublisher
from notifier.bootstrap import build
from notifier.domain.enrolment import EnrolmentInput, RecipientInput
from notifier.domain.programme import Channel
from notifier.entrypoints.tasks import make_celery
from notifier.services.enrolment import enrol
from notifier.services.publishing import current_programme, publish
from notifier.services.scheduling import scheduler_tick
from notifier.testing.fake_twilio import FakeTwilio
from tests.conftest import MINI, make_settings
from tests.integration.delivery_support import free_port, serve_web
from tests.integration.worker_support import cli_env, process, redis_url, wait_until

FAMILIES = 40
ALL_DAY = {
    "quiet_start": time(0, 0),
    "quiet_end": time(23, 59),
    "default_send_time": time(0, 0),
}  # workers use the real clock


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def pg_url(_postgres_database):
    yield _postgres_database
    engine = create_engine(_postgres_database)
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def stack(pg_url, tmp_path, mini_programme, worker_id):
    """PostgreSQL + Redis + fake Twilio + our web app; the test starts workers itself."""
    with FakeTwilio() as fake:
        port = free_port()
        broker = redis_url(worker_id)
        settings = make_settings(pg_url, tmp_path / "var").model_copy(
            update={
                "broker_url": broker,
                "public_url": f"http://127.0.0.1:{port}",
                "twilio_account_sid": fake.account_sid,
                "twilio_auth_token": fake.auth_token,
                "twilio_from": "+3197010000000",
                "twilio_base_url": fake.url,
                **ALL_DAY,
            }
        )
        app = build(settings)
        with unit_of_work(app.factory) as session:
            publish(session, mini_programme, "tests")
        env = cli_env(
            {
                "NOTIFIER_DATABASE_URL": pg_url,
                "NOTIFIER_BROKER_URL": broker,
                "NOTIFIER_PUBLIC_URL": settings.public_url,
                "NOTIFIER_VAR_DIR": str(tmp_path / "var"),
                "NOTIFIER_SCHEDULES_DIR": str(MINI / "schedules"),
                "NOTIFIER_TEMPLATES_DIR": str(MINI / "templates"),
                "TWILIO_ACCOUNT_SID": fake.account_sid,
                "TWILIO_AUTH_TOKEN": fake.auth_token,
                "TWILIO_FROM": "+3197010000000",
                "NOTIFIER_TWILIO_BASE_URL": fake.url,
                "NOTIFIER_QUIET_START": "00:00",
                "NOTIFIER_QUIET_END": "23:59",
                "NOTIFIER_DEFAULT_SEND_TIME": "00:00",
            }
        )
        with serve_web(app, port):
            yield app, fake, env
        app.engine.dispose()


def enrol_families(app, count):
    today = app.hours.today(now())
    with unit_of_work(app.factory) as session:
        _, programme = current_programme(session)
        for i in range(count):
            enrol(
                session,
                programme,
                EnrolmentInput(
                    (RecipientInput(f"+3161{i:07d}", None, "nl", (Channel.SMS,), f"Ouder{i}"),),
                    "staff",
                    due_date=today + timedelta(weeks=30),
                    confirmed=True,
                ),
                today,
                ["NL"],
            )


def statuses(app):
    with unit_of_work(app.factory) as session:
        return dict(
            session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
        )


def test_workers_send_every_queued_message_exactly_once(stack, tmp_path):
    app, fake, env = stack
    enrol_families(app, FAMILIES)
    publisher = CeleryPublisher(make_celery(app.settings.broker_url))
    with process(["worker", "--concurrency", "2"], env, tmp_path / "worker.log"):
        report = scheduler_tick(app, now(), publisher)
        assert report.enqueued == FAMILIES
        assert wait_until(lambda: statuses(app).get("delivered") == FAMILIES, 60), (
            statuses(app),
            (tmp_path / "worker.log").read_text()[-3000:],
        )
        # a redelivered task (same ids again) sends nothing new
        with unit_of_work(app.factory) as session:
            ids = list(session.scalars(select(Message.id)))
        publisher.deliver("sms", ids)
        publisher.deliver("sms", ids[:5])
        assert not wait_until(lambda: len(fake.messages) > FAMILIES, 5)
    bodies = [m["body"] for m in fake.messages]
    assert len(bodies) == FAMILIES == len(set(m["to"] for m in fake.messages))


def test_a_lost_task_is_found_by_the_sweeper_and_sent_once(stack, tmp_path):
    app, fake, env = stack
    enrol_families(app, 3)

    class LosingPublisher:  # the broker "loses" every task of this tick
        def deliver(self, channel, ids, countdown=0):
            pass

        def reconcile(self, message_id, countdown=0):
            pass

        def final_status(self, message_ids):
            pass

    scheduler_tick(app, now(), LosingPublisher())
    assert statuses(app) == {"queued": 3}
    publisher = CeleryPublisher(make_celery(app.settings.broker_url))
    with process(["worker", "--concurrency", "1"], env, tmp_path / "worker.log"):
        report = scheduler_tick(app, now() + timedelta(minutes=6), publisher)
        assert report.requeued == 3
        assert wait_until(lambda: statuses(app).get("delivered") == 3, 60), statuses(app)
    assert len(fake.messages) == 3


def test_a_lost_final_status_is_asked_by_a_worker(stack, tmp_path):
    """The callbacks never came: two hours on, the tick hands the sent SMS to a worker, which
    asks Twilio and records delivered; nothing is sent again."""
    app, fake, env = stack
    enrol_families(app, 3)
    fake.callbacks_enabled = False
    publisher = CeleryPublisher(make_celery(app.settings.broker_url))
    with process(["worker", "--concurrency", "1"], env, tmp_path / "worker.log"):
        scheduler_tick(app, now(), publisher)
        assert wait_until(lambda: statuses(app).get("sent") == 3, 60), statuses(app)
        assert fake.wait_idle()
        with unit_of_work(app.factory) as session:  # two hours pass for these rows
            session.execute(text(
                "UPDATE messages SET updated_at = updated_at - interval '2 hours 1 minute', "
                "sent_at = sent_at - interval '2 hours 1 minute'"))
        report = scheduler_tick(app, now(), publisher)
        assert report.asking_final_status == 3
        assert wait_until(lambda: statuses(app).get("delivered") == 3, 60), (
            statuses(app), (tmp_path / "worker.log").read_text()[-3000:])
    assert len(fake.messages) == 3


def test_of_two_schedulers_only_one_ticks_and_the_other_takes_over(stack, tmp_path):
    app, _fake, env = stack
    logs = [tmp_path / "scheduler-a.log", tmp_path / "scheduler-b.log"]

    def ticks(log):
        return log.read_text().count('"event": "tick"')  # JSON lines

    def last_leader():
        with unit_of_work(app.factory) as session:
            state = session.get(PlannerState, "last_tick_at")
            return state.value.split(" ")[-1] if state else None

    with (
        process(["scheduler", "--interval", "1"], env, logs[0]) as first,
        process(["scheduler", "--interval", "1"], env, logs[1]) as second,
    ):
        assert wait_until(lambda: ticks(logs[0]) + ticks(logs[1]) >= 4, 30)
        counts = [ticks(log) for log in logs]
        assert sorted(counts)[0] == 0, counts  # exactly one of them ticks
        leader, follower = (first, second) if counts[0] else (second, first)
        assert last_leader().endswith(f":{leader.pid}")
        leader.kill()  # SIGKILL: the advisory lock dies with its connection
        leader.wait()
        assert wait_until(lambda: (last_leader() or "").endswith(f":{follower.pid}"), 30)
