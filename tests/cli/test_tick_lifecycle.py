"""``notifier tick`` alone (cron, no scheduler, no broker) carries a family from pregnancy to the
end of the programme as the scheduler would: every message reaches a final state, texts are
removed after 30 days, the family is erased on schedule, and the dashboard never thinks the
planner stopped."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.incident_tables import Incident
from notifier.adapters.db.tables import Family, Message
from notifier.bootstrap import build
from notifier.config import get_settings
from notifier.domain.message_status import FINAL
from notifier.domain.programme import Anchor
from notifier.domain.retention import KEEP_AFTER_END
from notifier.domain.timing import AMSTERDAM
from notifier.entrypoints.cli import main
from notifier.services import family_changes
from notifier.services.delivery_stats import scheduler_health
from notifier.services.publishing import load_checked

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini"
pytestmark = pytest.mark.slow  # some 260 ticks: in the full suite, not in the quick loop
START = datetime.now(AMSTERDAM).date()
DUE = START + timedelta(weeks=32)  # enrolled at week 8


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("NOTIFIER_BROKER_URL", "NOTIFIER_SMTP_URL", "TWILIO_ACCOUNT_SID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "NOTIFIER_DATABASE_URL": database_url,
        "NOTIFIER_VAR_DIR": str(tmp_path / "var"),
        "NOTIFIER_SCHEDULES_DIR": str(MINI / "schedules"),
        "NOTIFIER_TEMPLATES_DIR": str(MINI / "templates"),
        "NOTIFIER_ENVIRONMENT": "test",
        "NOTIFIER_PUBLIC_URL": "https://kansrijkestart.test",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _cli(*args: str) -> str:
    get_settings.cache_clear()
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    gc.collect()
    assert result.exit_code == 0, result.output
    return result.output


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), AMSTERDAM)


def test_notifier_tick_alone_carries_a_family_to_the_end_and_erases_it(env: None) -> None:
    _cli("db", "upgrade")
    _cli("enroll", "--due-date", DUE.isoformat(), "--phone", "0612345678", "--name", "Samira",
         "--consent-source", "staff", "--consent-by", "J. de Vries, CJG", "--confirmed")
    app = build(get_settings())
    with unit_of_work(app.factory) as session:
        public_id = session.scalars(select(Family.public_id)).one()

    day, born, last_sent, checked_retention = START, False, None, False
    while day <= START + timedelta(days=520):
        if day == DUE and not born:  # the parent reports the birth (by SMS, say)
            with unit_of_work(app.factory) as session:
                family = family_changes.get_family(session, public_id)
                family_changes.report_birth(session, family, day, day, _at(day, 8), 40, "sms")
            born = True
        _cli("tick", "--now", _at(day).isoformat(), "--json")
        with unit_of_work(app.factory) as session:
            messages = session.scalars(select(Message)).all()
            family_left = session.scalars(select(Family)).first()
            health = scheduler_health(session, _at(day))
        assert health.lag_seconds == 0  # the tick recorded itself: the dashboard sees it
        sent = [m.sent_at for m in messages if m.sent_at]
        last_sent = max(sent) if sent else last_sent
        for m in messages:  # nothing stays half-way between two ticks
            assert m.status in FINAL or m.due_at > _at(day), (m.step_key, m.status)
            if m.sent_at and _at(day) - m.sent_at > timedelta(days=31):
                assert m.body is None, "texts are removed 30 days after sending"
                checked_retention = True
        if family_left is None:
            break
        day += timedelta(days=2)

    assert born and last_sent is not None and checked_retention
    assert family_left is None, "the family is erased after the programme"
    # Three months after the last day any step could still go, at the first tick after it.
    programme = load_checked(MINI / "schedules", MINI / "templates", START)
    end = max(s.window.apply(s.offset.apply(DUE)) for s in programme.steps
              if s.anchor is Anchor.BIRTH_DATE)
    assert end + KEEP_AFTER_END < day <= end + KEEP_AFTER_END + timedelta(days=2), (day, end)
    with unit_of_work(app.factory) as session:
        kept = session.scalars(select(Message)).all()
        rules = set(session.scalars(select(Incident.rule)))
    assert kept and all(m.status in FINAL and m.recipient_id is None for m in kept)
    assert "scheduler_stale" not in rules
    app.engine.dispose()
