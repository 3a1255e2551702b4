"""A loss is per child: the lost child gets the careful loss message and nothing else; a twin or
an older child who lives on keeps the programme, after a few quiet weeks (deadlines still go)."""

from __future__ import annotations

from datetime import date, timedelta

from notifier.domain.family import ChildStatus
from notifier.domain.planner import QUIET_AFTER_LOSS, NudgeStatus, Reason
from notifier.domain.programme import Priority

from .support import born, expecting, family, run_days

PLACED, DEFERRED, SKIPPED = NudgeStatus.PLACED, NudgeStatus.DEFERRED, NudgeStatus.SKIPPED
DUE = date(2027, 6, 1)


def test_a_family_that_loses_one_twin_keeps_the_messages_for_the_other(mini_programme):
    lost_on = DUE - timedelta(weeks=16)  # in pregnancy, before 'cursus' (week 30)
    twins = family(expecting(DUE, id=1), expecting(DUE, id=2))
    one_lost = family(expecting(DUE, id=1, status=ChildStatus.LOST, lost_on=lost_on),
                      expecting(DUE, id=2))
    one_born = family(expecting(DUE, id=1, status=ChildStatus.LOST, lost_on=lost_on),
                      born(DUE, id=2, due=DUE))

    def facts(day: date):
        return twins if day < lost_on else one_lost if day < DUE else one_born

    latest, log = run_days(mini_programme, facts, date(2026, 11, 1), DUE + timedelta(days=200))
    placed = {(d.slot.step.key, d.slot.child_ids): day for day, d in log if d.status is PLACED}
    # The loss message is about the twin who was lost, on the day of the loss ...
    assert placed[("verlies", (1,))] == lost_on
    # ... and the other twin's programme goes on: after the birth, and before it too.
    for key in ("cursus", "eerste-dagen", "aangifte", "slapen", "oefenhapjes"):
        assert (key, (2,)) in placed, key
    # The birth keeps its first child's id as the key: what went before is not planned again.
    assert {key for key, _ in latest} == {1}
    assert len([k for k in placed if k[0] == "kraamzorg"]) == 1


def test_an_older_child_keeps_its_programme_after_a_pregnancy_is_lost_but_waits_a_few_weeks(
    mini_programme,
):
    toddler_born = DUE - timedelta(days=120)  # 'oefenhapjes' (+4 months) falls in the quiet weeks
    lost_on = toddler_born + timedelta(days=100)  # quiet until day 128; windows run past it
    before = family(born(toddler_born, id=1), expecting(DUE + timedelta(days=300), id=2))
    after = family(born(toddler_born, id=1),
                   expecting(DUE + timedelta(days=300), id=2, status=ChildStatus.LOST,
                             lost_on=lost_on))
    _, log = run_days(mini_programme, lambda day: after if day >= lost_on else before,
                      toddler_born, toddler_born + timedelta(days=200))
    quiet = [(day, d) for day, d in log if lost_on <= day < lost_on + QUIET_AFTER_LOSS]
    toddler = [(day, d) for day, d in quiet if d.slot.child_ids == (1,)]
    assert toddler, "the toddler's steps fall in the quiet weeks"
    for day, d in toddler:
        if d.slot.step.priority is Priority.DEADLINE:
            continue  # a deadline still goes
        # it waits; one whose window closes meanwhile is skipped for that reason
        assert d.status in (DEFERRED, SKIPPED), (day, d.slot.step.key)
        assert d.reason == Reason.AFTER_LOSS, (day, d.slot.step.key)
    assert any(d.slot.step.key == "verlies" and d.status is PLACED for _, d in quiet)
    later = [d.slot.step.key for day, d in log if day >= lost_on + QUIET_AFTER_LOSS
             and d.status is PLACED and d.slot.child_ids == (1,)]
    assert later, "after the quiet weeks the toddler's messages go again"
    assert all(d.slot.child_ids != (2,) or d.slot.step.key == "verlies"
               for day, d in log if day >= lost_on and d.status is PLACED)
