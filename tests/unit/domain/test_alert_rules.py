"""Alert rules as pure functions: table tests, and how incidents change."""

from __future__ import annotations

from datetime import date

import pytest

from notifier.domain.alerts import (
    Firing,
    Measurements,
    Thresholds,
    Transition,
    firing,
    transitions,
)
from notifier.domain.provider_errors import meaning
from notifier.domain.stages import stage

T = Thresholds()


@pytest.mark.parametrize(("m", "rules"), [
    (Measurements(), ["scheduler_stale"]),  # never ticked
    (Measurements(last_tick_age=300), []),
    (Measurements(last_tick_age=301), ["scheduler_stale"]),
    (Measurements(last_tick_age=1, delivered_last_hour=40, failed_last_hour=9), []),  # 49: too few
    (Measurements(last_tick_age=1, delivered_last_hour=45, failed_last_hour=5), []),  # 90%: ok
    (Measurements(last_tick_age=1, delivered_last_hour=44, failed_last_hour=6), ["delivery_rate"]),
    (Measurements(last_tick_age=1, oldest_sending_age=900, sending_too_long=0), []),
    (Measurements(last_tick_age=1, oldest_sending_age=901, sending_too_long=1), ["stuck_sending"]),
    (Measurements(last_tick_age=1, oldest_queued_age=600), []),
    (Measurements(last_tick_age=1, oldest_queued_age=601), ["queue_stale"]),
    (Measurements(last_tick_age=1, provider_errors_last_hour=20), []),
    (Measurements(last_tick_age=1, provider_errors_last_hour=21), ["provider_errors"]),
])
def test_rules(m, rules):
    assert [f.rule for f in firing(m, T)] == rules


def test_thresholds_are_settings():
    strict = Thresholds(delivery_rate=0.99, delivery_min_messages=10, provider_errors_per_hour=0)
    m = Measurements(last_tick_age=1, delivered_last_hour=97, failed_last_hour=3,
                     provider_errors_last_hour=1)
    [rate, errors] = firing(m, strict)
    assert (rate.rule, rate.value) == ("delivery_rate", 0.97)
    assert errors == Firing("provider_errors", 1, "1 fouten van de provider in het afgelopen "
                                                  "uur (alarm boven 0)")


def test_transitions_open_keep_and_resolve():
    rate = Firing("delivery_rate", 0.5, "x")
    queue = Firing("queue_stale", 700, "y")
    assert transitions(set(), [rate]) == [Transition("delivery_rate", "open", rate)]
    assert transitions({"delivery_rate"}, [rate, queue]) == [
        Transition("delivery_rate", "update", rate), Transition("queue_stale", "open", queue)]
    assert transitions({"delivery_rate", "queue_stale"}, []) == [
        Transition("delivery_rate", "resolve", None), Transition("queue_stale", "resolve", None)]


@pytest.mark.parametrize(("birth", "expected"), [
    (None, "pregnancy"),
    (date(2026, 11, 4), "0-6 months"),
    (date(2026, 5, 5), "0-6 months"),
    (date(2026, 5, 4), "6-12 months"),  # exactly 6 months
    (date(2025, 11, 5), "6-12 months"),
    (date(2025, 11, 4), "12-24 months"),
    (date(2024, 11, 5), "12-24 months"),
    (date(2024, 11, 4), "24+ months"),
])
def test_stage(birth, expected):
    assert stage(birth, date(2026, 11, 4)) == expected


@pytest.mark.parametrize(("channel", "code", "text"), [
    ("sms", "21610", "de ontvanger antwoordde STOP: sms-toestemming ingetrokken"),
    ("sms", "21614", "geen mobiel nummer (kan geen sms ontvangen)"),
    ("sms", "30007", "door de provider als spam gefilterd"),
    ("sms", "99999", "andere Twilio-fout (zie twilio.com/docs/api/errors)"),
    ("email", "550", "harde bounce: mailbox onbekend of geweigerd"),
    ("email", "559", "harde bounce (SMTP 5xx)"),
    ("email", "421", "mailserver niet beschikbaar (opnieuw geprobeerd)"),
])
def test_provider_error_meanings(channel, code, text):
    assert meaning(channel, code) == text
