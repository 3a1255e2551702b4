"""What a template can say: the children's names, the pregnancy week or the baby's age."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.domain.context import age_on, join_names, message_context
from notifier.domain.family import ChildFacts, ChildStatus
from notifier.domain.offsets import Offset
from notifier.domain.programme import Location

DUE = date(2027, 6, 1)


@pytest.mark.parametrize(
    ("names", "language", "expected"),
    [
        (["Noor", "Sem"], "nl", "Noor en Sem"),
        (["Noor", "Sem"], "en", "Noor and Sem"),
        (["Noor", "Sem", "Lot"], "nl", "Noor, Sem en Lot"),
        (["Noor", "Sem"], "xx", "Noor & Sem"),
        (["Noor"], "nl", "Noor"),
        (["Noor", ""], "nl", "Noor"),
        (["", ""], "nl", ""),
        ([], "en", ""),
    ],
    ids=["twins-nl", "twins-en", "triplets-nl", "unknown-language", "one-child",
         "twin-without-name", "no-names", "nobody"],
)
def test_join_names(names, language, expected):
    assert join_names(names, language) == expected


@pytest.mark.parametrize(
    ("child", "day", "expected"),
    [
        (ChildFacts(1, DUE), DUE - timedelta(weeks=30), (10, None, None)),  # week 10 = -30w
        (ChildFacts(1, DUE), DUE - timedelta(weeks=30, days=1), (9, None, None)),
        (ChildFacts(1, DUE), DUE - timedelta(weeks=6), (34, None, None)),
        (ChildFacts(1, DUE), DUE - timedelta(days=1), (39, None, None)),
        (ChildFacts(1, DUE, DUE - timedelta(weeks=2), 38, ChildStatus.BORN),
         DUE + timedelta(weeks=6), (None, 8, 1)),
        (ChildFacts(1, DUE, DUE, 40, ChildStatus.BORN), DUE, (None, 0, 0)),
        (ChildFacts(1, DUE, DUE, 40, ChildStatus.BORN), date(2027, 10, 1), (None, 17, 4)),
        (ChildFacts(1, date(2027, 1, 31), date(2027, 1, 31), 40, ChildStatus.BORN),
         date(2027, 2, 28), (None, 4, 1)),
    ],
    ids=["week-10", "day-before-week-10", "week-34", "last-day-of-pregnancy",
         "born-early-8-weeks-old", "birth-day", "4-months", "born-31-jan-on-28-feb"],
)
def test_age_on_gives_the_pregnancy_week_before_birth_and_the_age_after(child, day, expected):
    assert age_on(child, day) == expected


def test_a_birth_reported_early_ends_the_pregnancy_weeks():
    """Born at 36 weeks: two weeks later it is the baby's age that counts, not week 38."""
    child = ChildFacts(1, DUE, DUE - timedelta(weeks=4), 36, ChildStatus.BORN)
    assert age_on(child, DUE - timedelta(weeks=2)) == (None, 2, 0)


@settings(max_examples=60, deadline=None, database=None)
@given(birth=st.dates(date(2025, 1, 1), date(2029, 12, 31)), months=st.integers(0, 24))
def test_a_step_n_months_after_birth_finds_the_baby_n_months_old(birth, months):
    """What a '+4m' step says ("your baby is 4 months") matches the day it is sent."""
    child = ChildFacts(1, birth, birth, 40, ChildStatus.BORN)
    day = Offset(months=months).apply(birth)
    week, weeks, age_months = age_on(child, day)
    assert (week, age_months) == (None, months)
    assert weeks == (day - birth).days // 7


LOCATION = Location("escamp", "CJG Escamp", "Leyweg 951, Den Haag", "0800 285 40 70",
                    "https://www.cjgdenhaag.nl/escamp", {"nl": "dinsdag 9-11 uur"})


def test_the_context_of_a_twin_nudge_names_both_and_falls_back_to_dutch_drop_in_hours():
    twins = [ChildFacts(1, DUE, DUE, 37, ChildStatus.BORN, name="Noor"),
             ChildFacts(2, DUE, DUE, 37, ChildStatus.BORN, name="Sem")]
    context = message_context(
        children=twins, day=DUE + timedelta(weeks=9), language="en", location=LOCATION,
        step_key="slapen", public_url="https://kansrijkestart.denhaag.nl/", parent_name="Samira",
    )
    assert context["child_name"] == "Noor and Sem" and context["twins"] is True
    assert (context["pregnancy_week"], context["age_weeks"], context["age_months"]) == (
        None, 9, 2)
    assert context["cjg"].drop_in == "dinsdag 9-11 uur"
    assert context["link"] == "https://kansrijkestart.denhaag.nl/i/slapen"
    assert context["preferences_link"] == "https://kansrijkestart.denhaag.nl/p"
    assert context["parent_name"] == "Samira"
