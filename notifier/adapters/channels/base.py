"""The channel port: ``send(message) -> Outcome``. Implementations: outbox (local), and the
providers added by the delivery work (Twilio SMS, SMTP email)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Result(StrEnum):
    DELIVERED = "delivered"  # final: the channel itself delivered it (local outbox)
    ACCEPTED = "sent"  # the provider accepted it; delivery is reported later
    RETRY = "retry"  # certainly not accepted (rate limit, refused connection): try again
    AMBIGUOUS = "ambiguous"  # may have been accepted: reconcile before any resend
    FAILED = "failed"  # permanent for this message


@dataclass(frozen=True)
class OutgoingMessage:
    id: int
    channel: str
    to: str
    language: str
    text: str
    subject: str | None = None
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    result: Result
    provider_ref: str | None = None
    error_code: str | None = None
    reason: str | None = None


class Channel(Protocol):
    name: str

    def send(self, message: OutgoingMessage) -> Outcome: ...
