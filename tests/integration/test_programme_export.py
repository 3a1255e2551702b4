"""YAML round trip: a version published from the editor, exported to files, passes
`notifier schedules check` with no problems and loads to an equal programme."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import StaffUser
from notifier.adapters.schedule_files import load_programme
from notifier.config import get_settings
from notifier.entrypoints.cli import main
from notifier.services import drafts
from notifier.services.publishing import current_programme, publish
from tests.integration.staff_support import add_user

TODAY = date(2026, 11, 29)


def test_an_edited_version_exported_to_yaml_checks_clean_and_loads_equal(
    app, default_programme, tmp_path, monkeypatch
):
    add_user(app, "a@cjg.example", "author")
    add_user(app, "r@cjg.example", "reviewer")
    with unit_of_work(app.factory) as session:
        publish(session, default_programme, "tests")
        author = session.scalars(select(StaffUser).where(StaffUser.role == "author")).one()
        reviewer = session.scalars(select(StaffUser).where(StaffUser.role == "reviewer")).one()
        draft = drafts.start_draft(session, author, "EHBO in Escamp")
        drafts.save_offer(session, draft, author, {
            "key": "ehbo-escamp", "kind": "first_aid", "name": "EHBO bij baby's",
            "url": "https://www.cjgdenhaag.nl/ehbo", "details_nl": "elke eerste dinsdag",
            "locations": ["escamp"]})
        drafts.save_offer(session, draft, author, {
            "key": "ehbo", "kind": "first_aid", "name": "EHBO-cursus",
            "url": "https://www.cjgdenhaag.nl/ehbo", "details_nl": "zie de website"})
        drafts.set_text(session, draft, author, "ehbo-cursus", "sms", "nl",
                        "EHBO-cursus: {{ offer.first_aid.details }}. {{ link }}")
        drafts.submit(session, draft, author, TODAY)
        drafts.approve(session, draft, reviewer)
        drafts.publish_draft(session, draft, reviewer, TODAY)
        version_id, published = current_programme(session)

    monkeypatch.setenv("NOTIFIER_DATABASE_URL", app.settings.database_url)
    monkeypatch.setenv("NOTIFIER_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    out = tmp_path / "export"
    runner = CliRunner()
    exported = runner.invoke(main, ["schedules", "export", str(out)])
    assert exported.exit_code == 0, exported.output
    assert f"wrote version {version_id}" in exported.output
    checked = runner.invoke(main, ["schedules", "check", str(out / "schedules"), "--json"])
    assert checked.exit_code == 0, checked.output
    assert '"problems": []' in checked.output
    loaded = load_programme(out / "schedules", out / "templates")
    assert loaded.problems == [] and loaded.programme == published
    assert Path(out / "schedules" / "offers.yaml").exists()
    again = runner.invoke(main, ["schedules", "export", str(out)])
    assert again.exit_code == 2 and "not an empty directory" in again.output
    get_settings.cache_clear()
