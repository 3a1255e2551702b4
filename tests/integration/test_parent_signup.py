"""The sign-up page and the web side of double opt-in, through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Event
from notifier.bootstrap import App
from notifier.domain.programme import Programme
from tests.integration.parent_pages_support import (
    code_in,
    families,
    form,
    link_in,
    outbox,
    parents_app,
    post_form,
    recipients,
    today_of,
)
from tests.integration.staff_support import client_for, csrf_of


@pytest.fixture
def app(database_url: str, tmp_path: Path, mini_programme: Programme) -> Iterator[App]:
    application = parents_app(database_url, tmp_path / "var", mini_programme)
    yield application
    application.engine.dispose()


def test_the_page_is_dutch_with_an_english_twin_and_signup_leads_to_it(app: App) -> None:
    client = client_for(app)
    assert client.get("/signup").headers["location"] == "/aanmelden"
    dutch = client.get("/aanmelden")
    assert dutch.status_code == 200
    assert '<html lang="nl">' in dutch.text
    assert 'href="/en/signup"' in dutch.text
    english = client.get("/en/signup")
    assert '<html lang="en">' in english.text and "Sign up for Kansrijke Start" in english.text
    assert "at most 3 messages a week" in english.text


def test_no_box_is_ticked_and_a_real_sample_of_three_messages_is_shown(app: App) -> None:
    html = client_for(app).get("/aanmelden").text
    assert " checked" not in html
    samples = re.findall(r'<p class="sms">(.*?)</p>', html, re.S)
    assert len(samples) == 3
    assert all(s.strip() for s in samples)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"phone": "12345"}, "phone", "geen goed telefoonnummer"),
        ({"phone": "070 345 6789"}, "phone", "geen mobiel nummer"),
        ({"phone": "+44 7911 123456"}, "phone", "Nederlands mobiel nummer"),
        ({"channels": []}, "channels", "Kies sms, e-mail of allebei"),
        ({"channels": ["email"]}, "email", "hebben we een e-mailadres nodig"),
        ({"email": "nope", "channels": ["sms", "email"]}, "email", "geen goed e-mailadres"),
        ({"agree": ""}, "agree", "Zet een vinkje"),
        ({"due_date": ""}, "due_date", "Vul de uitgerekende datum of de geboortedatum in"),
        ({"due_date": "31-02-2027"}, "due_date", "Dit is geen datum"),
    ],
)
def test_a_wrong_field_is_named_next_to_itself_and_nothing_is_stored(
    app: App, changes: dict[str, object], field: str, words: str
) -> None:
    client = client_for(app)
    response = post_form(client, "/aanmelden", form(app, **changes))
    assert response.status_code == 400
    html = response.text
    assert 'role="alert"' in html and words in html
    assert f'id="{field}-error"' in html
    assert "<title>Fout:" in html
    assert families(app) == 0 and outbox(app) == []


def test_a_due_date_out_of_range_says_which_dates_are_allowed(app: App) -> None:
    today = today_of(app)
    far = (today + timedelta(weeks=50)).isoformat()
    response = post_form(client_for(app), "/en/signup", form(app, due_date=far))
    assert response.status_code == 400
    assert "The due date must be between" in response.text
    assert 'id="due_date" name="due_date" type="date" value="' + far in response.text
    assert 'aria-invalid="true"' in response.text
    born_future = (today + timedelta(days=2)).isoformat()
    response = post_form(client_for(app), "/en/signup",
                         form(app, due_date="", birth_date=born_future))
    assert "The date of birth must be between" in response.text
    assert families(app) == 0


def test_the_form_keeps_what_was_typed_after_an_error(app: App) -> None:
    response = post_form(client_for(app), "/aanmelden",
                         form(app, phone="12345", first_name="Fatima", channels=["sms"]))
    assert 'value="Fatima"' in response.text
    assert 'value="sms" checked' in response.text


def test_a_form_without_its_csrf_token_is_refused_and_stores_nothing(app: App) -> None:
    client = client_for(app)
    client.get("/aanmelden")
    response = client.post("/aanmelden", data=form(app))
    assert response.status_code == 403
    assert "verlopen" in response.text
    forged = client.post("/aanmelden", data={**form(app), "csrf_token": "forged"})
    assert forged.status_code == 403
    assert families(app) == 0


def test_a_valid_sign_up_is_stored_unconfirmed_and_sends_a_code(app: App) -> None:
    client = client_for(app)
    response = post_form(client, "/aanmelden", form(app))
    assert response.status_code == 303
    assert response.headers["location"] == "/aanmelden/verstuurd"
    sent = client.get("/aanmelden/verstuurd")
    assert "Kijk op je telefoon" in sent.text
    [person] = recipients(app)
    assert person.phone == "+31612345678" and person.sms_consent == "pending"
    [sms] = outbox(app)
    assert sms["to"] == "+31612345678" and re.search(r"\d{6}", sms["text"])


def test_already_enrolled_looks_exactly_like_new(app: App) -> None:
    first = post_form(client_for(app), "/aanmelden", form(app))
    again = post_form(client_for(app), "/aanmelden", form(app))
    assert (first.status_code, first.headers["location"]) == (
        again.status_code,
        again.headers["location"],
    )
    assert families(app) == 1


def test_the_code_from_the_sms_confirms_on_the_code_page(app: App) -> None:
    client = client_for(app)
    post_form(client, "/en/signup", form(app, language="en"))
    code = code_in(outbox(app)[0]["text"])
    wrong = post_form(client, "/en/confirm", {"phone": "0612345678", "code": "000000"})
    assert wrong.status_code == 400 and "not right" in wrong.text
    bad = post_form(client, "/en/confirm", {"phone": "0612345678", "code": "12"})
    assert bad.status_code == 400 and "6 digits" in bad.text
    assert recipients(app)[0].sms_consent == "pending"
    right = post_form(client, "/en/confirm", {"phone": "06 1234 5678", "code": code})
    assert right.status_code == 200 and "Your sign-up is confirmed" in right.text
    assert recipients(app)[0].sms_consent == "confirmed"


def test_the_email_link_shows_a_button_and_only_the_post_confirms(app: App) -> None:
    client = client_for(app)
    post_form(client, "/aanmelden",
              form(app, phone="", email="ouder@example.org", channels=["email"]))
    path = link_in(outbox(app)[0]["text"], "/bevestig/")
    shown = client.get(path)
    assert shown.status_code == 200 and "Ja, ik bevestig" in shown.text
    assert recipients(app)[0].email_consent == "pending"  # a mail scanner's GET changes nothing
    done = client.post(path, data={"csrf_token": csrf_of(shown.text)})
    assert done.status_code == 200 and "bevestigd" in done.text
    assert recipients(app)[0].email_consent == "confirmed"
    again = client.post(path, data={"csrf_token": csrf_of(shown.text)})
    assert "al bevestigd" in again.text
    with unit_of_work(app.factory) as session:
        kinds = session.scalars(select(Event.kind).order_by(Event.id)).all()
    assert kinds == ["consent.given", "consent.confirmed"]


def test_a_broken_confirmation_link_says_what_to_do(app: App) -> None:
    client = client_for(app)
    shown = client.get("/bevestig/not-a-token")
    response = client.post("/bevestig/not-a-token", data={"csrf_token": csrf_of(shown.text)})
    assert response.status_code == 400 and "Meld je opnieuw aan" in response.text


def test_a_second_caregiver_gets_their_own_confirmation(app: App) -> None:
    data = form(app, partner_first_name="Youssef", partner_phone="06 87654321",
                partner_channels=["sms"], partner_language="en")
    assert post_form(client_for(app), "/aanmelden", data).status_code == 303
    people = recipients(app)
    assert [p.phone for p in people] == ["+31612345678", "+31687654321"]
    assert [m["language"] for m in outbox(app)] == ["nl", "en"]


def test_an_english_speaking_parent_gets_the_english_confirmation_page(app: App) -> None:
    client = client_for(app)
    post_form(client, "/en/signup",
              form(app, phone="", email="parent@example.org", channels=["email"], language="en"))
    path = link_in(outbox(app)[0]["text"], "/en/confirm/")
    shown = client.get(path)
    assert shown.status_code == 200 and 'lang="en"' in shown.text
    done = client.post(path, data={"csrf_token": csrf_of(shown.text)})
    assert done.status_code == 200 and recipients(app)[0].email_consent == "confirmed"
