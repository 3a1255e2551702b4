"""An administrator finds one family by an exact phone number, email or enrolment id and sees
what was planned for them and why; nobody else can, partial values find nothing, and every look
is in the audit log."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import AuditEntry
from tests.integration.admin_support import (
    OTHER_PHONE,
    SAMIRA_EMAIL,
    SAMIRA_PHONE,
    enrol_parent,
    seed_samira,
)
from tests.integration.staff_support import add_user, client_for, csrf_of, signed_in


def search(client, q: str):
    token = csrf_of(client.get("/staff/families").text)
    return client.post("/staff/families", data={"q": q, "csrf_token": token})


def audit_actions(app) -> list[tuple[str, str, dict | None]]:
    with unit_of_work(app.factory) as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(e.action, e.target, e.after) for e in rows if e.action.startswith("family.")]


@pytest.fixture
def admin(app):
    add_user(app, "beheer@cjg.example", "admin")
    return signed_in(app, "beheer@cjg.example")


def test_a_phone_number_in_any_notation_finds_the_family_and_its_history(app, admin):
    public_id = seed_samira(app)
    enrol_parent(app, OTHER_PHONE, name="Other")

    for typed in ("+31 6 1234 5678", "0031612345678", "06-1234 5678", "06 12345678"):
        found = search(admin, typed)
        assert found.status_code == 303
        assert found.headers["location"] == f"/staff/families/{public_id}"
    page = admin.get(found.headers["location"])
    assert page.status_code == 200
    html = page.text
    assert f"Gezin {public_id}" in html
    # every message with its state, reason and provider error and what it means
    for expected in ("aangifte", "slapen", "oefenhapjes", "delivered", "failed", "suppressed",
                     "SMS consent withdrawn (21610)", "<code>30003</code>",
                     "telefoon onbereikbaar", "Berichten (4)"):
        assert expected in html, expected
    # the step the planner skipped, with its reason
    assert "tandjes" in html and "no channel left for this step" in html
    # the consent log: given and confirmed per channel at enrolment, withdrawn by STOP
    assert html.count("toestemming gegeven") == 2 and html.count("toestemming bevestigd") == 2
    assert "toestemming ingetrokken" in html and "21610" in html
    # masked: no full number, address, name or consenting colleague's address
    assert SAMIRA_PHONE not in html and "0612345678" not in html
    assert SAMIRA_EMAIL not in html and "Samira" not in html
    assert "wijkverpleegkundige@cjg.example" not in html
    assert "+316******78" in html and "s***@example.nl" in html
    assert "0-6 maanden" in html and "2026-08-20" not in html
    assert audit_actions(app) == [
        *[("family.search", "", {"by": "phone", "matches": 1})] * 4,
        ("family.view", public_id, None),
    ]


def test_an_email_address_or_the_enrolment_id_finds_the_family(app, admin):
    public_id = seed_samira(app)
    by_email = search(admin, f"  {SAMIRA_EMAIL} ")
    assert by_email.headers["location"] == f"/staff/families/{public_id}"
    by_id = search(admin, public_id.upper())
    assert by_id.headers["location"] == f"/staff/families/{public_id}"
    assert [a for a, _, _ in audit_actions(app)] == ["family.search", "family.search"]


PARTIAL = ["06 1234567", "0612345", "12345678", "5678", "samira", "example.nl", "@example.nl",
           "samira.elamrani@", "%", "*", "", "0123456789abcde", "0123456789"]


def test_a_partial_or_malformed_value_shows_no_family(app, admin):
    public_id = seed_samira(app)
    for typed in [*PARTIAL, public_id[:8], SAMIRA_PHONE[:-1], SAMIRA_EMAIL[:-3]]:
        answer = search(admin, typed)
        assert answer.status_code == 400, typed
        assert "op een deel wordt niet gezocht" in answer.text
        assert public_id not in answer.text and "Resultaat" not in answer.text
    assert audit_actions(app) == []


def test_a_whole_value_that_matches_no_family_shows_nothing(app, admin):
    public_id = seed_samira(app)
    for typed in ["06 12345670", "other.person@example.nl", "ffffffffffffffff"]:
        answer = search(admin, typed)
        assert answer.status_code == 200, typed
        assert "Geen gezin gevonden" in answer.text
        assert public_id not in answer.text
    assert [a for a, _, _ in audit_actions(app)] == ["family.search"] * 3


def test_two_enrolments_with_the_same_number_are_both_offered_and_nothing_else(app, admin):
    first = seed_samira(app)
    second = enrol_parent(app, SAMIRA_PHONE, birth_date=date(2026, 11, 1))
    other = enrol_parent(app, OTHER_PHONE)
    answer = search(admin, "06 12345678")
    assert answer.status_code == 200
    assert first in answer.text and second in answer.text and other not in answer.text
    assert audit_actions(app) == [("family.search", "", {"by": "phone", "matches": 2})]


def test_an_unknown_enrolment_id_in_the_address_is_a_404(app, admin):
    seed_samira(app)
    assert admin.get("/staff/families/0000000000000000").status_code == 404
    assert audit_actions(app) == []


@pytest.mark.parametrize("role", ["author", "reviewer", "viewer"])
def test_staff_without_the_family_permission_get_403_everywhere(app, role):
    public_id = seed_samira(app)
    add_user(app, f"{role}@cjg.example", role)
    client = signed_in(app, f"{role}@cjg.example")
    assert client.get("/staff/families").status_code == 403
    token = csrf_of(client.get("/staff").text)
    assert client.post("/staff/families",
                       data={"q": "06 12345678", "csrf_token": token}).status_code == 403
    refused = client.get(f"/staff/families/{public_id}")
    assert refused.status_code == 403 and "+316" not in refused.text
    assert "Gezin opzoeken" not in client.get("/staff").text  # not in their menu
    assert audit_actions(app) == []


def test_without_signing_in_the_pages_send_you_to_the_login(app):
    public_id = seed_samira(app)
    client = client_for(app)
    for path in ("/staff/families", f"/staff/families/{public_id}"):
        answer = client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/staff/login?next={path}"
    assert client.post("/staff/families", data={"q": "06 12345678"}).status_code in (401, 403)
    assert audit_actions(app) == []
