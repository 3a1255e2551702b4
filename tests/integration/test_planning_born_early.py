"""The SQL planner with ``if_born_early: move``: a pregnancy step not yet sent when the birth is
reported goes after the birth, once (issue 15, item 4), through the real database and ticks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Family
from notifier.domain.programme import IfBornEarly, Programme
from notifier.services import family_changes
from notifier.services.publishing import publish

from .planning_support import enrol_family, family_id, nudges, outbox_steps, run_days


def moving(programme: Programme) -> Programme:
    steps = tuple(
        replace(s, if_born_early=IfBornEarly.MOVE) if s.key == "eerste-dagen" else s
        for s in programme.steps
    )
    return replace(programme, steps=steps)


def test_a_birth_before_a_moving_pregnancy_step_sends_it_after_the_birth_once(
    app, mini_programme
):
    with unit_of_work(app.factory) as session:
        publish(session, moving(mini_programme), "tests")
    t0 = date(2027, 1, 4)
    due = t0 + timedelta(weeks=6)  # eerste-dagen (due - 4w) on t0 + 2w
    fid = family_id(app, enrol_family(app, t0, due_date=due))
    birth = t0 + timedelta(days=3)  # born at 34 weeks, before eerste-dagen
    run_days(app, t0, birth, at=time(12, 0), send=True)
    assert "eerste-dagen" not in outbox_steps(app)
    reported = birth + timedelta(days=1)
    with unit_of_work(app.factory) as session:
        family_changes.report_birth(session, session.get(Family, fid), birth, reported,
                                    app.hours.local(reported, time(8, 0)), weeks_at_birth=34)
    run_days(app, reported, t0 + timedelta(weeks=8), at=time(12, 0), send=True)
    eerste = nudges(app, fid)["eerste-dagen"]
    assert (eerste.status, eerste.reason) == ("placed", None)
    assert reported <= eerste.planned_on <= birth + timedelta(weeks=2)
    assert outbox_steps(app).count("eerste-dagen") == 1
    assert outbox_steps(app).count("aangifte") == 1
