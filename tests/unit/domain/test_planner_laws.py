"""Laws of the pure planner, over random families (due and birth dates, preterm births, losses,
pauses, twins and siblings, recipients with any channels and languages)."""

from __future__ import annotations

from datetime import date, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.domain.family import ChildFacts, ChildStatus, FamilyFacts, RecipientFacts
from notifier.domain.planner import CapRule, NudgeStatus, plan_family, timeline
from notifier.domain.programme import Channel, Priority

from .support import HOURS, run_days

LAWS = settings(max_examples=60, deadline=None, database=None)
SMS, EMAIL = frozenset({Channel.SMS}), frozenset({Channel.EMAIL})
CHANNELS = st.sampled_from([SMS | EMAIL, SMS | EMAIL, SMS, EMAIL, frozenset()])
CAPS = st.sampled_from([CapRule(), CapRule(), CapRule(limit=2), CapRule(limit=1)])


@st.composite
def children(draw, id: int, due: date) -> ChildFacts:
    status = draw(st.sampled_from([ChildStatus.BORN] * 3 + [ChildStatus.EXPECTING] * 2
                                  + [ChildStatus.LOST]))
    first = draw(st.sampled_from([None, True, False]))
    if status is ChildStatus.BORN:
        weeks = draw(st.integers(24, 44))
        birth = due + timedelta(weeks=weeks - 40, days=draw(st.integers(-3, 3)))
        return ChildFacts(id, due, birth, weeks, status, first_child=first)
    if status is ChildStatus.LOST:
        lost_on = due - timedelta(days=draw(st.integers(0, 250)))
        return ChildFacts(id, due, None, None, status, lost_on, first_child=first)
    return ChildFacts(id, due, first_child=first)


@st.composite
def families(draw) -> FamilyFacts:
    due = draw(st.dates(date(2026, 6, 1), date(2028, 6, 1)))
    kids = [draw(children(1, due))]
    second = draw(st.sampled_from(["none", "twin", "sibling"]))
    if second == "twin":
        c = kids[0]
        kids.append(ChildFacts(2, c.due_date, c.birth_date, c.weeks_at_birth, c.status,
                               c.lost_on, c.first_child))
    elif second == "sibling":
        gap = draw(st.integers(60, 500)) * draw(st.sampled_from([1, -1]))
        kids.append(draw(children(2, due + timedelta(days=gap))))
    recipients = tuple(
        RecipientFacts(
            n,
            draw(CHANNELS),
            draw(st.sampled_from(["nl", "en", "tr"])),
            draw(st.none() | st.builds(time, st.integers(6, 23), st.sampled_from([0, 30]))),
        )
        for n in range(1, draw(st.integers(1, 2)) + 1)
    )
    pause = draw(st.none() | st.none() | st.integers(-300, 400))
    paused_until = None if pause is None else due + timedelta(days=pause)
    return FamilyFacts(1, tuple(kids), recipients, paused_until)


def period(draw_start: int, length: int, facts: FamilyFacts) -> tuple[date, date]:
    start = facts.children[0].due_date + timedelta(days=draw_start)
    return start, start + timedelta(days=length)


@LAWS
@given(facts=families(), start=st.integers(-300, 300), length=st.integers(0, 300),
       clock=st.builds(time, st.integers(0, 23), st.integers(0, 59)),
       later=st.integers(0, 23), cap=CAPS)
def test_planning_twice_on_the_same_day_decides_nothing_new(
    mini_programme, facts, start, length, clock, later, cap
):
    """Every day of a run: a second tick (at the same time or later that day) is a no-op."""
    first_day, last_day = period(start, length, facts)
    history: dict = {}
    today, since = first_day, None
    while today <= last_day:
        now = HOURS.local(today, clock)
        for decision in plan_family(mini_programme, facts, history, today, now, since=since,
                                    cap=cap):
            history[decision.key] = decision.record()
        assert plan_family(mini_programme, facts, history, today, now, since=since,
                           cap=cap) == []
        again = HOURS.local(today, max(clock, time(later, 0)))
        assert plan_family(mini_programme, facts, history, today, again, since=since,
                           cap=cap) == []
        today, since = today + timedelta(days=1), today + timedelta(days=1)


@LAWS
@given(facts=families(), start=st.integers(-300, 300), length=st.integers(0, 400), cap=CAPS)
def test_the_timeline_equals_planning_every_single_day(mini_programme, facts, start, length, cap):
    first_day, last_day = period(start, length, facts)
    expected, _ = run_days(mini_programme, facts, first_day, last_day, cap=cap)
    found = timeline(mini_programme, facts, first_day, last_day, cap=cap)
    assert {d.key: d for d in found} == expected
    assert len(found) == len(expected)  # one final decision per nudge


@LAWS
@given(facts=families(), start=st.integers(-300, 300), length=st.integers(0, 700), cap=CAPS)
def test_normal_nudges_never_make_a_week_exceed_the_cap(
    mini_programme, facts, start, length, cap
):
    first_day, last_day = period(start, length, facts)
    decisions = timeline(mini_programme, facts, first_day, last_day, cap=cap)
    placed = [d for d in decisions if d.status is NudgeStatus.PLACED]
    days = [d.planned_on for d in placed]
    for nudge in placed:
        if nudge.slot.step.priority is Priority.NORMAL:
            for back in range(cap.days):
                begin = nudge.planned_on - timedelta(days=back)
                week = [d for d in days if begin <= d < begin + timedelta(days=cap.days)]
                assert len(week) <= cap.limit, (nudge.slot.step.key, begin, sorted(week))


@LAWS
@given(facts=families(), start=st.integers(-300, 300), length=st.integers(0, 700), cap=CAPS)
def test_every_message_goes_inside_its_window_and_deadlines_keep_their_day(
    mini_programme, facts, start, length, cap
):
    first_day, last_day = period(start, length, facts)
    for d in timeline(mini_programme, facts, first_day, last_day, cap=cap):
        if d.status is not NudgeStatus.PLACED:
            assert d.messages == () and d.planned_on is None
            continue
        assert d.messages, d.slot.step.key  # a placed nudge always has someone to go to
        assert max(d.slot.day, first_day) <= d.planned_on <= d.slot.last_day
        for message in d.messages:
            assert HOURS.allowed(message.due_at)
            assert d.planned_on <= HOURS.today(message.due_at)
            assert message.due_at <= message.expires_at == HOURS.window_end(d.slot.last_day)
            assert message.channel in d.slot.step.channels
        opened = max(d.slot.day, first_day)
        if d.slot.step.priority is Priority.DEADLINE and not facts.paused_on(opened):
            assert d.planned_on == opened, d.slot.step.key
        assert not facts.paused_on(d.planned_on) or d.slot.step.key == "verlies"

