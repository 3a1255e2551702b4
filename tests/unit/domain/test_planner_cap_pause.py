"""The weekly cap across a family's children, and pauses."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from notifier.domain.planner import (
    CapRule,
    NudgeRecord,
    NudgeStatus,
    Reason,
    plan_family,
    timeline,
)
from notifier.domain.programme import Priority

from .support import at, born, expecting, family

PLACED, SKIPPED, DEFERRED = NudgeStatus.PLACED, NudgeStatus.SKIPPED, NudgeStatus.DEFERRED
OLDER_BIRTH = date(2027, 1, 10)  # 4-month steps: 10, 11, 12, 13 (deadline) May
YOUNGER_DUE = date(2027, 12, 7)  # kraamzorg (deadline) on 11 May


def week_counts(days: list[date]) -> dict[date, int]:
    """Placed nudges in each 7-day window [start, start + 6], for every start that has any."""
    starts = {d - timedelta(days=i) for d in days for i in range(7)}
    return {s: sum(s <= d <= s + timedelta(days=6) for d in days) for s in starts}


def test_siblings_share_the_cap_and_deadlines_keep_their_day(mini_programme):
    siblings = family(born(OLDER_BIRTH, id=1), expecting(YOUNGER_DUE, id=2))
    decisions = timeline(mini_programme, siblings, date(2027, 5, 1), date(2027, 6, 30))
    placed = [(d.slot.step.key, d.slot.child_ids, d.slot.day, d.planned_on)
              for d in decisions if d.status is PLACED]
    assert placed == [
        ("oefenhapjes", (1,), date(2027, 5, 10), date(2027, 5, 10)),
        ("kraamzorg", (2,), date(2027, 5, 11), date(2027, 5, 11)),
        ("peuterspeelzaal", (1,), date(2027, 5, 13), date(2027, 5, 13)),
        ("veilig-huis", (1,), date(2027, 5, 11), date(2027, 5, 17)),  # moved, inside its window
        ("tandjes", (1,), date(2027, 5, 12), date(2027, 5, 18)),
    ]
    assert max(week_counts([p[3] for p in placed]).values()) == 3


def crowded(today: date, *days_back: int) -> dict:
    """A family history with nudges (for another child) placed ``days_back`` before today."""
    return {(9, f"elder-{n}"): NudgeRecord(PLACED, today - timedelta(days=n)) for n in days_back}


@pytest.mark.parametrize(
    ("days_back", "expected"),
    [
        ((1, 3, 6), {"peuterspeelzaal": (PLACED, None), "tandjes": (DEFERRED, Reason.CAP)}),
        ((1, 3), {"peuterspeelzaal": (PLACED, None), "tandjes": (DEFERRED, Reason.CAP)}),
        ((3, 7), {"peuterspeelzaal": (PLACED, None), "tandjes": (PLACED, None)}),
    ],
    ids=["deadline-over-the-cap", "deadline-fills-the-week", "room-for-both"],
)
def test_the_cap_moves_normal_steps_but_never_deadlines(mini_programme, days_back, expected):
    today = date(2027, 5, 13)  # peuterspeelzaal (deadline) today, tandjes (normal) since 12 May
    facts, history = family(born(OLDER_BIRTH)), crowded(today, *days_back)
    found = plan_family(mini_programme, facts, history, today, at(today),
                        since=today - timedelta(days=1))
    assert {d.slot.step.key: (d.status, d.reason) for d in found} == expected
    history.update({d.key: d.record() for d in found})  # a second tick that day: no change
    assert plan_family(mini_programme, facts, history, today, at(today, time(15, 0)),
                       since=today - timedelta(days=1)) == []


def test_a_step_the_cap_kept_back_to_the_end_of_its_window_is_skipped(mini_programme):
    last = date(2027, 5, 25)  # tandjes: 12-25 May
    history = crowded(last, 1, 2, 4)
    history[(1, "tandjes")] = NudgeRecord(DEFERRED, None, Reason.CAP)
    found = plan_family(mini_programme, family(born(OLDER_BIRTH)), history, last, at(last),
                        since=last)
    assert [(d.slot.step.key, d.status, d.reason) for d in found] == [
        ("tandjes", SKIPPED, Reason.CAP)]
    history = crowded(last, 1, 2)  # one place free on the last day: it still goes
    history[(1, "tandjes")] = NudgeRecord(DEFERRED, None, Reason.CAP)
    found = plan_family(mini_programme, family(born(OLDER_BIRTH)), history, last, at(last),
                        since=last)
    assert [(d.slot.step.key, d.status, d.planned_on) for d in found] == [
        ("tandjes", PLACED, last)]


def test_a_deadline_coming_this_week_keeps_room_for_itself(mini_programme):
    """On 10 May two deadlines (11 and 13 May) are already counted: one normal step fits."""
    siblings = family(born(OLDER_BIRTH, id=1), expecting(YOUNGER_DUE, id=2))
    day = date(2027, 5, 10)
    found = plan_family(mini_programme, siblings, {}, day, at(day), since=day)
    assert [(d.slot.step.key, d.status) for d in found] == [("oefenhapjes", PLACED)]
    two = plan_family(mini_programme, siblings, {}, day, at(day), since=day,
                      cap=CapRule(limit=2))
    assert [(d.slot.step.key, d.status, d.reason) for d in two] == [
        ("oefenhapjes", DEFERRED, Reason.CAP)]


def test_the_cap_can_be_set_per_deployment(mini_programme):
    facts = family(born(OLDER_BIRTH))
    loose = timeline(mini_programme, facts, date(2027, 5, 1), date(2027, 6, 30),
                     cap=CapRule(limit=5))
    assert all(d.planned_on == d.slot.day for d in loose if d.status is PLACED)
    strict = timeline(mini_programme, facts, date(2027, 5, 1), date(2027, 6, 30),
                      cap=CapRule(limit=1))
    normal = [d.planned_on for d in strict
              if d.status is PLACED and d.slot.step.priority is Priority.NORMAL]
    deadline = [d.planned_on for d in strict
                if d.status is PLACED and d.slot.step.priority is Priority.DEADLINE]
    assert deadline == [date(2027, 5, 13)]
    assert normal == [date(2027, 5, 20), date(2027, 5, 27)]  # oefenhapjes, veilig-huis
    assert all(abs((n - m).days) >= 7 for n in normal for m in normal + deadline if n != m)
    tandjes = next(d for d in strict if d.slot.step.key == "tandjes")
    assert (tandjes.status, tandjes.reason) == (SKIPPED, Reason.CAP)  # no free week by 25 May


PAUSE_END = date(2027, 5, 20)


def test_nothing_goes_during_a_pause_and_what_is_still_open_goes_after_it(mini_programme):
    facts = family(born(OLDER_BIRTH), paused_until=PAUSE_END)
    found = {d.slot.step.key: d for d in timeline(mini_programme, facts, OLDER_BIRTH,
                                                   date(2027, 12, 31))}
    assert {k: d.planned_on for k, d in found.items() if d.status is PLACED} == {
        "oefenhapjes": PAUSE_END + timedelta(days=1),
        "veilig-huis": PAUSE_END + timedelta(days=1),
        "tandjes": PAUSE_END + timedelta(days=1),
    }
    for key in ("aangifte", "slapen", "peuterspeelzaal"):  # windows ended during the pause
        assert (found[key].status, found[key].reason) == (SKIPPED, Reason.PAUSED), key
        assert found[key].slot.last_day <= PAUSE_END


def test_a_pause_defers_day_by_day_without_repeating_itself(mini_programme):
    facts = family(born(OLDER_BIRTH), paused_until=PAUSE_END)
    day = date(2027, 5, 10)
    first = plan_family(mini_programme, facts, {}, day, at(day), since=day)
    assert [(d.slot.step.key, d.status, d.reason) for d in first] == [
        ("oefenhapjes", DEFERRED, Reason.PAUSED)]
    history = {d.key: d.record() for d in first}
    nxt = day + timedelta(days=1)
    again = plan_family(mini_programme, facts, history, nxt, at(nxt), since=nxt)
    assert [(d.slot.step.key, d.status) for d in again] == [("veilig-huis", DEFERRED)]
