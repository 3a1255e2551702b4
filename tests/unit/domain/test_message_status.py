"""The message's life as a table: which statuses may still go, which are final, the order that
forbids moving backwards, Twilio's statuses, and the send-time decision."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from notifier.domain.message_status import (
    FINAL,
    PENDING,
    SENDABLE,
    MessageStatus,
    SendFacts,
    Verdict,
    decide_send,
    from_twilio,
    moves_forward,
)

S = MessageStatus
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
OK = SendFacts(
    now=NOW, expires_at=NOW + timedelta(days=3), today=date(2027, 3, 1), step_in_programme=True,
    family_present=True, family_status="active", channel="sms", channel_usable=True,
    loss_step=False, child_lost=False, paused_until=None, within_allowed_hours=True,
)


def test_every_status_is_in_exactly_one_stage_of_life() -> None:
    in_flight = {S.SENDING, S.SENT}
    assert set(SENDABLE) | in_flight | set(FINAL) == set(MessageStatus)
    assert not set(SENDABLE) & set(FINAL)
    assert set(SENDABLE) < set(PENDING)


@pytest.mark.parametrize(
    ("current", "new", "forward"),
    [
        (S.SENDING, S.SENT, True),
        (S.SENT, S.DELIVERED, True),
        (S.SENT, S.FAILED, True),
        (S.DELIVERED, S.SENT, False),  # a late "sent" after "delivered"
        (S.DELIVERED, S.FAILED, False),  # the first final state stays
        (S.FAILED, S.DELIVERED, False),
        (S.SCHEDULED, S.SENT, True),
        (S.SENT, S.SENT, False),  # a repeat changes nothing
    ],
)
def test_a_report_only_moves_a_message_forward(current: str, new: str, forward: bool) -> None:
    assert moves_forward(current, new) is forward


@pytest.mark.parametrize(
    ("twilio", "ours"),
    [("accepted", S.SENT), ("queued", S.SENT), ("sending", S.SENT), ("sent", S.SENT),
     ("delivered", S.DELIVERED), ("read", S.DELIVERED), ("undelivered", S.FAILED),
     ("failed", S.FAILED), ("canceled", S.FAILED), ("DELIVERED", S.DELIVERED),
     ("receiving", None), ("", None), ("nonsense", None)],
)
def test_twilio_statuses_map_onto_ours(twilio: str, ours: MessageStatus | None) -> None:
    assert from_twilio(twilio) is ours


@pytest.mark.parametrize(
    ("change", "verdict", "reason"),
    [
        ({}, Verdict.SEND, None),
        ({"expires_at": NOW - timedelta(seconds=1)}, Verdict.EXPIRE, "send window passed"),
        ({"expires_at": NOW - timedelta(seconds=1), "family_status": "stopped"},
         Verdict.EXPIRE, "send window passed"),  # the window is checked first
        ({"step_in_programme": False}, Verdict.SUPPRESS, "step no longer in the programme"),
        ({"family_present": False}, Verdict.SUPPRESS, "family or recipient erased"),
        ({"family_status": "lost"}, Verdict.SUPPRESS, "loss reported"),
        ({"family_status": "lost", "loss_step": True}, Verdict.SEND, None),
        ({"child_lost": True}, Verdict.SUPPRESS, "loss reported"),  # a twin lives on: not for it
        ({"child_lost": True, "loss_step": True}, Verdict.SEND, None),
        ({"family_status": "stopped"}, Verdict.SUPPRESS, "family stopped"),
        ({"family_status": "ended"}, Verdict.SUPPRESS, "family ended"),
        ({"channel_usable": False}, Verdict.SUPPRESS, "no consent or no usable address for sms"),
        ({"paused_until": date(2027, 3, 1)}, Verdict.WAIT_FOR_PAUSE,
         "waiting for the pause to end"),
        ({"paused_until": date(2027, 2, 28)}, Verdict.SEND, None),  # the pause is over
        ({"paused_until": date(2027, 3, 9), "loss_step": True}, Verdict.SEND, None),
        ({"within_allowed_hours": False}, Verdict.WAIT_FOR_HOURS, "waiting for allowed hours"),
        ({"within_allowed_hours": False, "channel_usable": False}, Verdict.SUPPRESS,
         "no consent or no usable address for sms"),  # not allowed at all beats not yet
    ],
)
def test_may_this_message_be_sent_now(change: dict, verdict: Verdict, reason: str | None) -> None:
    decision = decide_send(replace(OK, **change))
    assert (decision.verdict, decision.reason) == (verdict, reason)
