"""Signed, expiring tokens for links (unsubscribe, preferences). They hold ids, never personal
data, and cannot be forged without NOTIFIER_SECRET_KEY."""

from __future__ import annotations

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
