"""Issue 15, item 4, in the default programme's data: late enrolment gets what is still
useful and nothing whose moment has passed, and the birth-report requests stop once the birth
is known. Tables: enrolment in pregnancy week W -> does the step go?"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from notifier.domain.planner import NudgeStatus, timeline

from .support import born, by_step, expecting, family

DUE = date(2027, 6, 7)  # a Monday


def start_of_week(week: int) -> date:
    return DUE - timedelta(weeks=40 - week)


LATE_ENROLMENT = [
    # (step, enrolment week, sent?)
    ("kinkhoestprik", 28, True), ("kinkhoestprik", 31, True), ("kinkhoestprik", 32, False),
    ("erkenning", 28, True), ("erkenning", 39, True),
    ("kraamzorg-aanmelden", 20, True), ("kraamzorg-aanmelden", 33, True),
    ("kraamzorg-aanmelden", 34, False),
    ("kinderopvang-wachtlijst", 28, True), ("kinderopvang-wachtlijst", 32, False),
    ("alarmsignalen", 28, True), ("alarmsignalen", 34, False),
    ("verlof-partner", 28, True),
    ("ouderschapsverlof", 28, True), ("ouderschapsverlof", 38, True),
    ("geboorte-melden", 28, True), ("geboorte-melden", 37, False),
    ("vragen", 8, True), ("vragen", 28, True), ("vragen", 39, True),
]


@pytest.mark.parametrize(("key", "week", "sent"), LATE_ENROLMENT,
                         ids=[f"{k} wk{w}" for k, w, _ in LATE_ENROLMENT])
def test_a_late_enrolment_gets_what_is_still_useful(default_programme, key, week, sent):
    start = start_of_week(week)
    found = by_step(timeline(default_programme, family(expecting(DUE)), start,
                             DUE - timedelta(days=1)))
    decision = found.get(key)
    assert (decision is not None and decision.status is NudgeStatus.PLACED) is sent, decision
    if sent:
        assert start <= decision.planned_on <= decision.slot.last_day


@pytest.mark.parametrize(("key", "offset_days"), [("geboorte-melden", -35),
                                                  ("geboorte-doorgeven", 4)])
def test_the_birth_report_requests_stop_once_the_birth_is_known(
    default_programme, key, offset_days
):
    day = DUE + timedelta(days=offset_days)
    run = (start_of_week(8), DUE + timedelta(weeks=3))
    waiting = by_step(timeline(default_programme, family(expecting(DUE)), *run))
    assert waiting[key].status is NudgeStatus.PLACED  # nothing reported: the request goes
    assert day <= waiting[key].planned_on
    birth = day - timedelta(days=1)  # born the day before the request, and reported
    weeks = 40 - -(-(DUE - birth).days // 7)
    known = by_step(timeline(default_programme, family(born(birth, weeks, due=DUE)), *run))
    assert known[key].status is NudgeStatus.CANCELLED
