"""The ``notifier`` command as operators script it: exit codes, one-line errors, JSON output."""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from dateutil.relativedelta import relativedelta
from sqlalchemy import create_engine, func, select

from notifier.adapters.db.tables import Family, Message, ProgrammeVersion
from notifier.config import get_settings
from notifier.entrypoints.cli import main

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini"
TODAY = date.today()
PROVIDER_SETTINGS = ("NOTIFIER_BROKER_URL", "NOTIFIER_SMTP_URL", "TWILIO_ACCOUNT_SID",
                     "TWILIO_AUTH_TOKEN", "TWILIO_FROM", "TWILIO_MESSAGING_SERVICE_SID")


@pytest.fixture
def env(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    values = {
        "NOTIFIER_DATABASE_URL": database_url,
        "NOTIFIER_VAR_DIR": str(tmp_path / "var"),
        "NOTIFIER_SCHEDULES_DIR": str(MINI / "schedules"),
        "NOTIFIER_TEMPLATES_DIR": str(MINI / "templates"),
        "NOTIFIER_ENVIRONMENT": "test",
        "NOTIFIER_PUBLIC_URL": "https://kansrijkestart.test",
    }
    for name in PROVIDER_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no stray .env
    get_settings.cache_clear()
    yield values
    get_settings.cache_clear()


def cli(*args: str):
    get_settings.cache_clear()
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    gc.collect()  # each command builds its own engine: let its connections go now
    return result


def families(url: str, model: type = Family) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(model))
    engine.dispose()
    return int(n or 0)


@pytest.fixture
def upgraded(env):
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "database at head" in result.stdout
    return env


def test_enroll_prints_an_enrolment_id(upgraded):
    result = cli("enroll", "--due-date", str(TODAY + timedelta(weeks=20)), "--phone",
                 "06 12345678", "--consent-source", "staff", "--confirmed", "--name", "Samira")
    assert result.exit_code == 0, result.stderr
    assert re.fullmatch(r"[0-9a-f]{16}\n", result.stdout)
    assert families(upgraded["NOTIFIER_DATABASE_URL"]) == 1
    as_json = cli("enroll", "--birth-date", str(TODAY), "--email", "a@example.nl",
                  "--consent-source", "web", "--json")
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout)["confirmed"] is False


BASE = ("--consent-source", "staff", "--phone", "06 12345678")
DUE = ("--due-date", str(TODAY + timedelta(weeks=20)))
BAD_INPUT = {
    "invalid phone": ("--consent-source", "staff", "--phone", "06 123", *DUE),
    "landline": ("--consent-source", "staff", "--phone", "070 353 3000", *DUE),
    "due > 42 weeks ahead": (*BASE, "--due-date", str(TODAY + timedelta(weeks=42, days=1))),
    "due > 4 weeks past": (*BASE, "--due-date", str(TODAY - timedelta(weeks=4, days=1))),
    "birth in the future": (*BASE, "--birth-date", str(TODAY + timedelta(days=1))),
    "birth > 2 years ago": (*BASE, "--birth-date",
                            str(TODAY - relativedelta(years=2) - timedelta(days=1))),
    "no date": BASE,
    "bad date": (*BASE, "--due-date", "2027-13-01"),
    "unknown language": (*BASE, *DUE, "--language", "xx"),
    "unknown channel": (*BASE, *DUE, "--channels", "fax"),
    "email without address": (*BASE, *DUE, "--channels", "email"),
    "no channel": ("--consent-source", "staff", *DUE),
    "confirmed web consent": ("--consent-source", "web", "--phone", "06 12345678", *DUE,
                              "--confirmed"),
    "unknown cjg": (*BASE, *DUE, "--cjg", "nergens"),
}


@pytest.mark.parametrize("args", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_enrolment_input_is_one_error_line_exit_2_and_writes_nothing(upgraded, args):
    url = upgraded["NOTIFIER_DATABASE_URL"]
    result = cli("enroll", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert families(url) == 0


def test_a_missing_consent_source_is_a_usage_error(upgraded):
    result = cli("enroll", *DUE, "--phone", "06 12345678")
    assert result.exit_code == 2
    assert "Missing option '--consent-source'" in result.stderr
    assert families(upgraded["NOTIFIER_DATABASE_URL"]) == 0


@pytest.mark.slow  # (a real process, or a sweep of every case: full suite and CI)
def test_tick_twice_sends_once_through_python_dash_m(upgraded, tmp_path):
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "notifier", *args], capture_output=True,
                              text=True, env={**os.environ, **upgraded}, cwd=tmp_path,
                              timeout=120)

    kraamzorg_today = str(TODAY + timedelta(weeks=30))
    enrolled = run("enroll", "--due-date", kraamzorg_today, "--phone", "06 12345678",
                   "--email", "samira@example.nl", "--consent-source", "staff", "--confirmed")
    assert enrolled.returncode == 0, enrolled.stderr
    now = f"{TODAY}T11:00"
    first = run("tick", "--now", now, "--drain", "--json")
    second = run("tick", "--now", now, "--drain", "--json")
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert one["day"] == str(TODAY) and one["messages_planned"] == 2
    assert one["sent"]["delivered"] == 2
    assert two["messages_planned"] == 0 and not any(two["sent"].values())
    records = json.loads(run("outbox", "--json").stdout)
    assert sorted(r["channel"] for r in records) == ["email", "sms"]
    assert {r["to"] for r in records} == {"+31612345678", "samira@example.nl"}
    engine = create_engine(upgraded["NOTIFIER_DATABASE_URL"])
    with engine.connect() as conn:
        statuses = conn.scalars(select(Message.status)).all()
    engine.dispose()
    assert statuses == ["delivered", "delivered"]


