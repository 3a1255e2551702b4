"""Review dates: a step past its ``review_by`` is a warning in ``notifier schedules check`` and
in the staff editor, and the authors get one email a day listing the steps due for review
(through the app's real SMTP channel to aiosmtpd, with the scheduler tick on a given clock)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import StaffUser
from notifier.bootstrap import build
from notifier.config import get_settings
from notifier.domain.timing import AMSTERDAM
from notifier.entrypoints.cli import main
from notifier.services.publishing import publish
from notifier.services.scheduling import scheduler_tick
from tests.conftest import MINI, make_settings
from tests.integration.mail_support import smtp_server
from tests.integration.staff_support import add_user, csrf_of, signed_in

DUE = {"kraamzorg": date(2027, 1, 1), "tandjes": date(2027, 1, 3)}  # the rest: 2099-01-01
AUTHOR, REVIEWER, ADMIN = "auteur@cjg.example", "beoordelaar@cjg.example", "beheer@cjg.example"
SUBJECT = "[Kansrijke Start] Controleren: kraamzorg, tandjes"


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMSTERDAM).astimezone(UTC)


def with_review_dates(programme, dates=DUE):
    steps = [replace(s, review_by=dates.get(s.key, s.review_by)) for s in programme.steps]
    return replace(programme, steps=steps)


# -- notifier schedules check --------------------------------------------------------------


@pytest.fixture
def copy(tmp_path: Path):
    root = tmp_path / "programme"
    shutil.copytree(MINI, root)
    path = root / "schedules" / "mini.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = lines.index("  - key: kraamzorg\n")
    review = next(n for n in range(at, len(lines)) if lines[n].startswith("    review_by:"))
    lines[review] = "    review_by: 2027-01-01\n"
    path.write_text("".join(lines), encoding="utf-8")
    get_settings.cache_clear()
    yield root, at + 1
    get_settings.cache_clear()


def check(root: Path, *args: str):
    return CliRunner().invoke(main, ["schedules", "check", str(root / "schedules"), *args])


def test_the_check_warns_about_a_step_past_its_review_date_and_exits_0(copy):
    root, line = copy
    result = check(root, "--today", "2027-01-02", "--json")
    assert result.exit_code == 0  # warnings do not fail the check; errors exit 2
    [problem] = json.loads(result.stdout)["problems"]
    assert (problem["path"], problem["line"], problem["severity"]) == (
        str(root / "schedules" / "mini.yaml"), line, "warning")
    assert problem["message"] == (
        "step 'kraamzorg': review_by 2027-01-01 has passed: check its facts and source")

    text = check(root, "--today", "2027-01-02")
    assert text.exit_code == 0
    assert text.stdout.startswith(f"{root / 'schedules' / 'mini.yaml'}:{line}: warning: step ")
    assert "0 errors, 1 warnings" in text.stderr


def test_on_the_review_date_itself_there_is_nothing_to_warn_about(copy):
    root, _ = copy
    result = check(root, "--today", "2027-01-01", "--json")
    assert (result.exit_code, json.loads(result.stdout)["problems"]) == (0, [])


def test_a_bad_today_is_refused(copy):
    root, _ = copy
    result = check(root, "--today", "2027-13-01")
    assert result.exit_code == 2 and "--today: '2027-13-01' is not a date" in result.stderr


# -- the staff editor ------------------------------------------------------------------------


@pytest.fixture
def editor_app(app, mini_programme):
    with unit_of_work(app.factory) as session:
        publish(session, with_review_dates(mini_programme), "tests")
    add_user(app, AUTHOR, "author")
    return app


def at_day(app, day: date) -> None:
    app.now = lambda: local(day, 10)  # the clock the staff pages read today from


def new_draft(client) -> str:
    token = csrf_of(client.get("/staff/programme").text)
    made = client.post("/staff/drafts", data={"title": "Nakijken", "csrf_token": token})
    assert made.status_code == 303
    return made.headers["location"]


def test_the_editor_shows_which_steps_are_due_for_review(editor_app):
    at_day(editor_app, date(2027, 1, 2))  # kraamzorg is due, tandjes not yet
    client = signed_in(editor_app, AUTHOR)
    home = client.get("/staff/programme").text
    assert "<strong>kraamzorg</strong>: controleren vóór 2027-01-01 (verstreken)" in home
    assert "tandjes (2027-01-03)" in home  # due soon

    draft = new_draft(client)
    page = client.get(draft).text
    start = page.index('id="review-due"')
    due = page[start:page.index("</section>", start)]
    assert f'<a href="{draft}/steps/kraamzorg">kraamzorg</a>: controleren vóór 2027-01-01' in due
    assert "tandjes" not in due
    assert "controleren vóór 2027-01-01 <strong>(verstreken)</strong>" in page
    assert "controleren vóór 2027-01-03 <strong>(verstreken)</strong>" not in page
    step = client.get(f"{draft}/steps/kraamzorg").text
    assert "review_by 2027-01-01 has passed: check its facts and source" in step

    at_day(editor_app, date(2027, 1, 4))  # now both are due
    page = client.get(draft).text
    assert f'<a href="{draft}/steps/tandjes">tandjes</a>: controleren vóór 2027-01-03' in page

    at_day(editor_app, date(2026, 12, 31))  # before either date: no warning at all
    page = client.get(draft).text
    assert 'id="review-due"' not in page and "(verstreken)" not in page
    assert "has passed" not in page


# -- the daily email to authors ---------------------------------------------------------------


@pytest.fixture
def inbox():
    with smtp_server() as box:
        yield box


@pytest.fixture
def reminder_app(database_url, tmp_path, mini_programme, inbox):
    settings = make_settings(database_url, tmp_path / "var").model_copy(
        update={"smtp_url": inbox.url})
    app = build(settings)
    with unit_of_work(app.factory) as session:
        publish(session, with_review_dates(mini_programme), "tests")
    add_user(app, AUTHOR, "author")
    add_user(app, REVIEWER, "reviewer")
    add_user(app, ADMIN, "admin")  # runs the service; does not write content
    add_user(app, "weg@cjg.example", "author")
    with unit_of_work(app.factory) as session:
        session.execute(update(StaffUser).where(StaffUser.email == "weg@cjg.example")
                        .values(disabled=True))
    yield app
    app.engine.dispose()


def reminders(inbox) -> list[tuple[str, str]]:
    return [(m["To"], m["Subject"]) for m in inbox.messages
            if m["Subject"].startswith("[Kansrijke Start] Controleren")]


def test_authors_get_one_email_a_day_with_the_steps_due_for_review(reminder_app, inbox):
    day = date(2027, 1, 4)
    assert scheduler_tick(reminder_app, local(day, 7, 55), None).review_reminder_steps == 0
    assert reminders(inbox) == []  # not before 08:00

    assert scheduler_tick(reminder_app, local(day, 8, 0), None).review_reminder_steps == 2
    assert reminders(inbox) == [(AUTHOR, SUBJECT), (REVIEWER, SUBJECT)]
    body = inbox.messages[-1].get_body(("plain",)).get_content()
    assert "- kraamzorg: controleren vóór 2027-01-01 (bron: https://www.rijksoverheid.nl)" in body
    assert "- tandjes: controleren vóór 2027-01-03 (bron: " in body
    assert "https://kansrijkestart.test/staff/programme" in body

    for later in (local(day, 8, 5), local(day, 13, 0), local(day, 23, 59)):
        assert scheduler_tick(reminder_app, later, None).review_reminder_steps == 0
    assert len(reminders(inbox)) == 2  # once that day

    assert scheduler_tick(reminder_app, local(day + timedelta(days=1), 0, 30), None) \
        .review_reminder_steps == 0
    assert scheduler_tick(reminder_app, local(day + timedelta(days=1), 9, 0), None) \
        .review_reminder_steps == 2
    assert len(reminders(inbox)) == 4  # and again the next day


def test_a_refused_email_is_tried_again_at_the_next_tick(reminder_app, inbox):
    day = date(2027, 1, 4)
    inbox.reply = "451 try again later"
    assert scheduler_tick(reminder_app, local(day, 9, 0), None).review_reminder_steps == 0
    inbox.reply = "250 OK"
    assert scheduler_tick(reminder_app, local(day, 9, 5), None).review_reminder_steps == 2
    assert reminders(inbox) == [(AUTHOR, SUBJECT), (REVIEWER, SUBJECT)]


def test_nothing_is_sent_while_no_step_is_past_its_review_date(reminder_app, inbox):
    day = date(2026, 12, 31)
    assert scheduler_tick(reminder_app, local(day, 9, 0), None).review_reminder_steps == 0
    assert reminders(inbox) == []
