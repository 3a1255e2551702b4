"""Which nudges a family gets and when: births early and late, preterm babies, late enrolment,
twins, a loss, first children, and each recipient's channels and language."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

import pytest

from notifier.domain.family import ChildStatus
from notifier.domain.offsets import Offset
from notifier.domain.planner import NudgeStatus, Reason, plan_family, timeline
from notifier.domain.programme import Anchor, Channel

from .support import (
    BOTH,
    EMAIL,
    HOURS,
    SMS,
    at,
    born,
    by_step,
    expecting,
    family,
    local_dates,
    parent,
    placed_days,
    run_days,
)

DUE = date(2027, 6, 1)
PLACED, SKIPPED, CANCELLED, DEFERRED = (NudgeStatus.PLACED, NudgeStatus.SKIPPED,
                                        NudgeStatus.CANCELLED, NudgeStatus.DEFERRED)


def test_before_the_birth_birth_steps_go_on_the_due_date_estimate(mini_programme):
    found = by_step(timeline(mini_programme, family(expecting(DUE)), date(2027, 5, 1),
                             date(2027, 8, 10)))
    assert placed_days(found) == {"eerste-dagen": date(2027, 5, 4), "slapen": date(2027, 8, 1)}
    assert found["slapen"].slot.day == Offset.parse("+2m").apply(DUE)
    aangifte = found["aangifte"]  # "report the birth" waits for the birth, it is never guessed
    assert (aangifte.status, aangifte.reason) == (SKIPPED, Reason.WAITING_BIRTH)


def reported(birth: date, weeks: int, due: date = DUE):
    """Facts by day: expecting, then born from the morning after the birth (when it is told)."""
    before, after = family(expecting(due)), family(born(birth, weeks, due=due))
    return lambda day: after if day > birth else before


def test_a_birth_two_weeks_early_cancels_later_pregnancy_steps_and_moves_birth_steps(
    mini_programme,
):
    last_week = replace(mini_programme.step("eerste-dagen"), key="vluchtkoffer",
                        offset=Offset.parse("-1w"), window=Offset.parse("1w", signed=False),
                        order=len(mini_programme.steps))
    programme = replace(mini_programme, steps=(*mini_programme.steps, last_week))
    birth = DUE - timedelta(weeks=2)  # 18 May; 'vluchtkoffer' would be on 25 May
    latest, log = run_days(programme, reported(birth, 38), date(2026, 11, 1), date(2027, 9, 1))
    found = by_step(latest)
    assert (found["vluchtkoffer"].status, found["vluchtkoffer"].reason) == (
        CANCELLED, Reason.BORN_BEFORE)
    assert placed_days(found) == {
        "kraamzorg": date(2026, 11, 3),
        "cursus": date(2027, 3, 23),
        "eerste-dagen": date(2027, 5, 4),
        "aangifte": birth + timedelta(days=1),
        "slapen": date(2027, 7, 18),  # birth + 2 months, two weeks before due + 2 months
    }
    late = [d for day, d in log if d.status is PLACED and d.slot.step.anchor is Anchor.DUE_DATE
            and day > birth]
    assert late == []  # no pregnancy nudge after the birth


@pytest.mark.parametrize("weeks", [41, 42, 44], ids=["41w", "42w", "44w"])
def test_a_late_birth_still_gets_the_birth_registration_reminder(mini_programme, weeks):
    birth = DUE + timedelta(weeks=weeks - 40)
    latest, _ = run_days(mini_programme, reported(birth, weeks), date(2027, 5, 1),
                         date(2027, 9, 30))
    found = by_step(latest)
    assert placed_days(found) == {
        "eerste-dagen": date(2027, 5, 4),
        "aangifte": birth + timedelta(days=1),  # not skipped on the due-date estimate
        "slapen": Offset.parse("+2m").apply(birth),  # 15 August for 42 weeks
    }


@pytest.mark.parametrize(
    ("weeks", "step", "expected"),
    [
        (32, "slapen", Offset.parse("+2m").apply(date(2027, 1, 10) + timedelta(weeks=8))),
        (32, "oefenhapjes", Offset.parse("+4m").apply(date(2027, 1, 10) + timedelta(weeks=8))),
        (32, "veilig-huis", date(2027, 5, 11)),
        (32, "peuterspeelzaal", date(2027, 5, 13)),
        (36, "slapen", Offset.parse("+2m").apply(date(2027, 1, 10) + timedelta(weeks=4))),
        (37, "slapen", date(2027, 3, 10)),
        (40, "oefenhapjes", date(2027, 5, 10)),
    ],
    ids=["32w-slapen-corrected", "32w-oefenhapjes-corrected", "32w-veilig-huis-calendar",
         "32w-registration-calendar", "36w-corrected-by-4", "37w-not-preterm", "term"],
)
def test_corrected_age_moves_development_steps_for_preterm_babies_only(
    mini_programme, weeks, step, expected
):
    birth = date(2027, 1, 10)
    found = by_step(timeline(mini_programme, family(born(birth, weeks)), birth,
                             birth + timedelta(days=365)))
    assert (found[step].slot.day, found[step].planned_on) == (expected, expected)


@pytest.mark.parametrize(
    ("weeks", "enrolled", "placed"),
    [
        (40, date(2027, 5, 20), {"oefenhapjes", "veilig-huis", "tandjes"}),
        (36, date(2027, 6, 10), {"oefenhapjes"}),  # 5 months, corrected: 4 months + 4 weeks
        (40, date(2027, 6, 10), set()),
    ],
    ids=["term-at-4-months-10-days", "preterm-at-5-months", "term-at-5-months"],
)
def test_a_late_enrolment_gets_what_is_still_in_its_window_that_day_and_no_backlog(
    mini_programme, weeks, enrolled, placed
):
    birth, signed_up = date(2027, 1, 10), HOURS.local(enrolled, time(14, 0))
    found = by_step(timeline(mini_programme, family(born(birth, weeks)), enrolled,
                             enrolled + timedelta(days=120), tick=signed_up))
    assert placed_days(found) == dict.fromkeys(placed, enrolled)
    for key in placed:
        assert [m.due_at for m in found[key].messages] == [signed_up]  # goes that afternoon
    for key, decision in found.items():
        if key not in placed:
            assert (decision.status, decision.reason) in {
                (SKIPPED, Reason.WINDOW_PASSED), (CANCELLED, Reason.ALREADY_BORN)}, key
            assert decision.slot.last_day < enrolled, key


def test_twins_get_one_nudge_per_step_about_both_children(mini_programme):
    birth = date(2027, 1, 10)
    twins = family(born(birth, 36, id=1, name="Noor"), born(birth, 36, id=2, name="Sem"),
                   recipients=(parent(1, SMS), parent(2, BOTH)))
    decisions = timeline(mini_programme, twins, birth, birth + timedelta(days=365))
    found = by_step(decisions)  # fails on a second nudge for a step
    assert {d.slot.child_ids for d in decisions} == {(1, 2)}
    assert [(m.recipient_id, m.channel) for m in found["slapen"].messages] == [
        (1, Channel.SMS), (2, Channel.SMS), (2, Channel.EMAIL)]
    assert found["slapen"].slot.day == date(2027, 4, 7)  # corrected: born at 36 weeks


def test_an_expected_twin_pregnancy_is_one_pregnancy(mini_programme):
    twins = family(expecting(DUE, id=1), expecting(DUE, id=2))
    decisions = timeline(mini_programme, twins, date(2026, 11, 1), date(2026, 11, 30))
    assert [(d.slot.step.key, d.slot.child_ids, d.status) for d in decisions] == [
        ("kraamzorg", (1, 2), PLACED)]


def test_after_a_loss_only_the_loss_message_is_planned(mini_programme):
    lost_on = date(2027, 3, 10)  # before 'cursus' (23 March)
    before = family(expecting(DUE), recipients=(parent(1, BOTH),))
    after = family(expecting(DUE, status=ChildStatus.LOST, lost_on=lost_on),
                   recipients=(parent(1, BOTH),), paused_until=date(2027, 3, 31))
    _, log = run_days(mini_programme, lambda day: after if day >= lost_on else before,
                      date(2026, 11, 1), date(2027, 12, 31))
    assert [(day, d.slot.step.key, d.status) for day, d in log if d.status is PLACED] == [
        (date(2026, 11, 3), "kraamzorg", PLACED), (lost_on, "verlies", PLACED)]
    assert {d.slot.step.key for day, d in log if day >= lost_on} == {"verlies"}
    verlies = next(d for _, d in log if d.slot.step.key == "verlies")
    assert [m.channel for m in verlies.messages] == [Channel.SMS, Channel.EMAIL]  # despite pause


@pytest.mark.parametrize(
    ("first_child", "status", "reason"),
    [(False, SKIPPED, Reason.NOT_FIRST_CHILD), (True, PLACED, None), (None, PLACED, None)],
    ids=["second-child", "first-child", "not-asked"],
)
def test_a_first_child_only_step_skips_families_that_had_a_child_before(
    mini_programme, first_child, status, reason
):
    facts = family(expecting(DUE, first_child=first_child))
    cursus = by_step(timeline(mini_programme, facts, date(2027, 3, 1), date(2027, 4, 30)))["cursus"]
    assert (cursus.status, cursus.reason) == (status, reason)


def test_an_sms_only_step_waits_for_a_recipient_with_sms_and_then_gives_up(mini_programme):
    facts = family(expecting(DUE), recipients=(parent(1, EMAIL),))  # eerste-dagen: 4-17 May
    first = plan_family(mini_programme, facts, {}, date(2027, 5, 4), at(date(2027, 5, 4)),
                        since=date(2027, 5, 4))
    assert [(d.slot.step.key, d.status, d.reason, d.messages) for d in first] == [
        ("eerste-dagen", DEFERRED, Reason.NO_RECIPIENT, ())]
    history = {first[0].key: first[0].record()}
    assert plan_family(mini_programme, facts, history, date(2027, 5, 10), at(date(2027, 5, 10)),
                       since=date(2027, 5, 10)) == []  # still waiting, nothing new to record
    last = plan_family(mini_programme, facts, history, date(2027, 5, 17), at(date(2027, 5, 17)),
                       since=date(2027, 5, 11))
    assert [(d.status, d.reason) for d in last] == [(SKIPPED, Reason.NO_RECIPIENT)]


def test_a_recipient_who_confirms_sms_within_the_window_gets_the_step_then(mini_programme):
    confirmed = date(2027, 5, 9)  # eerste-dagen (4-17 May) waits for a number until then

    def facts(day: date):
        return family(expecting(DUE), recipients=(parent(1, BOTH if day >= confirmed else EMAIL),))

    latest, _ = run_days(mini_programme, facts, date(2027, 5, 1), date(2027, 5, 31))
    eerste = by_step(latest)["eerste-dagen"]
    assert (eerste.status, eerste.planned_on, local_dates(eerste)) == (
        PLACED, confirmed, {confirmed})


def test_each_recipient_gets_only_their_channels_in_their_own_language(mini_programme):
    templates = {**mini_programme.templates, "en": {
        k: v for k, v in mini_programme.templates["en"].items() if k != "slapen.sms.j2"}}
    programme = replace(mini_programme, templates=templates)
    birth = date(2027, 1, 10)
    facts = family(born(birth), recipients=(
        parent(1, BOTH, "en", preferred_time=time(19, 0)), parent(2, EMAIL, "tr"),
        parent(3, SMS, "nl", preferred_time=time(7, 0))))
    found = by_step(timeline(programme, facts, birth, birth + timedelta(days=365)))
    slapen = found["slapen"]
    assert local_dates(slapen) == {slapen.planned_on} == {date(2027, 3, 10)}
    assert [(m.recipient_id, m.channel, m.language, m.requested_language,
             m.due_at.astimezone(HOURS.zone).time()) for m in slapen.messages] == [
        (1, Channel.SMS, "nl", "en", time(19, 0)),  # no English SMS text: Dutch
        (1, Channel.EMAIL, "en", "en", time(19, 0)),
        (2, Channel.EMAIL, "nl", "tr", time(10, 0)),  # no Turkish at all: Dutch
        (3, Channel.SMS, "nl", "nl", time(9, 0)),  # 07:00 wished, 09:00 is the earliest
    ]
    assert [(m.recipient_id, m.language) for m in found["tandjes"].messages] == [
        (1, "en"), (3, "nl")]  # the email-only recipient gets no SMS-only step


@pytest.mark.parametrize(
    ("enrolled", "status", "reason", "sent"),
    [
        (date(2027, 5, 10), PLACED, None, (date(2027, 5, 11), time(10, 0))),
        (date(2027, 5, 17), SKIPPED, Reason.WINDOW_PASSED, None),
    ],
    ids=["22h-goes-next-morning", "22h-on-the-last-day-is-too-late"],
)
def test_an_evening_enrolment_waits_for_the_morning_but_never_past_the_window(
    mini_programme, enrolled, status, reason, sent
):
    signed_up = HOURS.local(enrolled, time(22, 0))  # eerste-dagen: 4-17 May
    eerste = by_step(timeline(mini_programme, family(expecting(DUE)), enrolled,
                              enrolled + timedelta(days=30), tick=signed_up))["eerste-dagen"]
    assert (eerste.status, eerste.reason) == (status, reason)
    assert [(HOURS.today(m.due_at), m.due_at.astimezone(HOURS.zone).time())
            for m in eerste.messages] == ([sent] if sent else [])
