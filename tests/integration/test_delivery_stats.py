"""Delivery figures on a known history: exact counts, rates, latencies, stages and weeks, on
SQLite and PostgreSQL; and the CSV export holds counts only."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import redis

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.queue import QUEUES, queue_lengths
from notifier.bootstrap import App
from notifier.services import delivery_stats as stats
from notifier.services.delivery_stats import (
    DailyCount,
    Percentiles,
    ProviderErrorCount,
    StatusCounts,
    WeekCount,
)
from tests.integration.stats_support import FIRST, LAST, NOW, PERSONAL, at, seed_history
from tests.integration.worker_support import REDIS


@pytest.fixture
def history(app: App) -> App:
    with unit_of_work(app.factory) as session:
        seed_history(session)
    return app


def test_counts_per_channel_and_in_total(history):
    with unit_of_work(history.factory) as session:
        report = stats.delivery_report(session, FIRST, LAST)
    assert report.by_channel == {
        "email": StatusCounts(planned=3, sent=1, delivered=1, failed=1, cancelled=1),
        "sms": StatusCounts(planned=7, sent=4, delivered=2, failed=1, expired=1, suppressed=1,
                            pending=1),
    }
    assert report.totals == StatusCounts(planned=10, sent=5, delivered=3, failed=2, expired=1,
                                         suppressed=1, cancelled=1, pending=1)
    assert report.by_channel["sms"].delivery_rate == pytest.approx(2 / 3)
    assert report.by_channel["email"].delivery_rate == 0.5


def test_per_step_counts_delivery_and_stop_rates(history):
    with unit_of_work(history.factory) as session:
        steps = {s.step: s for s in stats.delivery_report(session, FIRST, LAST).by_step}
    assert list(steps) == ["kraamzorg", "slapen", "voeding"]
    assert steps["kraamzorg"].counts == StatusCounts(planned=4, sent=3, delivered=2, failed=1,
                                                     cancelled=1)
    assert steps["slapen"].counts == StatusCounts(planned=4, sent=1, delivered=1, failed=1,
                                                  expired=1, suppressed=1)
    assert steps["voeding"].counts == StatusCounts(planned=2, sent=1, pending=1)
    # Anna stopped (both channels at once) after the sleep SMS: one stop, for 'slapen'. Bea's
    # stop came before anything reached her; Carla's is after the range.
    assert [(s.reached, s.stops, s.stop_rate) for s in steps.values()] == [
        (1, 0, 0.0), (1, 1, 1.0), (1, 0, 0.0)]


def test_provider_errors_with_their_meaning(history):
    with unit_of_work(history.factory) as session:
        errors = stats.delivery_report(session, FIRST, LAST).provider_errors
    assert errors == [
        ProviderErrorCount("email", "550", "harde bounce: mailbox onbekend of geweigerd", 1),
        ProviderErrorCount("sms", "21610",
                           "de ontvanger antwoordde STOP: sms-toestemming ingetrokken", 1),
        ProviderErrorCount("sms", "30005",
                           "onbekend toestel (nummer niet meer in gebruik)", 1),
    ]


def test_latency_percentiles_per_channel(history):
    with unit_of_work(history.factory) as session:
        latency = {x.channel: x for x in stats.delivery_report(session, FIRST, LAST).latency}
    # due -> accepted for SMS: 5, 30, 60, 120 s; accepted -> delivered: 60, 300 s.
    assert latency["sms"].due_to_accepted == Percentiles(4, 30.0, 120.0)
    assert latency["sms"].accepted_to_delivered == Percentiles(2, 60.0, 300.0)
    assert latency["email"].due_to_accepted == Percentiles(1, 10.0, 10.0)
    assert latency["email"].accepted_to_delivered == Percentiles(1, 0.0, 0.0)


def test_daily_rows_follow_the_local_day(history):
    with unit_of_work(history.factory) as session:
        rows = stats.daily_counts(session, FIRST, LAST)
    d2, d3, d4 = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)
    assert rows == [
        DailyCount(d2, "email", "kraamzorg", "cancelled", 1),
        DailyCount(d2, "email", "kraamzorg", "delivered", 1),
        DailyCount(d2, "sms", "kraamzorg", "delivered", 1),
        DailyCount(d2, "sms", "kraamzorg", "failed", 1),
        DailyCount(d3, "email", "slapen", "failed", 1),
        DailyCount(d3, "sms", "slapen", "delivered", 1),
        DailyCount(d3, "sms", "slapen", "expired", 1),
        DailyCount(d3, "sms", "slapen", "suppressed", 1),
        DailyCount(d4, "sms", "voeding", "scheduled", 1),
        DailyCount(d4, "sms", "voeding", "sent", 1),
    ]
    with unit_of_work(history.factory) as session:
        assert stats.daily_counts(session, d3, d3) == rows[4:8]


def test_enrollments_by_stage_and_signups_per_iso_week(history):
    with unit_of_work(history.factory) as session:
        stages = stats.enrollments_by_stage(session, NOW.date())
        weeks = stats.signups_per_week(session, date(2026, 10, 26), LAST)
    # Carla's family stopped, Femke's pregnancy was lost; Elif turns 12 months today.
    assert stages == {"pregnancy": 1, "0-6 months": 1, "6-12 months": 0, "12-24 months": 1,
                      "24+ months": 1}
    assert weeks == [WeekCount(2026, 44, date(2026, 10, 26), 1),
                     WeekCount(2026, 45, date(2026, 11, 2), 3)]


def test_queue_scheduler_and_metrics_snapshot(history):
    with unit_of_work(history.factory) as session:
        ops = stats.operations(session, NOW, {"sms": 4, "email": 0, "callbacks": 0,
                                              "periodic": 2})
        no_broker = stats.queue_depths(session, NOW, None)
        snap = stats.metrics_snapshot(session, NOW, {"sms": 4})
    sms = ops.queues[0]
    assert (sms.queue, sms.broker_tasks, sms.waiting_messages) == ("sms", 4, 1)
    assert sms.oldest_due_at == at("2026-11-03T23:30") and sms.oldest_age(NOW) == 10.5 * 3600
    assert [(q.queue, q.broker_tasks, q.waiting_messages) for q in ops.queues[1:]] == [
        ("email", 0, 0), ("callbacks", 0, 0), ("periodic", 2, 0)]
    assert all(q.broker_tasks is None for q in no_broker)
    assert ops.scheduler.last_tick_at == at("2026-11-04T09:59")
    assert (ops.scheduler.leader, ops.scheduler.lag_seconds) == ("host:1", 60.0)
    assert snap.last_tick_timestamp == at("2026-11-04T09:59").timestamp()
    assert snap.queue_depth == {"sms": 4} and snap.enrollments["24+ months"] == 1


def test_dashboard_bundles_today_and_the_last_30_days(history):
    with unit_of_work(history.factory) as session:
        board = stats.dashboard(session, NOW, days=30)
    assert board.today.start == board.today.end == date(2026, 11, 4)
    assert board.today.totals == StatusCounts(planned=2, sent=1, pending=1)
    assert board.recent.start == date(2026, 10, 6) and board.recent.totals.planned == 11
    assert board.now.scheduler.leader == "host:1"


def test_queue_lengths_come_from_redis():
    url = f"{REDIS}/7"
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.rpush(QUEUES["sms"], "a", "b", "c")
    client.rpush(QUEUES["callbacks"], "x")
    assert queue_lengths(url) == {"sms": 3, "email": 0, "callbacks": 1, "periodic": 0}
    client.flushdb()
    assert queue_lengths("redis://127.0.0.1:1/0") is None  # nobody there
    assert queue_lengths("memory://") is None


def test_csv_export_has_exact_rows_and_no_personal_data(history, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from notifier.config import get_settings
    from notifier.entrypoints.cli import main

    monkeypatch.setenv("NOTIFIER_DATABASE_URL", str(history.engine.url.render_as_string(False)))
    monkeypatch.setenv("NOTIFIER_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    out = tmp_path / "report.csv"
    try:
        result = CliRunner().invoke(
            main, ["report", "--from", "2026-11-02", "--to", "2026-11-04", "--csv", "--out",
                   str(out)], catch_exceptions=False)
        to_stdout = CliRunner().invoke(
            main, ["report", "--from", "2026-11-03", "--to", "2026-11-03", "--csv"])
        backwards = CliRunner().invoke(
            main, ["report", "--from", "2026-11-04", "--to", "2026-11-02", "--csv"])
        summary = CliRunner().invoke(
            main, ["report", "--from", "2026-11-02", "--to", "2026-11-04"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert list(csv.reader(io.StringIO(text))) == [
        ["day", "channel", "step", "status", "count"],
        ["2026-11-02", "email", "kraamzorg", "cancelled", "1"],
        ["2026-11-02", "email", "kraamzorg", "delivered", "1"],
        ["2026-11-02", "sms", "kraamzorg", "delivered", "1"],
        ["2026-11-02", "sms", "kraamzorg", "failed", "1"],
        ["2026-11-03", "email", "slapen", "failed", "1"],
        ["2026-11-03", "sms", "slapen", "delivered", "1"],
        ["2026-11-03", "sms", "slapen", "expired", "1"],
        ["2026-11-03", "sms", "slapen", "suppressed", "1"],
        ["2026-11-04", "sms", "voeding", "scheduled", "1"],
        ["2026-11-04", "sms", "voeding", "sent", "1"],
    ]
    assert to_stdout.exit_code == 0 and to_stdout.output.count("\n") == 5
    for output in (text, to_stdout.output, summary.output):
        for value in [v for values in PERSONAL.values() for v in values]:
            assert value not in output
            assert value.lstrip("+") not in output
    assert backwards.exit_code == 2
    assert backwards.output.strip() == "error: --to 2026-11-02 is before --from 2026-11-04"
    assert "sms    planned 7, sent 4, delivered 2" in summary.output


def test_a_range_of_days_is_checked():
    from notifier.domain.errors import InputError

    with pytest.raises(InputError):
        stats.check_range(date(2026, 1, 1), date(2027, 6, 1))
    stats.check_range(date(2026, 1, 1), date(2026, 1, 1))
