"""When families hear from us: pause and stop, quiet hours and DST, the weekly cap, twins."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Event, Family, Nudge, Recipient
from notifier.services import family_changes
from notifier.services.ticking import tick

from .planning_support import (
    BOTH,
    SMS,
    enrol_family,
    family_id,
    local,
    messages,
    nudges,
    outbox,
    outbox_steps,
    recipient,
    run_days,
)

T0 = date(2027, 1, 4)


def test_a_message_whose_window_closes_during_the_pause_is_suppressed(app):
    fid = family_id(app, enrol_family(app, T0, due_date=T0 + timedelta(weeks=4)))
    run_days(app, T0, T0)  # eerste-dagen planned; its window closes on T0 + 13
    with unit_of_work(app.factory) as session:
        family_changes.pause(session, session.get(Family, fid), T0 + timedelta(days=20), T0)
    run_days(app, T0, T0 + timedelta(days=21), at=time(12, 0), send=True)
    assert outbox(app) == []
    assert [(m.status, m.reason) for m in messages(app, family_id=fid)] == [
        ("suppressed", "paused")]


def test_nothing_is_sent_while_paused_and_deferred_steps_follow_the_pause(app):
    # A: eerste-dagen planned at 00:05 for 10:00, then the family pauses before it goes
    a = family_id(app, enrol_family(app, T0, due_date=T0 + timedelta(weeks=4)))
    # B: paused from the start; its eerste-dagen (on T0+1, window 2w) waits for the pause
    b = family_id(app, enrol_family(app, T0, recipients=[recipient(2)],
                                    due_date=T0 + timedelta(weeks=4, days=1)))
    until = T0 + timedelta(days=5)
    with unit_of_work(app.factory) as session:
        family_changes.pause(session, session.get(Family, b), until, T0)
    run_days(app, T0, T0)
    with unit_of_work(app.factory) as session:
        family_changes.pause(session, session.get(Family, a), until, T0)
    run_days(app, T0, until, at=time(12, 0), send=True)
    assert outbox(app) == []
    assert [(m.status, m.reason) for m in messages(app, family_id=a)] == [
        ("scheduled", "waiting for the pause to end")]  # its window is still open after it
    assert (nudges(app, b)["eerste-dagen"].status, nudges(app, b)["eerste-dagen"].reason) == (
        "deferred", "paused")
    run_days(app, until + timedelta(days=1), until + timedelta(days=1), at=time(12, 0), send=True)
    assert sorted(m.family_id for m in messages(app, status="delivered")) == sorted([a, b])
    assert nudges(app, b)["eerste-dagen"].planned_on == until + timedelta(days=1)


def test_stop_withdraws_consent_and_cancels_what_was_scheduled(app):
    fid = family_id(app, enrol_family(app, T0, recipients=[recipient(1, BOTH), recipient(2)],
                                      due_date=T0 + timedelta(weeks=30)))  # kraamzorg today
    run_days(app, T0, T0)
    assert sorted(m.status for m in messages(app)) == ["scheduled"] * 3
    with unit_of_work(app.factory) as session:
        cancelled = family_changes.stop(session, session.get(Family, fid),
                                        app.hours.local(T0, time(8, 0)))
    assert cancelled == 3
    assert {(m.status, m.reason) for m in messages(app)} == {("cancelled", "stopped by the family")}
    with unit_of_work(app.factory) as session:
        events = session.scalars(select(Event).where(Event.kind == "consent.withdrawn")).all()
        recipients = session.scalars(select(Recipient)).all()
        assert sorted((e.recipient_id, e.channel) for e in events) == sorted(
            [(r.id, c) for r in recipients for c in r.channels.split(",")])
        assert {(r.sms_consent, r.email_consent) for r in recipients} == {
            ("withdrawn", "withdrawn"), ("withdrawn", "none")}
    run_days(app, T0, T0 + timedelta(weeks=25), at=time(12, 0), send=True)
    assert outbox(app) == [] and len(messages(app)) == 3


def test_a_tick_at_night_plans_for_the_morning_and_sends_nothing_at_night(app):
    enrol_family(app, T0, due_date=T0 + timedelta(weeks=4),  # eerste-dagen today, window 2w
                 recipients=[recipient(1, at=time(7, 0)), recipient(2, at=time(22, 0)),
                             recipient(3)])
    night = app.hours.local(T0, time(23, 0))
    result = tick(app, night, send=True)
    assert result.plan.messages == 3 and result.sent.attempted == 0 and outbox(app) == []
    due = sorted(local(app, m.due_at) for m in messages(app))
    tomorrow = T0 + timedelta(days=1)
    assert [(d.date(), d.time()) for d in due] == [
        (tomorrow, time(9, 0)), (tomorrow, time(10, 0)), (tomorrow, time(20, 0))]
    assert tick(app, app.hours.local(tomorrow, time(8, 59)), send=True).sent.attempted == 0
    assert tick(app, app.hours.local(tomorrow, time(10, 0)), send=True).sent.attempted == 2
    assert tick(app, app.hours.local(tomorrow, time(20, 0)), send=True).sent.attempted == 1
    assert len(outbox(app)) == 3


@pytest.mark.parametrize(("switch", "before", "after"), [
    (date(2027, 3, 28), "+01:00", "+02:00"),  # summer time starts
    (date(2026, 10, 25), "+02:00", "+01:00"),  # summer time ends
])
def test_families_due_in_the_dst_week_get_their_message_at_ten_local(app, switch, before, after):
    monday = switch - timedelta(days=6)
    days = [monday + timedelta(days=i) for i in range(7)]
    for n, day in enumerate(days):  # kraamzorg (due - 30w) falls on each day of the week
        enrol_family(app, monday, recipients=[recipient(n, BOTH)],
                     due_date=day + timedelta(weeks=30))
    run_days(app, monday, days[-1])
    for day in days:
        run_days(app, day, day, at=time(10, 0), send=True)
    sent = messages(app)
    assert len(sent) == 14 and {m.status for m in sent} == {"delivered"}
    for m in sent:
        at = local(app, m.due_at)
        assert at.time() == time(10, 0)
        assert at.isoformat().endswith(before if at.date() < switch else after)
        assert local(app, m.sent_at) == at


def test_the_weekly_cap_moves_normal_steps_and_never_a_deadline(app):
    # birth 1 Dec: oefenhapjes 1 Apr, veilig-huis 2 Apr, tandjes 3 Apr, peuterspeelzaal
    # (deadline) 4 Apr: four nudges inside one week, cap 3 per 7 days
    start = date(2027, 3, 1)
    fid = family_id(app, enrol_family(app, date(2027, 1, 4), birth_date=date(2026, 12, 1)))
    run_days(app, start, date(2027, 4, 30), at=time(12, 0), send=True)
    found = nudges(app, fid)
    cluster = ["oefenhapjes", "veilig-huis", "tandjes", "peuterspeelzaal"]
    assert {k: found[k].status for k in cluster} == dict.fromkeys(cluster, "placed")
    assert found["peuterspeelzaal"].planned_on == found["peuterspeelzaal"].day == date(2027, 4, 4)
    assert found["tandjes"].day == date(2027, 4, 3)
    assert found["tandjes"].planned_on == date(2027, 4, 8)  # moved, still inside its window
    days = sorted(local(app, m.sent_at).date() for m in messages(app, family_id=fid))
    for first in days:
        assert sum(first <= d < first + timedelta(days=7) for d in days) <= 3
    assert sorted(outbox_steps(app)) == sorted(cluster)


def test_twins_share_one_message_per_recipient_naming_both(app):
    fid = family_id(app, enrol_family(
        app, T0, recipients=[recipient(1, SMS, "Samira"), recipient(2, BOTH, "Joost")],
        birth_date=T0 - timedelta(days=1), child_name="Noor", twin_name="Sem"))
    run_days(app, T0, T0, at=time(11, 0), send=True)
    sent = messages(app, family_id=fid)
    assert [(m.step_key, m.channel) for m in sent] == [("aangifte", "sms")] * 2
    assert len({m.recipient_id for m in sent}) == 2
    with unit_of_work(app.factory) as session:
        rows = session.scalars(select(Nudge).where(Nudge.family_id == fid)).all()
    assert {n.child_id for n in rows} == {sent[0].child_id}  # one nudge per step, not per child
    assert [n.step_key for n in rows].count("aangifte") == 1
    texts = sorted(r["text"] for r in outbox(app))
    assert len(texts) == 2 and all("aangifte voor Noor en Sem" in t for t in texts)
    assert texts[0].startswith("Hoi Joost,") and texts[1].startswith("Hoi Samira,")


def test_the_birth_of_expected_twins_is_one_birth_for_both(app):
    due = T0 + timedelta(weeks=5)
    fid = family_id(app, enrol_family(app, T0, due_date=due, child_name="Noor", twin_name="Sem"))
    birth = due - timedelta(weeks=2)
    run_days(app, T0, birth, at=time(12, 0), send=True)
    with unit_of_work(app.factory) as session:
        family_changes.report_birth(session, session.get(Family, fid), birth, birth,
                                    app.hours.local(birth, time(18, 0)), weeks_at_birth=38)
    run_days(app, birth + timedelta(days=1), due + timedelta(weeks=10), at=time(12, 0), send=True)
    with unit_of_work(app.factory) as session:
        children = session.get(Family, fid).children
        assert [(c.status, c.birth_date) for c in children] == [("born", birth)] * 2
    assert outbox_steps(app) == ["eerste-dagen", "aangifte", "slapen"]
    assert all("Noor en Sem" in r["text"] for r in outbox(app))


def test_a_new_due_date_moves_both_expected_twins(app):
    due = T0 + timedelta(weeks=5)
    fid = family_id(app, enrol_family(app, T0, due_date=due, child_name="Noor", twin_name="Sem"))
    run_days(app, T0, T0)
    new_due = due + timedelta(weeks=2)  # eerste-dagen moves from T0+1w to T0+3w
    with unit_of_work(app.factory) as session:
        family_changes.change_due_date(session, session.get(Family, fid), new_due, T0,
                                       app.hours.local(T0, time(8, 0)))
    run_days(app, T0, T0 + timedelta(weeks=4), at=time(12, 0), send=True)
    with unit_of_work(app.factory) as session:
        assert [c.due_date for c in session.get(Family, fid).children] == [new_due] * 2
    assert outbox_steps(app) == ["eerste-dagen"]
    assert "Noor en Sem" in outbox(app)[0]["text"]
    assert nudges(app, fid)["eerste-dagen"].planned_on == new_due - timedelta(weeks=4)



def test_an_evening_message_planned_with_a_margin_still_goes_when_the_drain_runs_late(app):
    enrol_family(app, T0, due_date=T0 + timedelta(weeks=4),
                 recipients=[recipient(1, at=time(22, 0))])
    run_days(app, T0, T0)  # asked for 22:00: planned for 20:00, half an hour before the end
    [planned] = messages(app)
    assert local(app, planned.due_at).time() == time(20, 0)
    late_worker = app.hours.local(T0, time(20, 29, 40))  # a backlog of half an hour
    assert tick(app, late_worker, send=True).sent.by_status == {"delivered": 1}
    assert len(outbox(app)) == 1


def test_a_message_missed_by_the_end_of_the_allowed_hours_waits_for_the_next_slot(app):
    enrol_family(app, T0, due_date=T0 + timedelta(weeks=4),
                 recipients=[recipient(1, at=time(22, 0))])
    run_days(app, T0, T0)
    too_late = app.hours.local(T0, time(20, 31))
    assert tick(app, too_late, send=True).sent.by_status == {"waiting for allowed hours": 1}
    assert outbox(app) == []
    [waiting] = messages(app)
    due = local(app, waiting.due_at)
    assert (due.date(), due.time()) == (T0 + timedelta(days=1), time(20, 0))


def test_a_lost_twin_gets_the_loss_message_and_the_other_twin_the_rest_without_its_name(app):
    due = T0 + timedelta(weeks=12)
    fid = family_id(app, enrol_family(app, T0, due_date=due, child_name="Noor", twin_name="Sem"))
    lost_on = T0 + timedelta(days=2)
    run_days(app, T0, lost_on - timedelta(days=1), at=time(12, 0), send=True)
    with unit_of_work(app.factory) as session:
        family = session.get(Family, fid)
        sem = next(c for c in family.children if c.name == "Sem")
        family_changes.report_loss(session, family, lost_on, app.hours.local(lost_on, time(9, 0)),
                                   child_id=sem.id)
    run_days(app, lost_on, due - timedelta(days=1), at=time(12, 0), send=True)
    with unit_of_work(app.factory) as session:  # Noor is born on the due date
        family_changes.report_birth(session, session.get(Family, fid), due, due,
                                    app.hours.local(due, time(8, 0)))
    run_days(app, due, due + timedelta(weeks=10), at=time(12, 0), send=True)
    with unit_of_work(app.factory) as session:
        family = session.get(Family, fid)
        assert family.status == "active"
        assert sorted((c.name, c.status) for c in family.children) == [
            ("Noor", "born"), ("Sem", "lost")]
    texts = [r["text"] for r in outbox(app)]
    loss = [t for t in texts if "verlies voor" in t]
    assert len(loss) == 1 and "verlies voor Sem" in loss[0]
    after = [t for t in texts if "verlies" not in t]
    steps = outbox_steps(app)
    assert {"cursus", "eerste-dagen", "aangifte", "slapen"} <= set(steps)
    assert all("Noor" in t and "Sem" not in t for t in after if "voor" in t)
