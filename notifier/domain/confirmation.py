"""Double opt-in rules: how long a confirmation stays open, what a code looks like, and how a
code is checked without keeping it (a keyed digest, compared in constant time)."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from datetime import datetime, timedelta

CONFIRM_WITHIN = timedelta(days=7)  # after this an unconfirmed sign-up is deleted
CODE_DIGITS = 6
MAX_FAILED_ATTEMPTS = 5  # then the code is void and a new one must be asked for
MAX_FAILED_PER_NUMBER = 10  # wrong codes for one number within NUMBER_WINDOW, over all requests
NUMBER_WINDOW = timedelta(days=1)
CODE_MARK = "######"  # where the code goes in the stored text; filled in only when sent

_CODE = re.compile(rf"^\d{{{CODE_DIGITS}}}$")


def new_code(randbelow: Callable[[int], int]) -> str:
    """A code of CODE_DIGITS digits from ``randbelow`` (``secrets.randbelow`` in production)."""
    return f"{randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def clean_code(text: str) -> str | None:
    """The code as typed ("123 456", "123-456") in its plain form, or None if it cannot be one."""
    plain = re.sub(r"[\s.\-]", "", text)
    return plain if _CODE.match(plain) else None


def code_digest(secret: str, confirmation_id: str, code: str) -> str:
    """A keyed digest of the code bound to one confirmation: a leaked table reveals no code."""
    message = f"{confirmation_id}:{code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def code_matches(secret: str, confirmation_id: str, code: str, digest: str | None) -> bool:
    if digest is None:
        return False
    return hmac.compare_digest(code_digest(secret, confirmation_id, code), digest)


def still_open(expires_at: datetime, confirmed_at: datetime | None, now: datetime) -> bool:
    return confirmed_at is None and now < expires_at


def usable_code(failed_attempts: int) -> bool:
    return failed_attempts < MAX_FAILED_ATTEMPTS
