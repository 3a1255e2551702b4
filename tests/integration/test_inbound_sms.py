"""SMS keywords on the signed inbound webhook, answered with TwiML in the recipient's language.
Signed the way Twilio signs (the official RequestValidator), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Child, Event, Family, InboundMessage, Message, Recipient
from notifier.bootstrap import build
from notifier.entrypoints.web.app import create_app
from tests.integration.parents_support import (
    AUTH_TOKEN,
    OTHER_PHONE,
    PHONE,
    enrol_pending,
    parent,
    signed,
    today,
)

PATH = "/webhooks/twilio/inbound"


@pytest.fixture
def web(app):
    signed_app = build(app.settings.model_copy(update={"twilio_auth_token": AUTH_TOKEN}))
    yield signed_app, TestClient(create_app(signed_app))
    signed_app.engine.dispose()


def post(web, body, phone=PHONE, sid=None):
    """One signed delivery of an inbound SMS (Twilio gives every message its own sid)."""
    app, client = web
    sid = sid or "SM" + uuid.uuid4().hex
    params = {"From": phone, "To": "+3197010000000", "Body": body, "MessageSid": sid}
    response = client.post(PATH, data=params, headers=signed(app, PATH, params))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return [m.text or "" for m in ElementTree.fromstring(response.text).iter("Message")]


def send(web, body, phone=PHONE):
    [answer] = post(web, body, phone)
    return answer


def confirmed_family(web, language="nl", **kw):
    app, _ = web
    public_id = enrol_pending(app, parent(language=language), **kw)
    send(web, "JA")
    return public_id


def state(web):
    app, _ = web
    with unit_of_work(app.factory) as session:
        family = session.scalars(select(Family)).one()
        r = session.scalars(select(Recipient).where(Recipient.phone == PHONE)).one()
        child = session.scalars(select(Child)).one()
        return family, r, child


def test_ja_confirms_and_stop_stops_all_sms_to_the_number_at_once_with_one_answer(web):
    app, _ = web
    enrol_pending(app, parent())
    enrol_pending(app, parent(), due_in_weeks=30)  # the same number in a second enrolment
    assert "bevestigd" in send(web, "ja")
    with unit_of_work(app.factory) as session:
        assert set(session.scalars(select(Recipient.sms_consent))) == {"confirmed"}
    answer = send(web, "Stoppen!")
    assert "afgemeld" in answer and "START" in answer
    with unit_of_work(app.factory) as session:
        assert set(session.scalars(select(Recipient.sms_consent))) == {"withdrawn"}
        assert set(session.scalars(select(Family.status))) == {"stopped"}
        sources = [(e.kind, e.source, e.detail) for e in session.scalars(
            select(Event).where(Event.kind == "consent.withdrawn"))]
        assert sources == [("consent.withdrawn", "sms", {"how": "STOP"})] * 2
    assert "afgemeld" in send(web, "AFMELDEN"), "a second STOP gets the same answer"


@pytest.mark.parametrize("word", ["START", "aanmelden"])
def test_start_resumes_a_recipient_who_stopped(web, word):
    confirmed_family(web)
    send(web, "STOP")
    assert "Welkom terug" in send(web, word)
    family, r, _ = state(web)
    assert (family.status, family.ended_at, r.sms_consent) == ("active", None, "confirmed")
    assert "al sms" in send(web, word), "nothing to resume the second time"


@pytest.mark.parametrize("word", ["HELP", "hulp", "Info"])
def test_help_says_what_this_is_and_how_to_stop(web, word):
    confirmed_family(web)
    answer = send(web, word)
    assert "0800 285 40 70" in answer and "STOP" in answer


def test_the_answer_is_in_the_recipients_language(web):
    confirmed_family(web, language="en")
    assert "Send STOP" in send(web, "hulp")
    assert "paused until" in send(web, "PAUZE")


@pytest.mark.parametrize("word", ["PAUZE", "pause"])
def test_pause_pauses_four_weeks(web, word):
    confirmed_family(web)
    answer = send(web, word)
    family, _, _ = state(web)
    assert family.paused_until == today() + timedelta(weeks=4)
    assert family.paused_until.strftime("%d-%m-%Y") in answer


@pytest.mark.parametrize("word", ["GEBOREN", "born"])
def test_born_reports_the_birth(web, word):
    confirmed_family(web)
    day = today() - timedelta(days=2)
    answer = send(web, f"{word} {day:%d-%m-%Y}")
    assert day.strftime("%d-%m-%Y") in answer
    _, _, child = state(web)
    assert (child.status, child.birth_date) == ("born", day)


@pytest.mark.parametrize("word", ["UITGEREKEND", "Due"])
def test_due_changes_the_due_date(web, word):
    confirmed_family(web)
    day = today() + timedelta(weeks=25)
    send(web, f"{word} {day:%d/%m/%Y}")
    _, _, child = state(web)
    assert child.due_date == day


def test_bad_dates_get_a_clear_answer_and_change_nothing(web):
    app, _ = web
    confirmed_family(web)
    yesterday = f"{today() - timedelta(days=1):%d-%m-%Y}"
    assert f"GEBOREN {yesterday}" in send(web, "geboren gisteren")  # an example that would work
    future = today() + timedelta(days=10)
    refused = send(web, f"GEBOREN {future:%d-%m-%Y}")
    assert "toekomst" in refused and f"GEBOREN {yesterday}" in refused
    assert "42 weken" in send(web, "UITGEREKEND 01-01-2099")
    _, _, child = state(web)
    assert child.status == "expecting" and child.due_date == today() + timedelta(weeks=28)
    with unit_of_work(app.factory) as session:
        kept = session.scalars(select(InboundMessage.command)).all()
    assert kept == ["bad_date"], "an unreadable date is kept for staff; a refused one is not"


def test_unknown_text_gets_help_and_is_kept_for_staff(web):
    app, _ = web
    confirmed_family(web)
    answer = send(web, "Mijn baby huilt de hele nacht, wat moet ik doen?")
    assert "0800 285 40 70" in answer
    with unit_of_work(app.factory) as session:
        kept = session.scalars(select(InboundMessage)).one()
        assert kept.body == "Mijn baby huilt de hele nacht, wat moet ik doen?"
        assert (kept.command, kept.from_phone, kept.read_at) == ("unknown", PHONE, None)


def test_an_unknown_number_changes_nothing_and_gets_a_generic_answer(web):
    app, _ = web
    confirmed_family(web)
    before = state(web)
    assert "not signed up" in send(web, "STOP", phone=OTHER_PHONE)  # the keyword's language
    for body in ("STOPPEN", "GEBOREN 01-01-2026", "JA", "hallo?"):
        assert "niet bij ons aangemeld" in send(web, body, phone=OTHER_PHONE)
    after = state(web)
    assert [(f.status, r.sms_consent, c.status) for f, r, c in (before, after)] == [
        ("active", "confirmed", "expecting")] * 2
    with unit_of_work(app.factory) as session:
        assert session.scalars(select(InboundMessage)).all() == []


def test_a_forged_or_unsigned_request_gets_403_and_changes_nothing(web):
    app, client = web
    confirmed_family(web)
    params = {"From": PHONE, "Body": "STOP", "MessageSid": "SM" + "2" * 32}
    good = signed(app, PATH, params)
    forged = [
        client.post(PATH, data=params),
        client.post(PATH, data=params, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}),
        client.post(PATH, data={**params, "From": OTHER_PHONE}, headers=good),  # tampered
        client.post(PATH + "?x=1", data=params, headers=good),  # another URL
    ]
    assert [r.status_code for r in forged] == [403] * 4
    _, r, _ = state(web)
    assert r.sms_consent == "confirmed"
    with unit_of_work(app.factory) as session:
        assert session.scalars(select(Event).where(Event.kind == "consent.withdrawn")).all() == []
        assert session.scalars(select(Message).where(Message.status == "suppressed")).all() == []


@pytest.mark.parametrize("body", ["STOP", "hallo, wanneer komt de verpleegkundige?"])
def test_a_replayed_inbound_sms_is_handled_once_and_answered_once(web, body):
    """Twilio retries a webhook it thinks failed: the same signed MessageSid arrives twice."""
    app, _ = web
    confirmed_family(web)
    sid = "SM" + "7" * 32
    first = post(web, body, sid=sid)
    again = post(web, body, sid=sid)
    assert len(first) == 1 and first[0]
    assert again == [], "the second delivery answers nothing: the parent gets one reply"
    with unit_of_work(app.factory) as session:
        withdrawn = session.scalars(select(Event).where(Event.kind == "consent.withdrawn")).all()
        kept = session.scalars(select(InboundMessage)).all()
    if body == "STOP":
        assert len(withdrawn) == 1 and kept == []
    else:
        assert withdrawn == [] and len(kept) == 1 and kept[0].provider_ref == sid
    assert post(web, body)[0], "another message (another sid) is handled as usual"


def test_the_kept_message_sids_go_after_30_days(web):
    from datetime import UTC, datetime

    from notifier.adapters.db.tables import InboundReceipt
    from notifier.services.privacy import remove_old_replies

    app, _ = web
    confirmed_family(web)
    with unit_of_work(app.factory) as session:
        assert len(session.scalars(select(InboundReceipt)).all()) == 1
        remove_old_replies(session, datetime.now(UTC) + timedelta(days=29))
        assert len(session.scalars(select(InboundReceipt)).all()) == 1
        remove_old_replies(session, datetime.now(UTC) + timedelta(days=31))
        assert session.scalars(select(InboundReceipt)).all() == []
