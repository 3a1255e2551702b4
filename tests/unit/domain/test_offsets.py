"""Step days: calendar-aware offsets, their parsing, and the inverse the SQL planner relies on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.domain.errors import InputError
from notifier.domain.offsets import Offset, window_last_day


@pytest.mark.parametrize(
    ("anchor", "offset", "expected"),
    [
        (date(2027, 1, 31), "+1m", date(2027, 2, 28)),
        (date(2028, 1, 31), "+1m", date(2028, 2, 29)),
        (date(2027, 1, 31), "+4m", date(2027, 5, 31)),
        (date(2027, 3, 31), "-1m", date(2027, 2, 28)),
        (date(2028, 2, 29), "+1y", date(2029, 2, 28)),
        (date(2028, 2, 29), "+4y", date(2032, 2, 29)),
        (date(2027, 6, 1), "-8w", date(2027, 6, 1) - timedelta(days=56)),
        (date(2027, 6, 1), "-30w", date(2026, 11, 3)),
        (date(2027, 1, 31), "+1y6m", date(2028, 7, 31)),
        (date(2027, 8, 31), "+1y6m", date(2029, 2, 28)),
        (date(2027, 1, 10), "+4m1d", date(2027, 5, 11)),
        (date(2027, 12, 30), "+8d", date(2028, 1, 7)),
        (date(2027, 1, 10), "+0d", date(2027, 1, 10)),
        (date(2027, 1, 10), "2w", date(2027, 1, 24)),
    ],
    ids=[
        "31jan+1m=28feb", "31jan+1m=29feb-2028", "31jan+4m=31may", "31mar-1m=28feb",
        "leapday+1y=28feb", "leapday+4y=leapday", "-8w=56days", "week10=-30w", "+1y6m",
        "+1y6m-clamps", "+4m1d", "+8d-over-new-year", "+0d", "unsigned=forward",
    ],
)
def test_an_offset_moves_a_date_by_the_calendar(anchor, offset, expected):
    assert Offset.parse(offset).apply(anchor) == expected


@pytest.mark.parametrize(
    ("text", "fields", "shown"),
    [
        ("-12w", dict(weeks=12, negative=True), "-12w"),
        ("+1y6m", dict(years=1, months=6), "+1y6m"),
        ("  +4m  ", dict(months=4), "+4m"),
        ("1y2m3w4d", dict(years=1, months=2, weeks=3, days=4), "+1y2m3w4d"),
        ("0d", dict(), "+0d"),
    ],
    ids=["weeks-back", "years-and-months", "spaces-trimmed", "all-parts", "zero"],
)
def test_parse_reads_every_part_and_prints_it_back(text, fields, shown):
    offset = Offset.parse(text)
    assert offset == Offset(**fields)
    assert str(offset) == shown


@pytest.mark.parametrize(
    ("text", "signed", "message"),
    [
        ("12x", True, "bad offset '12x': use a number with y, m, w or d"),
        ("", True, "bad offset '': use a number with y, m, w or d"),
        ("+", True, "bad offset '+': use a number with y, m, w or d"),
        ("-", True, "bad offset '-'"),
        ("w", True, "bad offset 'w'"),
        ("1.5w", True, "bad offset '1.5w'"),
        ("6m1y", True, "bad offset '6m1y'"),  # parts go from years down to days
        ("+-3d", True, "bad offset '+-3d'"),
        ("+2w", False, "bad duration '+2w': no sign here, e.g. 14d or 2w"),
        ("-3d", False, "bad duration '-3d': no sign here"),
    ],
    ids=[
        "unknown-unit", "empty", "sign-only", "minus-only", "unit-without-number",
        "fraction", "parts-out-of-order", "two-signs", "signed-window", "negative-window",
    ],
)
def test_a_bad_offset_is_refused_with_a_message_that_shows_the_way(text, signed, message):
    with pytest.raises(InputError, match="^" + message.replace("+", r"\+").replace(".", r"\.")):
        Offset.parse(text, signed=signed)


def test_a_window_is_the_days_from_the_step_day_up_to_but_not_including_day_plus_window():
    assert window_last_day(date(2027, 1, 11), Offset.parse("3d", signed=False)) == date(
        2027, 1, 13
    )
    assert window_last_day(date(2027, 1, 31), Offset.parse("1m", signed=False)) == date(
        2027, 2, 27
    )


@pytest.mark.parametrize(
    ("offset", "first", "last", "expected"),
    [
        ("-30w", date(2026, 11, 3), date(2026, 11, 3), (date(2027, 6, 1), date(2027, 6, 1))),
        ("+1m", date(2027, 2, 28), date(2027, 2, 28), (date(2027, 1, 28), date(2027, 1, 31))),
        ("+1m", date(2027, 3, 29), date(2027, 3, 31), None),  # no 29-31 February in 2027
        ("-1m", date(2027, 2, 28), date(2027, 2, 28), (date(2027, 3, 28), date(2027, 3, 31))),
        ("+1y", date(2029, 2, 28), date(2029, 2, 28), (date(2028, 2, 28), date(2028, 2, 29))),
        ("+2w", date(2027, 5, 1), date(2027, 4, 30), None),
    ],
    ids=["one-day", "month-end-collects-4", "day-never-reached", "back-a-month", "leap-year",
         "empty-range"],
)
def test_anchors_for_finds_every_anchor_that_lands_in_a_range(offset, first, last, expected):
    assert Offset.parse(offset).anchors_for(first, last) == expected


offsets = st.builds(
    Offset,
    years=st.integers(0, 2),
    months=st.integers(0, 25),
    weeks=st.integers(0, 60),
    days=st.integers(0, 31),
    negative=st.booleans(),
)


@settings(max_examples=60, deadline=None, database=None)
@given(
    offset=offsets,
    base=st.dates(date(2024, 1, 1), date(2030, 12, 31)),
    shift=st.integers(-70, 70),
    start=st.integers(-40, 40),
    length=st.integers(0, 40),
)
def test_anchors_for_is_the_exact_inverse_of_apply(offset, base, shift, start, length):
    first = offset.apply(base) + timedelta(days=start)
    last = first + timedelta(days=length)
    anchor = base + timedelta(days=shift)
    found = offset.anchors_for(first, last)
    inside = found is not None and found[0] <= anchor <= found[1]
    assert (first <= offset.apply(anchor) <= last) == inside
    if found is not None:  # the ends themselves land in the range
        assert first <= offset.apply(found[0]) <= offset.apply(found[1]) <= last


@settings(max_examples=500)
@given(
    st.dates(date(2000, 1, 1), date(2100, 12, 31)),
    st.integers(0, 3),
    st.integers(0, 30),
    st.integers(0, 60),
    st.integers(0, 40),
    st.booleans(),
)
def test_apply_is_relativedelta_arithmetic(day, years, months, weeks, days, negative):
    """The hand-written month arithmetic (and its memo) gives what dateutil gives."""
    from dateutil.relativedelta import relativedelta

    offset = Offset(years, months, weeks, days, negative)
    sign = -1 if negative else 1
    expected = day + relativedelta(
        years=sign * years, months=sign * months, days=sign * (7 * weeks + days)
    )
    assert offset.apply(day) == expected
    assert offset.apply(day) == expected  # memoised