def test_tick_rejects_a_bad_now(upgraded):
    result = cli("tick", "--now", "tomorrow")
    assert result.exit_code == 2 and result.stderr.startswith("error: --now")


def test_preview_json_is_the_timeline_with_local_times(upgraded):
    result = cli("schedules", "preview", "--due-date", str(TODAY + timedelta(weeks=30)),
                 "--from", str(TODAY), "--json")
    assert result.exit_code == 0, result.stderr
    entries = json.loads(result.stdout)
    assert isinstance(entries, list) and entries
    keys = {"step", "theme", "send_at", "channel", "language", "segments", "body", "skipped"}
    for e in entries:
        assert keys <= set(e)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d\+0[12]:00", e["send_at"]), e["send_at"]
        assert e["channel"] in ("sms", "email") and e["language"] == "nl"
        assert (e["segments"] is None) == (e["channel"] == "email")
    first = entries[0]
    assert (first["step"], first["send_at"][:16]) == ("kraamzorg", f"{TODAY}T10:00")
    assert first["skipped"] is None
    assert first["body"].endswith("https://kansrijkestart.test/i/kraamzorg")
    sms_only = json.loads(cli("schedules", "preview", "--due-date",
                              str(TODAY + timedelta(weeks=30)), "--channel", "sms",
                              "--json").stdout)
    assert {e["channel"] for e in sms_only} == {"sms"}


@pytest.mark.parametrize("args", [
    ("--birth-date", str(TODAY + timedelta(days=1))),
    ("--due-date", str(TODAY + timedelta(weeks=20)), "--language", "xx"),
    ("--due-date", str(TODAY + timedelta(weeks=20)), "--channel", "fax"),
])
def test_preview_bad_input_exits_2(upgraded, args):
    result = cli("schedules", "preview", *args, "--json")
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: ")


def test_schedules_check_passes_the_fixture_programme(env):
    result = cli("schedules", "check", str(MINI / "schedules"))
    assert result.exit_code == 0
    assert result.stdout.strip() == "10 steps, 0 errors, 0 warnings"


def test_schedules_check_fails_broken_files_with_exit_2(env, tmp_path):
    broken = tmp_path / "broken"
    (broken / "schedules").mkdir(parents=True)
    (broken / "schedules" / "locations.yaml").write_text(
        (MINI / "schedules" / "locations.yaml").read_text())
    source = (MINI / "schedules" / "mini.yaml").read_text().replace("theme: sleep", "theme: slep")
    (broken / "schedules" / "mini.yaml").write_text(source)
    (broken / "templates").symlink_to(MINI / "templates")
    line = source.splitlines().index("    theme: slep") + 1
    result = cli("schedules", "check", str(broken / "schedules"))
    assert result.exit_code == 2
    assert f"{broken / 'schedules' / 'mini.yaml'}:{line}: error: unknown theme 'slep'" in (
        result.stdout)
    as_json = json.loads(cli("schedules", "check", str(broken / "schedules"), "--json").stdout)
    assert as_json["errors"] >= 1


def test_schedules_check_of_a_missing_path_exits_2(env, tmp_path):
    result = cli("schedules", "check", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and result.stderr.startswith("error: ")


def test_publish_reads_the_texts_beside_the_schedules_it_checked(upgraded, tmp_path):
    draft = tmp_path / "draft"
    shutil.copytree(MINI, draft)
    (draft / "templates" / "nl" / "kraamzorg.sms.j2").write_text("Nieuw: kraamzorg. {{ link }}\n")
    assert cli("schedules", "check", str(draft / "schedules")).exit_code == 0
    published = cli("schedules", "publish", str(draft / "schedules"))
    assert published.exit_code == 0, published.stderr
    assert published.stdout.startswith("published version 2 (")
    assert cli("enroll", "--due-date", str(TODAY + timedelta(weeks=30)), "--phone",
               "06 12345678", "--consent-source", "staff", "--confirmed").exit_code == 0
    assert cli("tick", "--now", f"{TODAY}T11:00", "--drain").exit_code == 0
    [record] = json.loads(cli("outbox", "--json").stdout)
    first, footer = record["text"].split("\n")  # the new text, and where there is room a link
    assert first == "Nieuw: kraamzorg. https://kansrijkestart.test/i/kraamzorg"
    assert footer.startswith("Wijzigen of stoppen: https://kansrijkestart.test/k/")


def test_publish_refuses_a_programme_with_errors(upgraded, tmp_path):
    draft = tmp_path / "draft"
    shutil.copytree(MINI, draft)
    (draft / "templates" / "nl" / "kraamzorg.sms.j2").write_text("Geen link\n")
    result = cli("schedules", "publish", str(draft / "schedules"))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: the programme does not validate:")
    assert "kraamzorg.sms.j2:1: error: an SMS needs a link" in result.stderr
    assert result.stderr.count("\n") == 1  # one clear line
    assert families(upgraded["NOTIFIER_DATABASE_URL"], ProgrammeVersion) == 1
