"""Signed, expiring tokens for links (unsubscribe, preferences). They hold ids, never personal
data, and cannot be forged without NOTIFIER_SECRET_KEY."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from notifier.domain.errors import InputError

UNSUBSCRIBE = "unsubscribe"
PREFERENCES = "preferences"


class Tokens:
    def __init__(self, secret: str) -> None:
        self.secret = secret

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt=f"notifier.{purpose}")

    def make(self, purpose: str, data: dict[str, Any]) -> str:
        return self._serializer(purpose).dumps(data)

    def read(self, purpose: str, token: str, max_age_seconds: int) -> dict[str, Any]:
        try:
            value = self._serializer(purpose).loads(token, max_age=max_age_seconds)
        except SignatureExpired:
            raise InputError("this link has expired: ask for a new one") from None
        except BadSignature:
            raise InputError("this link is not valid") from None
        if not isinstance(value, dict):
            raise InputError("this link is not valid")
        return value


# Short links for SMS, where a full signed token does not fit: `<id>.<day>.<mac>` in base 36 with
# a 50-bit HMAC-SHA256 tag, about 20 characters. Like the long tokens they hold an id and the
# day they were made, never personal data, and cannot be made without NOTIFIER_SECRET_KEY.
_EPOCH = date(2026, 1, 1)
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def _b36(value: int) -> str:
    digits = ""
    while True:
        value, rest = divmod(value, 36)
        digits = _ALPHABET[rest] + digits
        if value == 0:
            return digits


class ShortLinks:
    def __init__(self, secret: str, purpose: str) -> None:
        self.key = hashlib.sha256(f"notifier.short.{purpose}:{secret}".encode()).digest()

    def _tag(self, body: str) -> str:
        mac = hmac.new(self.key, body.encode(), hashlib.sha256).digest()
        return _b36(int.from_bytes(mac[:8], "big") >> 14).rjust(10, "0")  # 50 bits

    def make(self, ident: int, day: date) -> str:
        body = f"{_b36(ident)}.{_b36((day - _EPOCH).days)}"
        return f"{body}.{self._tag(body)}"

    def read(self, code: str, today: date, max_age_days: int) -> int:
        parts = code.lower().split(".")
        if len(parts) != 3 or not all(parts) or len(code) > 40:
            raise InputError("this link is not valid")
        ident, day, tag = parts
        if not hmac.compare_digest(self._tag(f"{ident}.{day}"), tag):
            raise InputError("this link is not valid")
        try:
            made = _EPOCH + timedelta(days=int(day, 36))
            number = int(ident, 36)
        except ValueError:
            raise InputError("this link is not valid") from None
        if (today - made).days > max_age_days:
            raise InputError("this link has expired: ask for a new one")
        return number
