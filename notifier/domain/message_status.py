"""A message's life: its statuses, which may still be sent, which are final, the order that
forbids moving backwards, how Twilio's statuses map onto ours, and the one decision taken at
send time: may this message go now, and if not, why.

    scheduled -> queued -> sending -> sent -> delivered | failed
         \\________\\__________\\______> expired | suppressed | cancelled | failed

No other module spells a status as a string: they use ``MessageStatus`` and the sets here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class MessageStatus(StrEnum):
    SCHEDULED = "scheduled"  # planned, waiting for its moment
    QUEUED = "queued"  # handed to a worker
    SENDING = "sending"  # claimed by a worker, being handed to the provider
    SENT = "sent"  # the provider accepted it; no final report yet
    DELIVERED = "delivered"
    FAILED = "failed"
    EXPIRED = "expired"  # its window closed before it could go
    CANCELLED = "cancelled"  # the family's plans changed (a loss, a channel removed, a new date)
    SUPPRESSED = "suppressed"  # not allowed at send time (no consent, stopped, paused too long)


S = MessageStatus
# Not yet handed to anybody: may still be claimed, moved or cancelled.
# (Tuples, in this order: SQL's IN lists stay the same statement from call to call.)
UNSENT: tuple[MessageStatus, ...] = (S.SCHEDULED, S.QUEUED)
SENDABLE = UNSENT
# Work under way or planned (the dashboard's "pending").
PENDING: tuple[MessageStatus, ...] = (S.SCHEDULED, S.QUEUED, S.SENDING)
FINAL: tuple[MessageStatus, ...] = (S.DELIVERED, S.FAILED, S.EXPIRED, S.CANCELLED, S.SUPPRESSED)
# How far along a status is: a report may only move a message forward.
RANK: dict[str, int] = {
    S.SCHEDULED: 0,
    S.QUEUED: 1,
    S.SENDING: 2,
    S.SENT: 3,
    **dict.fromkeys(FINAL, 4),
}

# Twilio's message statuses (Messages API and status callbacks) -> ours.
TWILIO_STATUS: dict[str, MessageStatus] = {
    "accepted": S.SENT,
    "scheduled": S.SENT,
    "queued": S.SENT,
    "sending": S.SENT,
    "sent": S.SENT,
    "delivered": S.DELIVERED,
    "read": S.DELIVERED,
    "undelivered": S.FAILED,
    "failed": S.FAILED,
    "canceled": S.FAILED,
}


def from_twilio(status: str) -> MessageStatus | None:
    """Our status for one of Twilio's (case-insensitive); None for a status we do not know."""
    return TWILIO_STATUS.get(status.strip().lower())


def moves_forward(current: str, new: str) -> bool:
    """Whether a report saying ``new`` may change a message that is ``current``."""
    return RANK.get(new, 0) > RANK.get(current, 0)


@dataclass(frozen=True, slots=True)
class SendFacts:
    """What the send-time decision needs to know, read from the database by the caller."""

    now: datetime
    expires_at: datetime
    today: date  # in the Dutch time zone
    step_in_programme: bool
    family_present: bool
    family_status: str  # active, lost, stopped, ended
    channel: str
    channel_usable: bool  # consent and a usable address for the message's channel
    loss_step: bool  # a step about a loss: it goes to a family that reported one, and in a pause
    child_lost: bool  # every child the message is about was lost (a twin's sibling lives on)
    paused_until: date | None
    within_allowed_hours: bool


class Verdict(StrEnum):
    SEND = "send"
    EXPIRE = "expire"  # ends expired
    SUPPRESS = "suppress"  # ends suppressed
    WAIT_FOR_PAUSE = "wait for the pause"  # back to scheduled, after the pause
    WAIT_FOR_HOURS = "wait for allowed hours"  # back to scheduled, at the next allowed time


@dataclass(frozen=True, slots=True)
class SendDecision:
    verdict: Verdict
    reason: str | None = None


def decide_send(facts: SendFacts) -> SendDecision:
    """May a claimed message be handed to its channel now? In this order: its window, whether it
    is still part of the programme and allowed for the family and recipient, a pause, the hours.
    """
    if facts.expires_at < facts.now:
        return SendDecision(Verdict.EXPIRE, "send window passed")
    if not facts.step_in_programme:
        return SendDecision(Verdict.SUPPRESS, "step no longer in the programme")
    if not facts.family_present:
        return SendDecision(Verdict.SUPPRESS, "family or recipient erased")
    if (facts.family_status == "lost" or facts.child_lost) and not facts.loss_step:
        return SendDecision(Verdict.SUPPRESS, "loss reported")
    if facts.family_status in ("stopped", "ended"):
        return SendDecision(Verdict.SUPPRESS, f"family {facts.family_status}")
    if not facts.channel_usable:
        return SendDecision(
            Verdict.SUPPRESS, f"no consent or no usable address for {facts.channel}"
        )
    if facts.paused_until and facts.today <= facts.paused_until and not facts.loss_step:
        return SendDecision(Verdict.WAIT_FOR_PAUSE, "waiting for the pause to end")
    if not facts.within_allowed_hours:
        return SendDecision(Verdict.WAIT_FOR_HOURS, "waiting for allowed hours")
    return SendDecision(Verdict.SEND)
