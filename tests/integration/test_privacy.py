"""Export and erasure of one person, and the retention sweep (both databases)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.family_repository import child_facts
from notifier.adapters.db.tables import Child, Event, Family, InboundMessage, Message, Recipient
from notifier.domain.errors import InputError, NotFound
from notifier.domain.retention import programme_end
from notifier.services.confirmation import confirm_by_reply
from notifier.services.consent import withdraw
from notifier.services.privacy import erase_expired, erase_person, export_person, sweep
from notifier.services.publishing import current_programme
from notifier.services.ticking import tick
from tests.integration.parents_support import (
    OTHER_PHONE,
    PHONE,
    enrol_pending,
    parent,
    today,
)


def _confirmed(app, *recipients):
    public_id = enrol_pending(app, *recipients)
    with unit_of_work(app.factory) as session:
        for r in session.scalars(select(Recipient)):
            confirm_by_reply(session, r.phone, datetime.now(UTC))
    tick(app, datetime.now(UTC).replace(hour=10, minute=0), send=True)
    return public_id


def count(session, table):
    return session.scalar(select(func.count()).select_from(table))


def test_export_holds_everything_about_the_person_and_not_the_other_caregivers_details(app):
    public_id = _confirmed(app, parent(), parent(phone=OTHER_PHONE, name="Tom"))
    with unit_of_work(app.factory) as session:
        data = export_person(session, phone="06 12345678", now=datetime.now(UTC))
    json.dumps(data)  # JSON-ready
    [one] = data["enrolments"]
    assert one["enrollment"]["enrollment_id"] == public_id
    assert (one["you"]["phone"], one["you"]["first_name"]) == (PHONE, "Samira")
    assert one["other_caregivers"] == 1 and OTHER_PHONE not in json.dumps(data)
    assert one["children"][0]["due_date"] == (today() + timedelta(weeks=28)).isoformat()
    assert [e["kind"] for e in one["consent_log"]][:2] == ["consent.given", "consent.confirmed"]
    steps = [m["step"] for m in one["messages"]]
    assert sorted(steps) == ["confirm", "kraamzorg"]
    with unit_of_work(app.factory) as session, pytest.raises(NotFound):
        export_person(session, email="niemand@example.nl", now=datetime.now(UTC))
    with unit_of_work(app.factory) as session, pytest.raises(InputError):
        export_person(session, phone="06 123", now=datetime.now(UTC))


def test_erasure_removes_personal_data_and_keeps_statistics_without_identity(app):
    _confirmed(app)
    with unit_of_work(app.factory) as session:
        sent = session.scalars(select(Message).order_by(Message.id)).all()
        before = [(m.step_key, m.channel, m.status, m.sent_at) for m in sent]
        session.add(InboundMessage(recipient_id=sent[0].recipient_id, from_phone=PHONE,
                                   command="unknown", language="nl", body="help"))
    with unit_of_work(app.factory) as session:
        erased = erase_person(session, phone=PHONE, now=datetime.now(UTC), source="staff")
    assert (erased.families, erased.recipients) == (1, 1)
    with unit_of_work(app.factory) as session:
        assert [count(session, t) for t in (Family, Recipient, Child, InboundMessage)] == [0] * 4
        kept = session.scalars(select(Message).order_by(Message.id)).all()
        assert [(m.step_key, m.channel, m.status, m.sent_at) for m in kept] == before
        assert {(m.recipient_id, m.family_id, m.child_id, m.body, m.provider_ref)
                for m in kept} == {(None, None, None, None, None)}
        events = session.scalars(select(Event)).all()
        assert {(e.family_id, e.recipient_id, e.actor) for e in events} == {(None, None, None)}
        assert all(e.detail in ({}, {"reason": "asked by the person"}) for e in events)
        assert "family.erased" in {e.kind for e in events}
    with unit_of_work(app.factory) as session, pytest.raises(NotFound):
        erase_person(session, phone=PHONE, now=datetime.now(UTC))


def test_erasing_one_caregiver_leaves_the_family_to_the_other(app):
    _confirmed(app, parent(), parent(phone=OTHER_PHONE, name="Tom"))
    with unit_of_work(app.factory) as session:
        erase_person(session, phone=OTHER_PHONE, now=datetime.now(UTC))
    with unit_of_work(app.factory) as session:
        [left] = session.scalars(select(Recipient)).all()
        assert left.phone == PHONE
        assert session.scalars(select(Family.status)).one() == "active"


def test_retention_erases_a_family_three_months_after_it_stopped(app):
    _confirmed(app)
    now = datetime.now(UTC)
    with unit_of_work(app.factory) as session:
        withdraw(session, session.scalars(select(Recipient)).one(), "sms", now, "sms", "STOP")
    with unit_of_work(app.factory) as session:
        _, programme = current_programme(session)
        assert session.scalars(select(Family.status)).one() == "stopped"
        assert erase_expired(session, programme, now + timedelta(days=60),
                             today() + timedelta(days=60)).families == 0
        later = now + timedelta(days=93)
        assert erase_expired(session, programme, later, today() + timedelta(days=93)).families == 1
        assert count(session, Family) == 0


def test_retention_erases_a_family_three_months_after_its_programme_ended(app):
    _confirmed(app)
    with unit_of_work(app.factory) as session:
        _, programme = current_programme(session)
        child = child_facts(session.scalars(select(Child)).one())
        end = programme_end(programme, child)  # the last day a step may still go
        now = datetime.now(UTC)
        assert sweep(session, programme, now, end + timedelta(days=80)).expired.families == 0
        report = sweep(session, programme, now, end + timedelta(days=96))  # 3 months, + slack
        assert report.expired.families == 1


def test_sms_replies_lose_text_and_number_after_30_days(app):
    _confirmed(app)
    now = datetime.now(UTC)
    with unit_of_work(app.factory) as session:
        session.add(InboundMessage(from_phone=PHONE, command="unknown", language="nl",
                                   body="hulp", received_at=now - timedelta(days=31)))
        session.add(InboundMessage(from_phone=PHONE, command="unknown", language="nl",
                                   body="nog een", received_at=now - timedelta(days=1)))
    with unit_of_work(app.factory) as session:
        _, programme = current_programme(session)
        assert sweep(session, programme, now, today()).replies_cleared == 1
        kept = session.scalars(select(InboundMessage.body).order_by(InboundMessage.id)).all()
        assert kept == [None, "nog een"]


@pytest.mark.parametrize("keep", [False, True])
def test_after_a_loss_data_goes_after_the_grace_period_unless_the_family_asked_to_keep_it(
    app, keep
):
    from notifier.services.family_changes import report_loss
    from notifier.services.privacy import KEEP_AFTER_LOSS

    _confirmed(app)
    now = datetime.now(UTC)
    with unit_of_work(app.factory) as session:
        family = session.scalars(select(Family)).one()
        report_loss(session, family, today(), now)
        if keep:
            session.add(Event(family_id=family.id, kind=KEEP_AFTER_LOSS, source="web"))
    with unit_of_work(app.factory) as session:
        _, programme = current_programme(session)
        end = programme_end(programme, child_facts(session.scalars(select(Child)).one()))
        report = sweep(session, programme, now, end + timedelta(days=96))
        assert report.expired.families == (0 if keep else 1)
        if keep:  # kept, but not for ever: two years after the loss it goes
            later = today() + timedelta(days=2 * 366)
            assert sweep(session, programme, now, later).expired.families == 1
