"""The partner API as a midwife practice's system uses it: enrol a family, read it back, report
the birth, pause, change how a parent is reached, erase; and every way it must say no."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import (
    ApiEnrolment,
    ApiKey,
    Child,
    Event,
    Family,
    Message,
    Recipient,
)
from notifier.services import family_changes
from notifier.services.api_keys import revoke_key
from notifier.services.ticking import tick
from tests.integration.api_support import api_client, bearer, make_keys

URL = "/api/v1/enrollments"
PHONE = "06 12345678"
E164 = "+31612345678"
EMAIL = "samira@example.nl"


@pytest.fixture
def client(app):
    with api_client(app) as client:
        yield client


@pytest.fixture
def keys(app):
    return make_keys(app)


def today(app) -> date:
    return app.hours.today(app.now())


def a_family(app, **extra):
    return {
        "due_date": str(today(app) + timedelta(weeks=20)),
        "child_name": "",
        "first_child": True,
        "location": "escamp",
        "recipients": [
            {"phone": PHONE, "email": EMAIL, "first_name": "Samira", "language": "nl"},
        ],
        **extra,
    }


def count(app, model) -> int:
    with unit_of_work(app.factory) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "field"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    if field is not None:
        assert body["error"]["field"] == field
    return body["error"]


def test_a_partner_enrols_a_family_with_consent_pending_and_nothing_is_sent(app, client, keys):
    response = client.post(URL, json=a_family(app), headers=bearer(keys.midwife))
    assert response.status_code == 201, response.text
    created = response.json()
    assert re.fullmatch(r"[0-9a-f]{16}", created["id"])
    assert response.headers["location"] == f"{URL}/{created['id']}"
    assert created["status"] == "active"
    assert created["children"][0]["status"] == "expecting"
    (parent,) = created["recipients"]
    assert parent["consent"] == {"sms": "pending", "email": "pending"}
    assert parent["channels"] == ["email", "sms"]
    assert parent["phone"] == "+316******78" and parent["email"] == "s***@example.nl"

    assert client.get(f"{URL}/{created['id']}", headers=bearer(keys.midwife)).json() == created
    with unit_of_work(app.factory) as session:
        family = session.scalars(select(Family)).one()
        assert (family.consent_source, family.consent_by) == ("api", "Verloskundigenpraktijk West")
        assert family.recipients[0].phone == E164
        given = session.scalars(select(Event).where(Event.kind == "consent.given")).all()
        assert {(e.channel, e.source, e.actor) for e in given} == {
            ("sms", "api", "Verloskundigenpraktijk West"),
            ("email", "api", "Verloskundigenpraktijk West"),
        }
    # The family is asked to confirm, on each channel (double opt-in) ...
    with unit_of_work(app.factory) as session:
        asks = session.scalars(select(Message)).all()
        assert sorted((m.step_key, m.channel, m.status) for m in asks) == [
            ("confirm", "email", "delivered"), ("confirm", "sms", "delivered")]
    # ... and until it confirms, the planner sends them nothing.
    result = tick(app, app.now() + timedelta(weeks=12), send=True)
    assert result.sent is not None
    with unit_of_work(app.factory) as session:
        programme = select(Message).where(Message.step_key != "confirm")
        assert session.scalars(programme).all() == []


def test_a_partner_reports_the_birth_and_changes_due_date_pause_and_preferences(
    app, client, keys
):
    created = client.post(URL, json=a_family(app), headers=bearer(keys.midwife)).json()
    one = f"{URL}/{created['id']}"
    new_due = str(today(app) + timedelta(weeks=18))
    changed = client.patch(one, json={"due_date": new_due}, headers=bearer(keys.midwife))
    assert changed.status_code == 200, changed.text
    assert changed.json()["children"][0]["due_date"] == new_due

    until = str(today(app) + timedelta(weeks=4))
    wishes = {
        "paused_until": until,
        "recipients": [
            {"position": 0, "channels": ["sms"], "language": "en", "preferred_time": "19:30"}
        ],
    }
    changed = client.patch(one, json=wishes, headers=bearer(keys.midwife))
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["paused_until"] == until
    parent = body["recipients"][0]
    assert (parent["channels"], parent["language"], parent["preferred_time"]) == (
        ["sms"],
        "en",
        "19:30",
    )
    assert parent["consent"] == {"sms": "pending", "email": "withdrawn"}

    born = str(today(app) - timedelta(days=2))
    changed = client.patch(
        one, json={"birth_date": born, "weeks_at_birth": 35}, headers=bearer(keys.midwife)
    )
    assert changed.status_code == 200, changed.text
    child = changed.json()["children"][0]
    assert (child["status"], child["birth_date"], child["weeks_at_birth"]) == ("born", born, 35)

    again = client.patch(one, json={"birth_date": born}, headers=bearer(keys.midwife))
    assert_error(again, 409, "conflict")
    with unit_of_work(app.factory) as session:
        kinds = set(session.scalars(select(Event.kind)))
    assert {"due_date.changed", "paused", "birth.reported", "preferences.changed"} <= kinds


def test_a_change_that_fails_changes_nothing(app, client, keys):
    created = client.post(URL, json=a_family(app), headers=bearer(keys.midwife)).json()
    one = f"{URL}/{created['id']}"
    wishes = {
        "paused_until": str(today(app) + timedelta(weeks=4)),
        "recipients": [{"position": 0, "language": "xx"}],
    }
    response = client.patch(one, json=wishes, headers=bearer(keys.midwife))
    assert_error(response, 422, "invalid_input", "language")
    past = client.patch(one, json={"paused_until": str(today(app))}, headers=bearer(keys.midwife))
    assert_error(past, 422, "invalid_input", "paused_until")
    missing = client.patch(one, json={"recipients": [{"position": 1, "language": "en"}]},
                           headers=bearer(keys.midwife))
    assert_error(missing, 422, "invalid_input", "position")
    assert client.get(one, headers=bearer(keys.midwife)).json() == created


def test_delete_stops_everything_and_erases_the_family(app, client, keys):
    created = client.post(URL, json=a_family(app), headers=bearer(keys.midwife)).json()
    one = f"{URL}/{created['id']}"
    response = client.delete(one, headers=bearer(keys.midwife))
    assert response.status_code == 204 and response.content == b""
    assert_error(client.get(one, headers=bearer(keys.midwife)), 404, "not_found")
    assert_error(client.delete(one, headers=bearer(keys.midwife)), 404, "not_found")
    for model in (Family, Recipient, Child, ApiEnrolment):
        assert count(app, model) == 0, model
    with unit_of_work(app.factory) as session:
        events = session.scalars(select(Event)).all()
        assert all(e.family_id is None and e.recipient_id is None for e in events)
        assert {e.kind for e in events} >= {"consent.withdrawn", "enrolment.erased"}


def test_delete_keeps_the_delivery_statistics_without_identity(app, client, keys):
    """A family that confirmed and got a message: after DELETE the message row stays, with
    no body and no link to anyone."""
    noon = app.hours.local(today(app), time(12, 0))
    due = today(app) + timedelta(weeks=30) - timedelta(days=1)  # a step is due now
    body = a_family(app, due_date=str(due))
    created = client.post(URL, json=body, headers=bearer(keys.midwife)).json()
    with unit_of_work(app.factory) as session:  # the parent confirms (double opt-in)
        for recipient in session.scalars(select(Recipient)):
            recipient.sms_consent = recipient.email_consent = "confirmed"
    tick(app, noon, send=True)
    with unit_of_work(app.factory) as session:
        gone_out = Message.status.in_(("sent", "delivered"))
        sent = session.scalars(select(Message).where(gone_out)).all()
        assert sent and all(m.body for m in sent)
    assert client.delete(f"{URL}/{created['id']}", headers=bearer(keys.midwife)).status_code == 204
    with unit_of_work(app.factory) as session:
        kept = session.scalars(select(Message)).all()
    assert {m.id for m in kept} >= {m.id for m in sent}
    for message in kept:
        assert (message.family_id, message.recipient_id, message.child_id, message.body) == (
            None, None, None, None)
    statuses = {m.id: m.status for m in kept}
    assert all(statuses[m.id] == m.status for m in sent)


def test_without_a_live_key_the_answer_is_401(app, client, keys):
    body = a_family(app)
    unknown = keys.midwife[:-4] + "AAAA"
    for headers in (
        {},
        bearer("not-a-key"),
        bearer(unknown),
        {"Authorization": f"Basic {keys.midwife}"},
    ):
        response = client.post(URL, json=body, headers=headers)
        assert_error(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"
    with unit_of_work(app.factory) as session:
        revoke_key(session, keys.midwife[:11], app.now())
    assert_error(client.post(URL, json=body, headers=bearer(keys.midwife)), 401, "unauthorized")
    assert count(app, Family) == 0


def test_a_key_without_the_scope_gets_403(app, client, keys):
    assert_error(
        client.post(URL, json=a_family(app), headers=bearer(keys.read_only)), 403, "forbidden"
    )
    assert count(app, Family) == 0
    created = client.post(URL, json=a_family(app), headers=bearer(keys.write_only))
    assert created.status_code == 201
    one = f"{URL}/{created.json()['id']}"
    assert_error(client.get(one, headers=bearer(keys.write_only)), 403, "forbidden")


def test_last_used_at_is_kept_per_key(app, client, keys):
    client.get(f"{URL}/0000000000000000", headers=bearer(keys.read_only))
    with unit_of_work(app.factory) as session:
        used = {k.name: k.last_used_at for k in session.scalars(select(ApiKey))}
    assert used["Dashboard"] is not None and used["Import"] is None


def test_another_partner_cannot_see_change_or_delete_an_enrollment(app, client, keys):
    created = client.post(URL, json=a_family(app), headers=bearer(keys.midwife)).json()
    one = f"{URL}/{created['id']}"
    other = bearer(keys.other_practice)
    mine = assert_error(client.get(one, headers=other), 404, "not_found")
    never = assert_error(client.get(f"{URL}/0123456789abcdef", headers=other), 404, "not_found")
    assert mine == never  # the answer does not tell that the id exists
    assert_error(client.patch(one, json={"paused_until": "2099-01-01"}, headers=other), 404,
                 "not_found")
    assert_error(client.delete(one, headers=other), 404, "not_found")
    assert client.get(one, headers=bearer(keys.midwife)).json() == created


def test_a_bad_phone_number_is_422_with_its_field_and_nothing_is_stored(app, client, keys):
    body = a_family(app, recipients=[{"phone": "06 123"}])
    error = assert_error(
        client.post(URL, json=body, headers=bearer(keys.midwife)), 422, "invalid_input", "phone"
    )
    assert "06 123" in error["message"]
    for model in (Family, Recipient, Child, Event, ApiEnrolment):
        assert count(app, model) == 0, model


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-address", "phone": None}, "email"),
        ({"phone": "070 353 3000"}, "phone"),  # a landline cannot get SMS
        ({"language": "xx"}, "language"),
        ({"channels": ["email"], "email": None}, "email"),
    ],
)
def test_each_bad_recipient_detail_is_422_with_its_field(app, client, keys, change, field):
    recipient = {"phone": PHONE, "email": EMAIL, **change}
    body = a_family(app, recipients=[recipient])
    response = client.post(URL, json=body, headers=bearer(keys.midwife))
    assert_error(response, 422, "invalid_input", field)
    assert count(app, Family) == 0


def test_what_the_schema_refuses_is_422_naming_the_field(app, client, keys):
    headers = bearer(keys.midwife)
    cases = [
        (a_family(app, due_date=20270101), "due_date"),  # a number is not a date
        (a_family(app, first_child="yes"), "first_child"),
        (a_family(app, nickname="Sam"), "nickname"),  # unknown fields are refused
        (a_family(app, recipients=[]), "recipients"),
        (a_family(app, birth_date=str(today(app))), "due_date"),  # both dates
    ]
    for body, field in cases:
        response = client.post(URL, json=body, headers=headers)
        assert_error(response, 422, "invalid_input", field)
    malformed = client.post(
        URL, content=b"{not json", headers={**headers, "Content-Type": "application/json"}
    )
    assert_error(malformed, 400, "malformed_request")
    assert count(app, Family) == 0


def test_unknown_api_paths_and_methods_answer_in_the_same_shape(app, client, keys):
    assert_error(client.get("/api/v1/nothing-here", headers=bearer(keys.midwife)), 404,
                 "not_found")
    assert_error(client.put(URL, json={}, headers=bearer(keys.midwife)), 405,
                 "method_not_allowed")
    assert client.get("/i/bestaat-niet").json() == {"detail": "unknown link"}  # not ours


def test_no_personal_data_in_any_url(app, client, keys):
    """Every operation is addressed by an opaque id; nothing else goes in a path or query."""
    spec = client.get("/openapi.json").json()
    api_paths = {p: ops for p, ops in spec["paths"].items() if p.startswith("/api/")}
    assert set(api_paths) == {URL, f"{URL}/{{enrollment_id}}"}
    for operations in api_paths.values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                assert (parameter["name"], parameter["in"]) == ("enrollment_id", "path")
    created = client.post(URL, json=a_family(app), headers=bearer(keys.midwife))
    location = created.headers["location"]
    for personal in ("0612345678", "612345678", E164, EMAIL, "Samira", a_family(app)["due_date"]):
        assert personal not in location


def test_the_openapi_document_declares_the_error_shape_and_bearer_auth(client):
    spec = client.get("/openapi.json").json()
    post = spec["paths"][URL]["post"]
    assert set(post["responses"]) >= {"201", "401", "403", "422"}
    error_ref = post["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
    assert error_ref.endswith("/ErrorBody")
    assert post["security"] == [{"HTTPBearer": []}]


def test_a_family_that_stopped_can_be_read_but_not_changed(app, client, keys):
    """The parent sent STOP: the partner sees it, and cannot switch messages back on."""
    created = client.post(URL, json=a_family(app), headers=bearer(keys.midwife)).json()
    one = f"{URL}/{created['id']}"
    with unit_of_work(app.factory) as session:
        family_changes.stop(session, session.scalars(select(Family)).one(), app.now(), "sms")
    read = client.get(one, headers=bearer(keys.midwife)).json()
    assert read["status"] == "stopped"
    assert read["recipients"][0]["consent"] == {"sms": "withdrawn", "email": "withdrawn"}
    back_on = {"recipients": [{"position": 0, "channels": ["sms", "email"]}]}
    assert_error(client.patch(one, json=back_on, headers=bearer(keys.midwife)), 409, "conflict")
    assert client.get(one, headers=bearer(keys.midwife)).json() == read
