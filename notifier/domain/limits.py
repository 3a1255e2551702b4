"""Abuse limits on sign-up (SMS pumping: strangers' numbers signed up to make us pay for SMS).

Counters are keyed by a keyed digest of the number or address, never the number itself."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

HOUR = 3600


@dataclass(frozen=True, slots=True)
class SignupLimits:
    per_contact: int = 3  # sign-ups per phone number or email address per hour
    per_ip: int = 10  # sign-ups per client address per hour
    sms_total: int = 500  # confirmation SMS in total per hour


def contact_key(secret: str, contact: str) -> str:
    digest = hmac.new(secret.encode(), contact.strip().lower().encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def within(count: int, limit: int) -> bool:
    """Whether the ``count``-th hit in a window (this one included) is allowed."""
    return count <= limit
