"""Content is code: the shipped programme must validate, cover the brief, and always say where
a parent can find a person."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from notifier.domain.context import sample_contexts
from notifier.domain.offsets import Offset
from notifier.domain.programme import Anchor, Channel, Theme
from notifier.services.composing import compose
from notifier.services.schedule_check import check_files

ROOT = Path(__file__).resolve().parents[2]

TODAY = date(2026, 11, 29)


def test_the_default_programme_validates_with_no_errors_and_no_warnings():
    _, problems = check_files(ROOT / "schedules", ROOT / "templates", TODAY)
    assert [str(p) for p in problems] == []


def test_it_runs_from_pregnancy_week_8_to_about_33_months(default_programme):
    steps = default_programme.steps
    assert 30 <= len(steps) <= 70  # issue 15 added the safety, development and preterm steps
    first = min(s.offset.apply(date(2027, 6, 1)) for s in steps if s.anchor is Anchor.DUE_DATE)
    assert first <= Offset.parse("-32w").apply(date(2027, 6, 1))  # week 8
    last = max(s.offset.apply(date(2027, 6, 1)) for s in steps if s.anchor is Anchor.BIRTH_DATE)
    assert last >= Offset.parse("+30m").apply(date(2027, 6, 1))
    assert {s.theme for s in steps} == set(Theme)  # every theme of the brief, and a loss message
    assert all(s.source and s.review_by and s.link.startswith("https://") for s in steps)


def test_every_step_reaches_sms_only_and_email_only_parents_in_dutch_and_english(
    default_programme,
):
    for step in default_programme.steps:
        assert set(step.channels) == {Channel.SMS, Channel.EMAIL}, step.key
        for language in ("nl", "en"):
            for channel in step.channels:
                assert f"{step.key}.{channel.value}.j2" in default_programme.templates[language]


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("location", ["den-haag", "escamp"])
def test_every_message_says_where_to_find_a_person(default_programme, language, location):
    place = default_programme.locations[location]
    for step in default_programme.steps:
        for context in sample_contexts(step.key, language, place):
            for channel in step.channels:
                text = compose(default_programme, step.key, channel, language, context).text
                assert place.phone in text or place.name in text, (step.key, channel)
                assert context["link"] in text, (step.key, channel)
