"""The SMS channel's outcomes over its own transport (PooledHttpClient), against the fake
Twilio: what Twilio answered, or did not, decides retry, reconcile or fail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notifier.adapters.channels.base import OutgoingMessage, Result
from notifier.adapters.channels.twilio_sms import TwilioConfig, TwilioSmsChannel
from notifier.testing.fake_twilio import FakeTwilio
from tests.integration.delivery_support import free_port

PHONE = "+31612345678"


@pytest.fixture
def fake():
    with FakeTwilio() as twilio:
        twilio.callbacks_enabled = False
        twilio.timeout_seconds = 2.0
        yield twilio


def channel(base_url: str, fake: FakeTwilio, timeout: float = 1.0) -> TwilioSmsChannel:
    return TwilioSmsChannel(TwilioConfig(fake.account_sid, fake.auth_token, "+3197010000000",
                                         base_url=base_url, timeout=timeout))


def sms(text: str = "Hoi Samira, één bericht") -> OutgoingMessage:
    return OutgoingMessage(7, "sms", PHONE, "nl", text, headers={
        "status_callback": "http://127.0.0.1:9/webhooks/twilio/status?m=7",
        "validity_period": "3600"})


def test_an_accepted_send_carries_what_twilio_needs_and_keeps_its_connection(fake):
    sms_channel = channel(fake.url, fake)
    first, second = sms_channel.send(sms()), sms_channel.send(sms("Tweede"))
    assert first.result is Result.ACCEPTED and second.result is Result.ACCEPTED
    sent = fake.messages
    assert [m["sid"] for m in sent] == [first.provider_ref, second.provider_ref]
    assert sent[0]["to"] == PHONE and sent[0]["body"] == "Hoi Samira, één bericht"
    assert sent[0]["from"] == "+3197010000000" and sent[0]["validity_period"] == 3600
    assert sent[0]["status_callback"].endswith("/webhooks/twilio/status?m=7")
    assert fake.recent_requests[0]["authorization"].startswith("Basic ")


@pytest.mark.parametrize(("behaviour", "result", "code"), [
    ("429", Result.RETRY, "20429"),
    ("500", Result.AMBIGUOUS, "20500"),
    ("21610", Result.FAILED, "21610"),
    ("21614", Result.FAILED, "21614"),
    ("timeout_after_accept", Result.AMBIGUOUS, None),
])
def test_what_twilio_answers_decides_the_outcome(fake, behaviour, result, code):
    fake.script(PHONE, behaviour)
    outcome = channel(fake.url, fake).send(sms())
    assert (outcome.result, outcome.error_code) == (result, code)


def test_nobody_listening_is_retried_as_certainly_not_sent(fake):
    outcome = channel(f"http://127.0.0.1:{free_port()}", fake).send(sms())
    assert outcome.result is Result.RETRY


def test_an_ambiguous_send_is_found_when_reconciling(fake):
    fake.script(PHONE, "timeout_after_accept", times=1)
    sms_channel = channel(fake.url, fake)
    assert sms_channel.send(sms()).result is Result.AMBIGUOUS
    found = sms_channel.sent_since(PHONE, datetime.now(UTC) - timedelta(minutes=5))
    assert [m.body for m in found] == ["Hoi Samira, één bericht"]
    assert found[0].sid == fake.messages[0]["sid"]


def test_the_status_of_a_sent_message_is_fetched_by_its_sid(fake):
    sms_channel = channel(fake.url, fake)
    fake.script(PHONE, "undelivered", times=1)
    failed, delivered = sms_channel.send(sms()), sms_channel.send(sms("Tweede"))
    assert fake.wait_idle()
    assert sms_channel.status_of(failed.provider_ref) == ("undelivered", "30003")
    assert sms_channel.status_of(delivered.provider_ref) == ("delivered", None)
    assert sms_channel.status_of("SM" + "0" * 32) is None  # Twilio: 404, 20404
    assert channel("http://127.0.0.1:9", fake).status_of(delivered.provider_ref) is None
