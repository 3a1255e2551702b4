"""The preferences page from a signed link, the new-link form, and RFC 8058 one-click
unsubscribe, through HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.family_repository import sync_anchors
from notifier.adapters.db.tables import Child, Event, Family, Message
from notifier.bootstrap import App
from notifier.domain.programme import Programme
from notifier.services.preferences import unsubscribe_token
from tests.integration.parent_pages_support import (
    enrolled,
    families,
    outbox,
    parents_app,
    prefs_path,
    recipients,
    today_of,
)
from tests.integration.staff_support import client_for, csrf_of


@pytest.fixture
def app(database_url: str, tmp_path: Path, mini_programme: Programme) -> Iterator[App]:
    application = parents_app(database_url, tmp_path / "var", mini_programme)
    yield application
    application.engine.dispose()


def _family(app: App) -> Family:
    with unit_of_work(app.factory) as session:
        family = session.scalars(select(Family)).one()
        _ = family.children, family.recipients
        session.expunge_all()
        return family


def _events(app: App) -> list[str]:
    with unit_of_work(app.factory) as session:
        return list(session.scalars(select(Event.kind).order_by(Event.id)))


def test_the_page_opens_from_the_link_without_personal_data_in_it(app: App) -> None:
    path = prefs_path(app, enrolled(app))
    assert "ouder" not in path and "example" not in path
    page = client_for(app).get(path)
    assert page.status_code == 200 and '<html lang="nl">' in page.text
    assert "o***@example.org" in page.text and "ouder@example.org" not in page.text
    assert "Je berichten instellen" in page.text


def test_pause_for_four_weeks_and_until_a_date(app: App) -> None:
    client, path = client_for(app), prefs_path(app, enrolled(app))
    token = csrf_of(client.get(path).text)
    response = client.post(path + "/pauze", data={"pause": "4", "csrf_token": token})
    assert response.status_code == 303 and "klaar=pauze" in response.headers["location"]
    today = today_of(app)
    assert _family(app).paused_until == today + timedelta(weeks=4)
    shown = client.get(response.headers["location"]).text
    assert 'role="status"' in shown and "op pauze tot en met" in shown
    wrong = client.post(path + "/pauze", data={"pause": "until", "pause_until": "01-01-2001",
                                                "csrf_token": token})
    assert wrong.status_code == 400 and "Kies een datum na vandaag" in wrong.text
    assert _family(app).paused_until == today + timedelta(weeks=4)
    later = (today + timedelta(days=10)).isoformat()
    client.post(path + "/pauze", data={"pause": "until", "pause_until": later,
                                       "csrf_token": token})
    assert _family(app).paused_until == today + timedelta(days=10)


def test_report_the_birth_and_a_date_out_of_range_changes_nothing(app: App) -> None:
    client, path = client_for(app), prefs_path(app, enrolled(app))
    token = csrf_of(client.get(path).text)
    future = (today_of(app) + timedelta(days=3)).isoformat()
    wrong = client.post(path + "/geboren", data={"birth_date": future, "csrf_token": token})
    assert wrong.status_code == 400 and "De geboortedatum moet tussen" in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    assert _family(app).children[0].status == "expecting"
    day = today_of(app) - timedelta(days=2)
    done = client.post(path + "/geboren", data={"birth_date": day.strftime("%d-%m-%Y"),
                                                "weeks_at_birth": "35", "csrf_token": token})
    assert done.status_code == 303
    child = _family(app).children[0]
    assert (child.status, child.birth_date, child.weeks_at_birth) == ("born", day, 35)
    assert "Je kindje is geboren" not in client.get(path).text  # no pregnancy left to report


def test_change_the_due_date(app: App) -> None:
    client, path = client_for(app), prefs_path(app, enrolled(app))
    token = csrf_of(client.get(path).text)
    new = today_of(app) + timedelta(weeks=22)
    assert client.post(path + "/uitgerekend", data={"due_date": new.isoformat(),
                                                    "csrf_token": token}).status_code == 303
    assert _family(app).children[0].due_date == new


def test_settings_need_one_channel_and_a_language_change_shows_the_page_in_it(app: App) -> None:
    client, path = client_for(app), prefs_path(app, enrolled(app))
    token = csrf_of(client.get(path).text)
    none = client.post(path + "/instellingen", data={"language": "nl", "csrf_token": token})
    assert none.status_code == 400 and "Kies sms, e-mail of allebei" in none.text
    saved = client.post(path + "/instellingen", data={
        "channels": ["email"], "language": "en", "preferred_time": "evening",
        "csrf_token": token})
    assert saved.status_code == 303
    [person] = recipients(app)
    assert (person.language, person.preferred_time.hour) == ("en", 19)
    assert '<html lang="en">' in client.get(path).text


def test_a_new_language_and_time_apply_to_messages_not_sent_yet(
    app: App, mini_programme: Programme
) -> None:
    """A parent who switches to English in the evening gets tomorrow's planned message in
    English in the evening; what already went out stays as it was."""
    client, path = client_for(app), prefs_path(app, enrolled(app))
    family = _family(app)
    [person] = family.recipients
    tomorrow = today_of(app) + timedelta(days=1)
    morning = app.hours.slot(tomorrow, None)
    first, second = (step.key for step in mini_programme.steps[:2])
    with unit_of_work(app.factory) as session:
        for step_key, status in ((first, "scheduled"), (second, "sent")):
            session.add(Message(
                family_id=family.id, child_id=family.children[0].id, recipient_id=person.id,
                step_key=step_key, channel="email", language="nl", due_at=morning,
                expires_at=morning + timedelta(days=14), status=status))
    token = csrf_of(client.get(path).text)
    saved = client.post(path + "/instellingen", data={
        "channels": ["email"], "language": "en", "preferred_time": "evening",
        "csrf_token": token})
    assert saved.status_code == 303
    with unit_of_work(app.factory) as session:
        planned, sent = session.scalars(select(Message).order_by(Message.id)).all()
        assert planned.language == "en"
        assert planned.due_at.astimezone(app.hours.zone).hour == 19
        assert planned.due_at.astimezone(app.hours.zone).date() == tomorrow
        assert (sent.language, sent.due_at) == ("nl", morning)


def test_a_second_caregiver_is_added_with_their_own_confirmation_and_removed(app: App) -> None:
    client, path = client_for(app), prefs_path(app, enrolled(app))
    token = csrf_of(client.get(path).text)
    landline = client.post(path + "/ouder-erbij", data={
        "partner_phone": "070 345 6789", "partner_channels": ["sms"], "csrf_token": token})
    assert landline.status_code == 400 and "geen mobiel nummer" in landline.text
    added = client.post(path + "/ouder-erbij", data={
        "partner_first_name": "Sam", "partner_phone": "06 87654321",
        "partner_channels": ["sms"], "partner_language": "en", "csrf_token": token})
    assert added.status_code == 303
    partner = recipients(app)[1]
    assert partner.sms_consent == "pending" and partner.language == "en"
    assert outbox(app)[-1]["to"] == "+31687654321"
    page = client.get(path).text
    assert "Sam, +316*****321" in page
    removed = client.post(path + "/ouder-weg", data={"remove": str(partner.id),
                                                     "csrf_token": token})
    assert removed.status_code == 303
    gone = recipients(app)[1]
    assert (gone.phone, gone.sms_consent) == (None, "withdrawn")


def test_stop_everything(app: App) -> None:
    client, path = client_for(app), prefs_path(app, enrolled(app, partner_phone="0687654321"))
    token = csrf_of(client.get(path).text)
    done = client.post(path + "/stop", data={"csrf_token": token})
    assert done.status_code == 200 and "Je bent afgemeld" in done.text
    assert _family(app).status == "stopped"
    assert {r.email_consent for r in recipients(app)} <= {"withdrawn", "none"}
    assert recipients(app)[1].sms_consent == "withdrawn"


def test_a_loss_stops_everything_and_can_ask_to_keep_the_data(app: App) -> None:
    client, path = client_for(app), prefs_path(app, enrolled(app))
    careful = client.get(path + "/verlies")
    assert careful.status_code == 200 and "Wat erg" in careful.text
    assert " checked" not in careful.text
    done = client.post(path + "/verlies", data={"keep": "yes",
                                                "csrf_token": csrf_of(careful.text)})
    assert done.status_code == 200 and "Alle berichten zijn gestopt" in done.text
    family = _family(app)
    assert family.status == "lost" and family.children[0].status == "lost"
    assert "privacy.keep_after_loss" in _events(app)


def test_download_and_erase_my_data(app: App) -> None:
    client, path = client_for(app), prefs_path(app, enrolled(app))
    token = csrf_of(client.get(path).text)
    download = client.post(path + "/gegevens", data={"csrf_token": token})
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "ouder@example.org" in json.dumps(download.json())
    unsure = client.post(path + "/wissen", data={"csrf_token": token})
    assert unsure.status_code == 400 and "Zet een vinkje" in unsure.text
    assert families(app) == 1
    erased = client.post(path + "/wissen", data={"erase_confirm": "yes", "csrf_token": token})
    assert erased.status_code == 200 and "gewist" in erased.text
    assert families(app) == 0 and recipients(app) == []
    assert client.get(path).status_code == 410  # the link now leads to the new-link form


def test_a_form_without_csrf_changes_nothing(app: App) -> None:
    client, path = client_for(app), prefs_path(app, enrolled(app))
    client.get(path)
    assert client.post(path + "/stop", data={}).status_code == 403
    assert client.post(path + "/pauze", data={"pause": "2", "csrf_token": "x"}).status_code == 403
    assert _family(app).status == "active" and _family(app).paused_until is None


def _old_token(app: App, recipient_id: int, days: int) -> str:
    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - days * 86400

    serializer = URLSafeTimedSerializer(app.settings.secret_key, salt="notifier.preferences",
                                        signer=Then)
    return str(serializer.dumps({"r": recipient_id}))


def test_an_expired_link_offers_a_new_one_and_the_answer_is_neutral(app: App) -> None:
    rid = enrolled(app)
    client = client_for(app)
    still = client.get(f"/p/{_old_token(app, rid, 59)}")
    assert still.status_code == 200
    expired = client.get(f"/p/{_old_token(app, rid, 61)}")
    assert expired.status_code == 410 and "Deze link is verlopen" in expired.text
    forged = client.get("/p/forged-token")
    assert forged.status_code == 410
    known = client.post("/p", data={"contact": "Ouder@Example.org",
                                    "csrf_token": csrf_of(expired.text)})
    unknown = client.post("/p", data={"contact": "someone@example.org",
                                      "csrf_token": csrf_of(expired.text)})
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    [mail] = [m for m in outbox(app) if m["to"] == "ouder@example.org"]
    assert "/p/" in mail["text"] and mail["subject"].startswith("Je nieuwe link")
    assert client.post("/p", data={"contact": "", "csrf_token": csrf_of(expired.text)}
                       ).status_code == 400


def test_one_click_unsubscribe_works_without_login_or_csrf(app: App) -> None:
    rid = enrolled(app, phone="0612345678")
    client = client_for(app)
    token = unsubscribe_token(app.settings.secret_key, rid)
    shown = client.get(f"/u/{token}")
    assert shown.status_code == 200 and "Afmelden" in shown.text
    assert recipients(app)[0].email_consent == "confirmed"  # a GET changes nothing
    response = client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    person = recipients(app)[0]
    assert (person.email_consent, person.sms_consent) == ("withdrawn", "confirmed")
    assert client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert client.post("/u/forged", data={"List-Unsubscribe": "One-Click"}).status_code == 400
    with unit_of_work(app.factory) as session:
        how = session.scalars(select(Event.detail).where(Event.kind == "consent.withdrawn")).all()
    assert how == [{"how": "one-click unsubscribe"}]


def test_an_sms_carries_a_short_link_to_the_same_page_and_a_forged_one_leads_nowhere(
    database_url: str, tmp_path: Path, default_programme: Programme
) -> None:
    import re
    from datetime import UTC, datetime

    from notifier.domain.timing import AMSTERDAM
    from notifier.services.ticking import tick

    app = parents_app(database_url, tmp_path / "var", default_programme)
    enrolled(app, email=None, phone="+31612345678", weeks_pregnant=8)  # kraamzorg-aanmelden
    ten = datetime.combine(today_of(app), datetime.min.time().replace(hour=10), AMSTERDAM)
    tick(app, ten.astimezone(UTC), send=True)
    # the kraamzorg SMS (the "where to ask" message 'vragen' goes the same day)
    [sms] = [m for m in outbox(app) if m["channel"] == "sms" and "Kraamzorg" in str(m["text"])]
    found = re.search(r"\nWijzigen of stoppen: https://kansrijkestart\.test(/k/\S+)$", sms["text"])
    assert found, sms["text"]
    assert len(found.group(1)) < 26 and "3161234" not in found.group(1)
    client = client_for(app)
    hop = client.get(found.group(1))
    assert hop.status_code == 303 and hop.headers["location"].startswith("/p/")
    page = client.get(hop.headers["location"])
    assert page.status_code == 200 and "Je berichten instellen" in page.text
    code = found.group(1).removeprefix("/k/")
    forged = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert client.get(f"/k/{forged}").status_code == 410
    assert client.get("/k/not-a-code").status_code == 410
    app.engine.dispose()


def test_no_short_link_when_it_would_cost_another_sms_segment(app: App) -> None:
    from datetime import UTC, datetime

    from notifier.domain.segments import count_segments
    from notifier.domain.timing import AMSTERDAM
    from notifier.services.ticking import tick

    enrolled(app, email=None, phone="+31612345678", weeks_pregnant=10)  # mini: kraamzorg
    ten = datetime.combine(today_of(app), datetime.min.time().replace(hour=10), AMSTERDAM)
    tick(app, ten.astimezone(UTC), send=True)
    [sms] = [m for m in outbox(app) if m["channel"] == "sms"]
    assert "/k/" not in sms["text"] and count_segments(sms["text"]).segments == 1


def test_a_family_that_loses_one_twin_is_asked_which_and_keeps_the_other(app: App) -> None:
    rid = enrolled(app)
    with unit_of_work(app.factory) as session:
        family = session.scalars(select(Family)).one()
        first = family.children[0]
        twin = Child(family_id=family.id, due_date=first.due_date, status="expecting", name="Sem")
        sync_anchors(twin)
        session.add(twin)
    client, path = client_for(app), prefs_path(app, rid)
    careful = client.get(path + "/verlies")
    assert "Over wie gaat het?" in careful.text and "Sem: de zwangerschap" in careful.text
    assert "andere kind" in careful.text
    token = csrf_of(careful.text)
    unsure = client.post(path + "/verlies", data={"csrf_token": token})
    assert unsure.status_code == 400 and "Kies over wie het gaat" in unsure.text
    assert [c.status for c in _family(app).children] == ["expecting", "expecting"]

    done = client.post(path + "/verlies", data={"child": "2", "csrf_token": token})
    assert done.status_code == 200 and "De berichten over dit kind zijn gestopt" in done.text
    family = _family(app)
    assert family.status == "active"
    assert {c.name or "first": c.status for c in family.children} == {
        "first": "expecting", "Sem": "lost"}
    assert "loss.reported" in _events(app)
