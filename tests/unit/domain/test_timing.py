"""The hour a message goes: quiet hours 09:00-20:30 Amsterdam time, the preferred time, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from notifier.domain.timing import AMSTERDAM, SendHours

HOURS = SendHours()
DAY = date(2027, 5, 12)  # summer time: UTC+2


def local(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=AMSTERDAM)


def wall(instant: datetime) -> tuple[date, time]:
    here = instant.astimezone(AMSTERDAM)
    return here.date(), here.time()


@pytest.mark.parametrize(
    ("preferred", "expected"),
    [
        (None, time(10, 0)),
        (time(7, 0), time(9, 0)),
        (time(9, 0), time(9, 0)),
        (time(13, 15), time(13, 15)),
        (time(20, 0), time(20, 0)),
        (time(20, 30), time(20, 0)),
        (time(22, 0), time(20, 0)),
    ],
    ids=["default-10", "07-pulled-to-09", "09-kept", "midday-kept", "2000-kept",
         "2030-pulled-to-2000-margin", "22-pulled-to-2000"],
)
def test_the_slot_is_the_preferred_time_inside_quiet_hours(preferred, expected):
    slot = HOURS.slot(DAY, preferred)
    assert slot.tzinfo is not None and slot.utcoffset() == timedelta(0)  # stored in UTC
    assert wall(slot) == (DAY, expected)


@pytest.mark.parametrize(
    ("day", "utc_offset", "utc_hour"),
    [
        (date(2027, 3, 27), timedelta(hours=1), 9),
        (date(2027, 3, 28), timedelta(hours=2), 8),  # last Sunday of March: summer time
        (date(2027, 10, 30), timedelta(hours=2), 8),
        (date(2027, 10, 31), timedelta(hours=1), 9),  # last Sunday of October: winter time
    ],
    ids=["sat-before-spring", "spring-forward-sunday", "sat-before-autumn", "fall-back-sunday"],
)
def test_the_slot_stays_at_10_local_through_the_dst_weeks(day, utc_offset, utc_hour):
    slot = HOURS.slot(day, None)
    assert wall(slot) == (day, time(10, 0))
    assert slot.astimezone(AMSTERDAM).utcoffset() == utc_offset
    assert (slot.hour, slot.minute) == (utc_hour, 0)


@pytest.mark.parametrize(
    ("clock", "allowed"),
    [(time(8, 59), False), (time(9, 0), True), (time(14, 0), True), (time(20, 30), True),
     (time(20, 31), False), (time(3, 0), False)],
    ids=["0859", "0900", "1400", "2030", "2031", "0300"],
)
def test_quiet_hours_are_local_time(clock, allowed):
    assert HOURS.allowed(local(DAY, clock).astimezone(UTC)) is allowed
    assert HOURS.allowed(local(date(2027, 1, 12), clock).astimezone(UTC)) is allowed  # winter


@pytest.mark.parametrize(
    ("now", "preferred", "expected"),
    [
        (time(0, 5), None, (DAY, time(10, 0))),
        (time(0, 5), time(7, 0), (DAY, time(9, 0))),
        (time(14, 0), None, (DAY, time(14, 0))),
        (time(20, 30), time(8, 0), (DAY, time(20, 30))),
        (time(22, 0), None, (DAY + timedelta(days=1), time(10, 0))),
        (time(22, 0), time(18, 0), (DAY + timedelta(days=1), time(18, 0))),
        (time(23, 59), time(23, 0), (DAY + timedelta(days=1), time(20, 0))),
    ],
    ids=["early-run-waits-for-slot", "early-preferred-pulled", "afternoon-goes-now",
         "last-allowed-minute", "22h-next-morning", "22h-next-preferred", "late-preferred"],
)
def test_due_at_is_the_slot_or_now_or_the_next_days_slot(now, preferred, expected):
    due = HOURS.due_at(DAY, preferred, local(DAY, now).astimezone(UTC))
    assert wall(due) == expected


@pytest.mark.parametrize(
    ("clock", "preferred", "expected"),
    [
        (time(3, 0), None, (DAY, time(10, 0))),
        (time(3, 0), time(7, 0), (DAY, time(9, 0))),
        (time(3, 0), time(11, 30), (DAY, time(11, 30))),
        (time(12, 0), time(18, 0), (DAY, time(12, 0))),
        (time(21, 0), time(7, 0), (DAY + timedelta(days=1), time(9, 0))),
        (time(21, 0), None, (DAY + timedelta(days=1), time(10, 0))),
    ],
    ids=["night-default", "night-early-preferred", "night-preferred", "allowed-now",
         "evening-next-morning", "evening-next-default"],
)
def test_next_allowed_waits_for_the_morning_or_the_preferred_time(clock, preferred, expected):
    instant = local(DAY, clock).astimezone(UTC)
    assert wall(HOURS.next_allowed(instant, preferred)) == expected


def test_next_allowed_on_the_spring_forward_night_is_that_mornings_slot():
    night = local(date(2027, 3, 28), time(1, 30)).astimezone(UTC)  # before the clocks jump
    found = HOURS.next_allowed(night, time(7, 0))
    assert wall(found) == (date(2027, 3, 28), time(9, 0))
    assert found == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)


def test_today_is_the_amsterdam_date_not_the_utc_date():
    late_utc = datetime(2027, 5, 11, 22, 30, tzinfo=UTC)  # 00:30 on 12 May in Amsterdam
    assert HOURS.today(late_utc) == DAY


def test_the_window_ends_at_the_close_of_quiet_hours_on_its_last_day():
    assert wall(HOURS.window_end(DAY)) == (DAY, time(20, 30))


def test_custom_hours_are_respected():
    hours = SendHours(start=time(8, 0), end=time(19, 0), default_time=time(12, 0))
    assert wall(hours.slot(DAY, time(6, 0))) == (DAY, time(8, 0))
    assert wall(hours.slot(DAY, None)) == (DAY, time(12, 0))
    assert not hours.allowed(local(DAY, time(19, 30)).astimezone(UTC))
