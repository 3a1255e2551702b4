"""A real flow (enrol, tick, SMS through the fake Twilio with signed status callbacks into our
web app, email through aiosmtpd), then: /metrics parsed with prometheus-client's parser with
exact counts, and every log line of the run masked. Plus multiprocess metrics from two
processes, request ids, and readiness."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import time
from datetime import UTC, date, datetime

import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.logs import configure_logging
from notifier.bootstrap import build
from notifier.domain.enrolment import EnrolmentInput, RecipientInput
from notifier.domain.programme import Channel
from notifier.entrypoints.web.app import create_app
from notifier.services.enrolment import enrol
from notifier.services.publishing import current_programme, publish
from notifier.services.scheduling import scheduler_tick
from notifier.testing.fake_twilio import FakeTwilio
from tests.conftest import make_settings
from tests.integration.delivery_support import free_port, serve_web
from tests.integration.mail_support import Inbox

TODAY = date(2026, 11, 29)
MORNING = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
SAMIRA = ("+31612345678", "samira@example.nl")
STOPPED = "+31687654321"  # replied STOP earlier: Twilio answers 21610
SECRETS = [SAMIRA[0], SAMIRA[1], STOPPED, "612345678", "687654321", "samira%40example.nl",
           "0612345678", "0687654321"]


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def delta(before, after, name, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


@pytest.fixture
def logs():
    """Every log record of the test, as the processes render them (JSON lines)."""
    buffer = io.StringIO()
    configure_logging("test", "DEBUG", stream=buffer)
    twilio_http = logging.getLogger("notifier.twilio.http")
    twilio_http.setLevel(logging.DEBUG)  # the client logs requests with the number: masked
    yield buffer
    twilio_http.setLevel(logging.WARNING)
    configure_logging("test", "WARNING")


@pytest.fixture
def flow_app(database_url, tmp_path, mini_programme, logs):
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    # Callbacks a little after the answer, as Twilio's come: on SQLite (no row locks) one
    # arriving within the same milliseconds races the send's own record.
    with FakeTwilio(callback_delay=0.3) as fake:
        port = free_port()
        settings = make_settings(database_url, tmp_path / "var").model_copy(update={
            "public_url": f"http://127.0.0.1:{port}",
            "twilio_account_sid": fake.account_sid, "twilio_auth_token": fake.auth_token,
            "twilio_from": "+3197010000000", "twilio_base_url": fake.url,
            "smtp_url": f"smtp://127.0.0.1:{smtp_port}",
        })
        app = build(settings)
        with unit_of_work(app.factory) as session:
            publish(session, mini_programme, "tests")
        with serve_web(app, port) as url:
            yield app, fake, inbox, url
        app.engine.dispose()
    controller.stop()


def test_a_real_flow_counts_exactly_and_logs_nothing_personal(flow_app, logs):
    app, fake, inbox, url = flow_app
    before = samples(httpx.get(f"{url}/metrics").text)
    with unit_of_work(app.factory) as session:
        _, programme = current_programme(session)
        for phone, email, channels in ((SAMIRA[0], SAMIRA[1], (Channel.SMS, Channel.EMAIL)),
                                       (STOPPED, None, (Channel.SMS,))):
            enrol(session, programme, EnrolmentInput(
                (RecipientInput(phone, email, "nl", channels, "Samira"),), "staff",
                due_date=date(2027, 6, 1), confirmed=True), TODAY, ["NL"])
    fake.script(STOPPED, "21610")
    report = scheduler_tick(app, MORNING, None)
    assert report.sent_in_process == {"sent": 1, "delivered": 1, "suppressed": 1}
    assert fake.wait_for(1) and fake.wait_idle()
    assert len(inbox.messages) == 1

    response = httpx.get(f"{url}/metrics", headers={"X-Request-ID": "scrape-1"})
    assert response.headers["content-type"].startswith("text/plain")
    after = samples(response.text)
    assert delta(before, after, "notifier_messages_total", channel="sms", status="sent") == 1
    assert delta(before, after, "notifier_messages_total", channel="sms", status="delivered") == 1
    assert delta(before, after, "notifier_messages_total", channel="sms", status="suppressed") == 1
    assert delta(before, after, "notifier_messages_total", channel="email", status="sent") == 1
    assert delta(before, after, "notifier_messages_total", channel="email",
                 status="delivered") == 1
    assert delta(before, after, "notifier_messages_total", channel="sms", status="failed") == 0
    assert delta(before, after, "notifier_provider_errors_total", channel="sms",
                 code="21610") == 1
    assert delta(before, after, "notifier_send_latency_seconds_count", channel="sms") == 1
    assert delta(before, after, "notifier_send_latency_seconds_count", channel="email") == 1
    assert after[("notifier_scheduler_last_tick_timestamp_seconds", ())] == MORNING.timestamp()
    assert after[("notifier_enrollments", (("stage", "pregnancy"),))] == 2
    assert after[("notifier_enrollments", (("stage", "0-6 months"),))] == 0
    assert not any(name == "notifier_queue_depth" for name, _ in after)  # no broker here

    # the access line is written after the response went out: give the server a moment
    deadline = time.monotonic() + 5
    while '"scrape-1"' not in logs.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
    text = logs.getvalue()
    for secret in SECRETS:
        assert secret not in text, secret
    events = [json.loads(line) for line in text.splitlines()]
    assert "+316******78" in text  # the number was logged (message.sending): masked
    outcome = next(e for e in events if e["event"] == "message.outcome" and e["channel"] == "sms"
                   and e["status"] == "sent")
    followed = [e for e in events if e.get("message_id") == outcome["message_id"]]
    ours = [e["event"] for e in followed if e["logger"].startswith("notifier.")
            and not e["logger"].startswith("notifier.twilio")]
    assert ours == ["message.sending", "message.outcome", "status_callback", "status_callback"]
    assert any(e["logger"] == "notifier.twilio.http" for e in followed)  # the client's lines too
    callback = next(e for e in events if e["event"] == "status_callback")
    assert len(callback["request_id"]) == 32  # generated: Twilio sends none
    scrape = [e for e in events if e["event"] == "request" and e.get("request_id") == "scrape-1"]
    assert scrape[0]["path"] == "/metrics" and scrape[0]["status"] == 200
    assert any(e["event"] == "tick" and e["alerts_sent"] == 0 for e in events)


def test_cli_processes_log_json_without_personal_data(database_url, tmp_path, mini_programme):
    """The CLI in its own process: its stderr log lines are JSON and masked too."""
    app = build(make_settings(database_url, tmp_path / "var"))
    with unit_of_work(app.factory) as session:
        publish(session, mini_programme, "tests")
    app.engine.dispose()
    from tests.conftest import MINI
    from tests.integration.worker_support import cli_env

    env = cli_env({"NOTIFIER_DATABASE_URL": database_url, "NOTIFIER_VAR_DIR": str(tmp_path),
                   "NOTIFIER_SCHEDULES_DIR": str(MINI / "schedules"),
                   "NOTIFIER_TEMPLATES_DIR": str(MINI / "templates")})
    enrolled = subprocess.run(
        [sys.executable, "-m", "notifier", "enroll", "--due-date", "2027-06-01", "--phone",
         "0612345678", "--email", SAMIRA[1], "--consent-source", "staff", "--confirmed"],
        env=env, capture_output=True, text=True, timeout=60)
    assert enrolled.returncode == 0, enrolled.stderr
    code = ("import logging; from notifier.adapters.logs import configure_logging, get_logger;"
            "configure_logging('cli'); get_logger('x').warning('sms to 0612345678',"
            " to='+31612345678', extra={'email': 'samira@example.nl'});"
            "logging.getLogger('twilio').error('To=%2B31612345678')")
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60)
    lines = [json.loads(line) for line in run.stderr.splitlines()]
    assert [line["event"] for line in lines] == ["sms to 06******78", "To=%2B316******78"]
    assert lines[0]["to"] == "+316******78" and lines[0]["extra"] == {"email": "s***@example.nl"}
    assert lines[0]["component"] == "cli" and lines[1]["logger"] == "twilio"
    for secret in SECRETS:
        assert secret not in enrolled.stderr + run.stderr


def test_metrics_from_two_processes_add_up(app, tmp_path, monkeypatch):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    code = ("import sys; from notifier.adapters import metrics;"
            "metrics.message_status('sms', 'delivered', int(sys.argv[1]));"
            "metrics.provider_error('sms', '30003'); metrics.send_latency('sms', 2.0)")
    env = {**dict(__import__("os").environ), "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    for n in (3, 4):
        subprocess.run([sys.executable, "-c", code, str(n)], env=env, check=True, timeout=60)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    scraped = samples(TestClient(create_app(app)).get("/metrics").text)
    assert scraped[("notifier_messages_total", (("channel", "sms"), ("status", "delivered")))] == 7
    assert scraped[("notifier_provider_errors_total", (("channel", "sms"), ("code", "30003")))] == 2
    assert scraped[("notifier_send_latency_seconds_count", (("channel", "sms"),))] == 2
    bucket = ("notifier_send_latency_seconds_bucket", (("channel", "sms"), ("le", "5.0")))
    assert scraped[bucket] == 2


def test_a_request_id_is_honoured_or_made(app):
    client = TestClient(create_app(app))
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers[
        "x-request-id"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "not ok; <script>"}).headers[
        "x-request-id"]
    assert len(made) == 32 and made.isalnum()


def test_readyz_names_the_database_when_it_is_down(app):
    down = build(app.settings.model_copy(update={
        "database_url": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none"}))
    response = TestClient(create_app(down)).get("/readyz")
    assert response.status_code == 503
    assert response.json()["ready"] is False
    assert response.json()["database"].startswith("unavailable")
    down.engine.dispose()


def test_the_example_alert_rules_use_metrics_we_expose():
    import re
    from pathlib import Path

    import yaml

    rules = yaml.safe_load((Path(__file__).parents[2] / "deploy" / "prometheus-alerts.yml")
                           .read_text())
    exprs = " ".join(r["expr"] for g in rules["groups"] for r in g["rules"])
    used = set(re.findall(r"notifier_[a-z_]+", exprs))
    exposed = {"notifier_messages_total", "notifier_provider_errors_total",
               "notifier_queue_depth", "notifier_scheduler_last_tick_timestamp_seconds",
               "notifier_send_latency_seconds_bucket", "notifier_enrollments"}
    assert used and used <= exposed
