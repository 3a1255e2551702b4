"""The SQL planner, day by day, against the pure core; and what families notice of it."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest
from conftest import make_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.family_repository import load_facts
from notifier.adapters.db.tables import Family, Message, Nudge
from notifier.bootstrap import build
from notifier.domain.planner import timeline
from notifier.services import family_changes
from notifier.services.family_changes import get_family
from notifier.services.publishing import publish
from notifier.services.ticking import tick

from .planning_support import (
    BOTH,
    EMAIL,
    SMS,
    add_child,
    count,
    enrol_family,
    family_id,
    messages,
    nudges,
    outbox,
    outbox_steps,
    recipient,
    run_days,
    wipe,
)

CHANNELS = st.sampled_from([SMS, EMAIL, BOTH])
PREFERRED = st.one_of(st.none(), st.builds(time, st.integers(6, 22), st.sampled_from([0, 30])))


@st.composite
def population(draw: st.DrawFn) -> list[dict[str, object]]:
    people = []
    for n in range(draw(st.integers(5, 15))):
        born = draw(st.booleans())
        person: dict[str, object] = {
            "recipients": [
                recipient(10 * n + i, draw(CHANNELS), at=draw(PREFERRED))
                for i in range(draw(st.integers(1, 2)))
            ],
            "first_child": draw(st.sampled_from([None, True, False])),
            "extra": draw(st.sampled_from([None, None, "twin", "sibling"])),
            "pause": draw(st.one_of(st.none(), st.integers(1, 40))),
        }
        if born:
            person["birth_ago"] = draw(st.integers(0, 200))
            person["weeks"] = draw(st.one_of(st.none(), st.integers(26, 42)))
        else:
            person["due_in"] = draw(st.integers(-28, 42 * 7))
        person["sibling_ago"] = draw(st.integers(30, 400))
        people.append(person)
    return people


def _enrol_population(app, people, start):
    ids = []
    for n, p in enumerate(people):
        birth = start - timedelta(days=p["birth_ago"]) if "birth_ago" in p else None
        due = start + timedelta(days=p["due_in"]) if "due_in" in p else None
        public_id = enrol_family(
            app, start, recipients=p["recipients"], due_date=due, birth_date=birth,
            weeks_at_birth=p.get("weeks"), child_name=f"Kind{n}", first_child=p["first_child"],
            twin_name=f"Tweeling{n}" if p["extra"] == "twin" else None,
        )
        with unit_of_work(app.factory) as session:
            family = get_family(session, public_id)
            if p["extra"] == "sibling":
                older = start - timedelta(days=p["sibling_ago"])
                add_child(family, f"Broer{n}", older, older, None, True)
            if p["pause"]:
                family_changes.pause(session, family, start + timedelta(days=p["pause"]), start)
            ids.append(family.id)
    return ids


@pytest.mark.slow  # (a real process, or a sweep of every case: full suite and CI)
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=population(), start_shift=st.integers(0, 365), hour=st.integers(0, 23))
def test_sql_planner_equals_the_pure_core_on_random_populations(
    database_url, tmp_path: Path, mini_programme, people, start_shift, hour
):
    app = build(make_settings(database_url, tmp_path / "var"))
    try:
        wipe(app)
        with unit_of_work(app.factory) as session:
            publish(session, mini_programme, "tests")
        start = date(2026, 6, 1) + timedelta(days=start_shift)
        end = start + timedelta(days=130)
        ids = _enrol_population(app, people, start)
        first_now = app.hours.local(start, time(hour, 17))
        tick(app, first_now, send=False)
        run_days(app, start + timedelta(days=1), end)

        with unit_of_work(app.factory) as session:
            facts = load_facts(session, ids)
            rows = session.scalars(select(Nudge)).all()
            sent = session.scalars(select(Message)).all()
        db_nudges = {(n.family_id, n.child_id, n.step_key):
                     (n.status, n.planned_on, n.reason) for n in rows}
        db_messages = {(m.family_id, m.child_id, m.step_key, m.recipient_id, m.channel):
                       (m.language, m.due_at, m.expires_at) for m in sent}
        expected_nudges, expected_messages = {}, {}
        for fid in ids:
            for d in timeline(mini_programme, facts[fid], start, end, hours=app.hours,
                              cap=app.cap, tick=first_now):
                expected_nudges[(fid, d.slot.lead.id, d.slot.step.key)] = (
                    d.status.value, d.planned_on, d.reason)
                for m in d.messages:
                    expected_messages[(fid, d.slot.lead.id, d.slot.step.key, m.recipient_id,
                                       m.channel.value)] = (m.language, m.due_at, m.expires_at)
        assert db_nudges == expected_nudges
        assert db_messages == expected_messages
        for m in sent:  # every message goes inside the allowed hours
            assert app.hours.allowed(m.due_at), (m.step_key, m.due_at)
    finally:
        app.engine.dispose()


def test_planning_twice_equals_planning_once(app):
    today = date(2027, 1, 4)
    enrol_family(app, today, recipients=[recipient(1, BOTH)], due_date=today + timedelta(weeks=30))
    enrol_family(app, today, recipients=[recipient(2, SMS)], birth_date=today - timedelta(days=1),
                 twin_name="Sem")
    now = app.hours.local(today, time(11, 0))
    first = tick(app, now, send=True)
    before = (count(app, Nudge), count(app, Message), len(outbox(app)))
    second = tick(app, now, send=True)
    assert first.plan.messages == 3 and before[1:] == (3, 3)
    assert second.plan.messages == 0 and second.plan.placed == 0
    assert second.sent.attempted == 0
    assert (count(app, Nudge), count(app, Message), len(outbox(app))) == before


def test_a_missed_stretch_of_days_plans_what_is_open_and_skips_what_passed(app):
    t0 = date(2027, 1, 4)
    born = family_id(app, enrol_family(app, t0, birth_date=t0))  # aangifte: t0+1 .. t0+3
    # eerste-dagen (due - 4w, window 2w) falls on t0+2
    expecting = family_id(app, enrol_family(app, t0, recipients=[recipient(2)],
                                            due_date=t0 + timedelta(weeks=4, days=2)))
    run_days(app, t0, t0)
    run_days(app, t0 + timedelta(days=4), t0 + timedelta(days=4))  # t0+1 .. t0+3 missed
    aangifte = nudges(app, born)["aangifte"]
    assert (aangifte.status, aangifte.reason) == ("skipped", "window passed")
    assert not messages(app, family_id=born)
    eerste = nudges(app, expecting)["eerste-dagen"]
    assert (eerste.status, eerste.planned_on) == ("placed", t0 + timedelta(days=4))
    assert eerste.day == t0 + timedelta(days=2)
    assert [m.step_key for m in messages(app, family_id=expecting)] == ["eerste-dagen"]


def test_a_birth_two_weeks_early_moves_birth_nudges_and_resends_nothing(app):
    t0 = date(2027, 1, 4)
    due = t0 + timedelta(weeks=5)  # eerste-dagen goes on t0+1w
    fid = family_id(app, enrol_family(app, t0, due_date=due, child_name="Noor"))
    birth = due - timedelta(weeks=2)
    run_days(app, t0, birth, at=time(12, 0), send=True)
    assert outbox_steps(app) == ["eerste-dagen"]
    with unit_of_work(app.factory) as session:
        family_changes.report_birth(session, session.get(Family, fid), birth, birth,
                                    app.hours.local(birth, time(18, 0)), weeks_at_birth=38)
    run_days(app, birth + timedelta(days=1), due + timedelta(days=100), at=time(12, 0), send=True)
    found = nudges(app, fid)
    assert found["aangifte"].day == birth + timedelta(days=1)
    assert found["aangifte"].planned_on == birth + timedelta(days=1)
    assert found["slapen"].day == date(2027, 3, 25)  # birth (25 Jan) + 2 months, not due + 2m
    assert found["slapen"].status == "placed"
    steps = outbox_steps(app)
    assert steps == ["eerste-dagen", "aangifte", "slapen"]  # each once, none twice


def test_a_birth_before_a_pregnancy_step_cancels_that_step(app):
    t0 = date(2027, 1, 4)
    due = t0 + timedelta(weeks=6)  # eerste-dagen on t0+2w
    fid = family_id(app, enrol_family(app, t0, due_date=due))
    birth = t0 + timedelta(days=3)  # born at 34+ weeks, before eerste-dagen
    run_days(app, t0, birth, at=time(12, 0), send=True)
    with unit_of_work(app.factory) as session:
        family_changes.report_birth(session, session.get(Family, fid), birth, birth,
                                    app.hours.local(birth, time(18, 0)), weeks_at_birth=34)
    run_days(app, birth + timedelta(days=1), t0 + timedelta(weeks=5), at=time(12, 0), send=True)
    eerste = nudges(app, fid)["eerste-dagen"]
    assert (eerste.status, eerste.reason) == ("cancelled", "born before this step")
    assert "eerste-dagen" not in outbox_steps(app)
    assert outbox_steps(app).count("aangifte") == 1


def test_a_loss_cancels_everything_and_sends_only_the_loss_message(app):
    t0 = date(2027, 1, 4)
    fid = family_id(app, enrol_family(app, t0, due_date=t0 + timedelta(weeks=4)))  # eerste-dagen
    run_days(app, t0, t0)  # planned at 00:05 for 10:00, not sent yet
    assert [m.status for m in messages(app)] == ["scheduled"]
    now = app.hours.local(t0, time(8, 0))
    with unit_of_work(app.factory) as session:
        cancelled = family_changes.report_loss(session, session.get(Family, fid), t0, now)
    assert cancelled == 1
    assert [(m.status, m.reason) for m in messages(app)] == [("cancelled", "loss reported")]
    result = tick(app, app.hours.local(t0, time(11, 0)), send=True)
    assert result.plan.messages == 1 and result.sent.by_status.get("delivered") == 1
    assert outbox_steps(app) == ["verlies"]
    run_days(app, t0 + timedelta(days=1), t0 + timedelta(days=60), at=time(12, 0), send=True)
    assert outbox_steps(app) == ["verlies"]
    assert [m.step_key for m in messages(app) if m.status != "cancelled"] == ["verlies"]


def test_a_birth_reported_late_does_not_resend_what_went_on_the_estimate(app):
    t0 = date(2027, 1, 4)
    due = t0 + timedelta(weeks=1)
    fid = family_id(app, enrol_family(app, t0, due_date=due))
    reported = due + timedelta(days=70)  # slapen (birth + 2m) went on the due-date estimate
    run_days(app, t0, reported, at=time(12, 0), send=True)
    assert outbox_steps(app) == ["slapen"]
    birth = due + timedelta(days=14)
    with unit_of_work(app.factory) as session:
        family_changes.report_birth(session, session.get(Family, fid), birth, reported,
                                    app.hours.local(reported, time(18, 0)), weeks_at_birth=42)
    run_days(app, reported + timedelta(days=1), reported + timedelta(days=30), at=time(12, 0),
             send=True)
    assert outbox_steps(app) == ["slapen"]
    found = nudges(app, fid)
    assert (found["aangifte"].status, found["aangifte"].reason) == (
        "skipped", "waiting for the birth to be reported")
    assert found["slapen"].planned_on == date(2027, 3, 11)
