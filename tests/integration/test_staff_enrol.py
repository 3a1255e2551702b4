"""CJG staff enrol a family with recorded consent, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import AuditEntry, Event, Family
from notifier.bootstrap import App
from notifier.domain.programme import Programme
from tests.integration.parent_pages_support import families, form, outbox, parents_app, recipients
from tests.integration.staff_support import add_user, csrf_of, signed_in


@pytest.fixture
def app(database_url: str, tmp_path: Path, mini_programme: Programme) -> Iterator[App]:
    application = parents_app(database_url, tmp_path / "var", mini_programme)
    yield application
    application.engine.dispose()


def test_only_staff_who_may_enrol_see_the_form(app: App) -> None:
    add_user(app, "admin@cjg.example", "admin")
    add_user(app, "author@cjg.example", "author")
    assert signed_in(app, "admin@cjg.example").get("/staff/aanmelden").status_code == 403
    author = signed_in(app, "author@cjg.example")
    page = author.get("/staff/aanmelden")
    assert page.status_code == 200 and "Gezin aanmelden" in page.text
    assert 'href="/staff/aanmelden"' in author.get("/staff").text


def test_consent_taken_by_phone_is_recorded_and_the_family_confirms_itself(app: App) -> None:
    add_user(app, "author@cjg.example", "author")
    client = signed_in(app, "author@cjg.example")
    token = csrf_of(client.get("/staff/aanmelden").text)
    missing = client.post("/staff/aanmelden", data={**form(app), "csrf_token": token})
    assert missing.status_code == 400 and "Kies hoe de ouder toestemming gaf" in missing.text
    not_signed = client.post("/staff/aanmelden", data={
        **form(app), "consent_how": "phone", "consent_confirmed": "yes", "csrf_token": token})
    assert not_signed.status_code == 400 and "Alleen met een handtekening" in not_signed.text
    assert families(app) == 0
    done = client.post("/staff/aanmelden", data={
        **form(app), "consent_how": "phone", "csrf_token": token})
    assert done.status_code == 200 and "bevestigen" in done.text
    [person] = recipients(app)
    assert person.sms_consent == "pending"
    assert len(outbox(app)) == 1  # the same confirmation step as on the web
    with unit_of_work(app.factory) as session:
        family = session.scalars(select(Family)).one()
        assert family.consent_source == "staff"
        assert family.consent_by == "author@cjg.example (mondeling aan de telefoon)"
        given = session.scalars(select(Event).where(Event.kind == "consent.given")).one()
        assert given.actor == family.consent_by and given.at is not None
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "family.enrol")).one()
        assert entry.actor == "author@cjg.example" and entry.target == family.public_id
        assert entry.after["consent_how"] == "phone"


def test_a_paper_signature_skips_the_confirmation(app: App) -> None:
    add_user(app, "reviewer@cjg.example", "reviewer")
    client = signed_in(app, "reviewer@cjg.example")
    token = csrf_of(client.get("/staff/aanmelden").text)
    done = client.post("/staff/aanmelden", data={
        **form(app), "consent_how": "signed", "consent_confirmed": "yes", "csrf_token": token})
    assert done.status_code == 200
    assert recipients(app)[0].sms_consent == "confirmed" and outbox(app) == []


def test_the_staff_form_needs_its_csrf_token(app: App) -> None:
    add_user(app, "author@cjg.example", "author")
    client = signed_in(app, "author@cjg.example")
    response = client.post("/staff/aanmelden", data={**form(app), "consent_how": "phone"})
    assert response.status_code == 403 and families(app) == 0
