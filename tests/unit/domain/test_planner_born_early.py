"""Issue 15, item 4: messages must not vanish for the families who need them most - a pregnancy
step moved to after an early birth (``if_born_early: move``), the preterm track
(``when: preterm``), the RSV-season condition (``when: rsv_season``), and the birth-report
requests. Each rule as a table, on the mini programme with one step changed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifier.domain.family import FamilyFacts
from notifier.domain.offsets import Offset
from notifier.domain.planner import (
    CapRule,
    NudgeRecord,
    NudgeStatus,
    Reason,
    plan_family,
    timeline,
)
from notifier.domain.programme import Age, IfBornEarly, Priority, Programme, When

from .support import at, born, by_step, expecting, family, run_days
from .test_planner_laws import CAPS, LAWS, families, period

DUE = date(2027, 6, 1)
PLACED, SKIPPED, CANCELLED, DEFERRED = (NudgeStatus.PLACED, NudgeStatus.SKIPPED,
                                        NudgeStatus.CANCELLED, NudgeStatus.DEFERRED)


def with_step(programme: Programme, key: str, **changes: object) -> Programme:
    step = replace(programme.step(key), **changes)  # type: ignore[arg-type]
    return replace(programme, steps=tuple(step if s.key == key else s for s in programme.steps))


def only(programme: Programme, *keys: str) -> Programme:
    return replace(programme, steps=tuple(s for s in programme.steps if s.key in keys))


def first_plan(programme: Programme, facts: FamilyFacts, today: date) -> dict:
    """The decisions of the run on ``today`` that re-plans the family in full (enrolment or a
    reported birth set ``replan``, so ``since`` is None), with no earlier history."""
    return by_step(plan_family(programme, facts, {}, today, at(today), since=None))


# eerste-dagen in the mini programme: due date -4w, window 2w (7-20 May 2027 for DUE).
MOVE_CASES = [
    # (birth, weeks, rule, status, reason, planned day) - reported the day after the birth
    pytest.param(date(2027, 4, 6), 32, IfBornEarly.MOVE, PLACED, None, date(2027, 4, 7),
                 id="born at 32 weeks, move: sent after the birth instead"),
    pytest.param(date(2027, 4, 6), 32, IfBornEarly.CANCEL, CANCELLED, Reason.BORN_BEFORE, None,
                 id="born at 32 weeks, the default cancel: cancelled as before"),
    pytest.param(date(2027, 5, 1), 36, IfBornEarly.MOVE, PLACED, None, date(2027, 5, 2),
                 id="born at 36 weeks, move: sent the day the birth is known"),
]


@pytest.mark.parametrize(("birth", "weeks", "rule", "status", "reason", "planned"), MOVE_CASES)
def test_a_pregnancy_step_not_yet_sent_moves_to_the_birth_or_is_cancelled(
    mini_programme, birth, weeks, rule, status, reason, planned
):
    programme = with_step(mini_programme, "eerste-dagen", if_born_early=rule)
    reported = birth + timedelta(days=1)  # the day the family is re-planned in full
    decisions = timeline(programme, family(born(birth, weeks, due=DUE)), reported, DUE)
    decision = by_step(decisions)["eerste-dagen"]
    assert (decision.status, decision.reason, decision.planned_on) == (status, reason, planned)
    if status is PLACED:
        assert decision.slot.day == birth and decision.slot.moved
        assert decision.slot.last_day == birth + timedelta(weeks=2) - timedelta(days=1)


def test_a_moved_step_already_sent_in_pregnancy_is_not_sent_again(mini_programme):
    programme = with_step(mini_programme, "eerste-dagen", if_born_early=IfBornEarly.MOVE)
    sent = {(1, "eerste-dagen"): NudgeRecord(PLACED, date(2027, 5, 7))}
    birth = date(2027, 5, 20)  # born at 38 weeks, after the message went
    decisions = plan_family(programme, family(born(birth, 38, due=DUE)), sent,
                            birth + timedelta(days=1), at(birth + timedelta(days=1)), since=None)
    assert "eerste-dagen" not in by_step(decisions)


def test_a_family_that_enrols_after_the_birth_gets_a_moved_step_but_not_a_cancelled_one(
    mini_programme,
):
    programme = with_step(mini_programme, "eerste-dagen", if_born_early=IfBornEarly.MOVE)
    birth = date(2027, 6, 3)  # enrolled with a birth date: the due date is the birth date
    found = first_plan(programme, family(born(birth, 40, due=birth)), birth + timedelta(days=2))
    assert found["eerste-dagen"].status is PLACED
    assert found["kraamzorg"].status is CANCELLED  # when: expecting, no move: never after birth


def test_a_moved_step_waits_while_the_birth_weeks_own_messages_go_first(mini_programme):
    """Under the frequency cap a moved step gives way to a step due on these days."""
    programme = with_step(
        only(mini_programme, "eerste-dagen", "slapen", "oefenhapjes", "tandjes"),
        "eerste-dagen", if_born_early=IfBornEarly.MOVE, window=Offset.parse("6w", signed=False),
    )
    # three birth steps one day after the birth, in the week the moved step starts
    steps = tuple(
        replace(s, offset=Offset.parse("+1d"), age=Age.CALENDAR) if s.key != "eerste-dagen"
        else s for s in programme.steps
    )
    programme = replace(programme, steps=steps)
    birth = date(2027, 4, 6)
    reported = birth + timedelta(days=1)  # the birth is known from the next morning
    found = by_step(timeline(programme, family(born(birth, 32, due=DUE)), reported,
                             birth + timedelta(weeks=8), cap=CapRule(limit=3, days=7)))
    week = birth + timedelta(days=7)
    first_week = {k for k, d in found.items() if d.planned_on and d.planned_on < week}
    assert first_week == {"slapen", "oefenhapjes", "tandjes"}
    moved = found["eerste-dagen"]
    assert moved.status is PLACED and moved.planned_on >= birth + timedelta(days=7)


PRETERM_CASES = [
    pytest.param(32, PLACED, None, id="born at 32 weeks: the preterm track"),
    pytest.param(36, PLACED, None, id="born at 36 weeks: still preterm"),
    pytest.param(37, SKIPPED, Reason.NOT_PRETERM, id="born at 37 weeks: not preterm"),
    pytest.param(None, SKIPPED, Reason.NOT_PRETERM, id="weeks not reported: not preterm"),
]


@pytest.mark.parametrize(("weeks", "status", "reason"), PRETERM_CASES)
def test_the_preterm_track_goes_only_to_a_baby_born_before_37_weeks(
    mini_programme, weeks, status, reason
):
    programme = with_step(mini_programme, "aangifte", when=When.PRETERM,
                          priority=Priority.NORMAL)
    birth = date(2027, 5, 1)
    child = born(birth, weeks or 40, due=DUE)
    child = replace(child, weeks_at_birth=weeks)
    decision = first_plan(programme, family(child), birth + timedelta(days=1))["aangifte"]
    assert (decision.status, decision.reason) == (status, reason)


def test_the_preterm_track_waits_for_the_birth_like_any_birth_step(mini_programme):
    programme = with_step(mini_programme, "aangifte", when=When.PRETERM)
    decision = first_plan(programme, family(expecting(DUE)), DUE + timedelta(days=2))["aangifte"]
    assert (decision.status, decision.reason) == (DEFERRED, Reason.WAITING_BIRTH)


RSV_CASES = [
    pytest.param(date(2026, 10, 1), PLACED, None, id="1 October: in the season"),
    pytest.param(date(2027, 1, 15), PLACED, None, id="January: in the season"),
    pytest.param(date(2027, 3, 31), PLACED, None, id="31 March: in the season"),
    pytest.param(date(2027, 4, 1), SKIPPED, Reason.NOT_RSV_SEASON, id="1 April: jab in autumn"),
    pytest.param(date(2026, 9, 30), SKIPPED, Reason.NOT_RSV_SEASON, id="30 September"),
]


@pytest.mark.parametrize(("birth", "status", "reason"), RSV_CASES)
def test_the_rsv_message_goes_to_babies_born_from_october_to_march(
    mini_programme, birth, status, reason
):
    programme = with_step(mini_programme, "aangifte", when=When.RSV_SEASON)
    decision = first_plan(programme, family(born(birth, 40)), birth + timedelta(days=1))["aangifte"]
    assert (decision.status, decision.reason) == (status, reason)


def test_a_moved_step_round_trips_through_the_published_document(mini_programme):
    from notifier.adapters import programme_store

    programme = with_step(mini_programme, "eerste-dagen", if_born_early=IfBornEarly.MOVE)
    again = programme_store.loads(programme_store.dumps(programme))
    assert again.step("eerste-dagen").if_born_early is IfBornEarly.MOVE
    assert again.step("cursus").if_born_early is IfBornEarly.CANCEL
    # a programme without the field keeps the document (and hash) it had before
    assert "if_born_early" not in programme_store.dumps(mini_programme)


# The planner's laws hold with the new rules too: the mini programme with a moving pregnancy
# step, a preterm-only and an RSV-season step, over the same random families.
@pytest.fixture(scope="module")
def rules_programme(mini_programme: Programme) -> Programme:
    programme = with_step(mini_programme, "eerste-dagen", if_born_early=IfBornEarly.MOVE,
                          window=Offset.parse("6w", signed=False))
    programme = with_step(programme, "aangifte", when=When.PRETERM)
    return with_step(programme, "tandjes", when=When.RSV_SEASON)


@LAWS
@given(facts=families(), start=st.integers(-300, 300), length=st.integers(0, 400), cap=CAPS)
def test_with_the_new_rules_the_timeline_still_equals_planning_every_day(
    rules_programme, facts, start, length, cap
):
    first_day, last_day = period(start, length, facts)
    expected, _ = run_days(rules_programme, facts, first_day, last_day, cap=cap)
    found = timeline(rules_programme, facts, first_day, last_day, cap=cap)
    assert {d.key: d for d in found} == expected


@LAWS
@given(facts=families(), start=st.integers(-300, 300), length=st.integers(0, 700), cap=CAPS)
def test_with_the_new_rules_normal_nudges_never_exceed_the_cap_and_none_goes_twice(
    rules_programme, facts, start, length, cap
):
    first_day, last_day = period(start, length, facts)
    decisions = timeline(rules_programme, facts, first_day, last_day, cap=cap)
    placed = [d for d in decisions if d.status is NudgeStatus.PLACED]
    assert len({d.key for d in placed}) == len(placed)
    days = [d.planned_on for d in placed]
    for nudge in placed:
        assert nudge.slot.day <= nudge.planned_on <= nudge.slot.last_day
        if nudge.slot.step.priority is Priority.NORMAL:
            for back in range(cap.days):
                begin = nudge.planned_on - timedelta(days=back)
                week = [d for d in days if begin <= d < begin + timedelta(days=cap.days)]
                assert len(week) <= cap.limit
