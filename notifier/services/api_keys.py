"""Partner API keys: created once (the key is shown only then), checked, listed, revoked.

A key is ``ks_<8 hex>_<43 url-safe chars>`` (256 random bits). Only its SHA-256 and its
prefix ``ks_<8 hex>`` are stored: the prefix finds the row, the hash proves the key. A slow
password hash buys nothing for a key this random."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import ApiKey
from notifier.domain.errors import InputError, NotFound

READ = "enrollments:read"
WRITE = "enrollments:write"
SCOPES = (READ, WRITE)
PREFIX_LENGTH = len("ks_") + 8


@dataclass(frozen=True)
class KeyInfo:
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyInfo:
        return cls(
            key.name,
            key.prefix,
            tuple(key.scope_list),
            key.created_at,
            key.last_used_at,
            key.revoked_at,
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "prefix": self.prefix,
            "scopes": list(self.scopes),
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, name: str, scopes: list[str]) -> tuple[KeyInfo, str]:
    """A new key and its plain text, which is never stored and cannot be shown again."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InputError("a key needs a name (at most 200 characters)", "name")
    if not scopes:
        raise InputError(f"give at least one scope ({', '.join(SCOPES)})", "scope")
    for scope in scopes:
        if scope not in SCOPES:
            raise InputError(f"unknown scope {scope!r} (one of: {', '.join(SCOPES)})", "scope")
    prefix = f"ks_{secrets.token_hex(4)}"
    while session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is not None:
        prefix = f"ks_{secrets.token_hex(4)}"
    plain = f"{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        name=name,
        prefix=prefix,
        key_hash=_digest(plain),
        scopes=",".join(s for s in SCOPES if s in scopes),
    )
    session.add(key)
    session.flush()
    return KeyInfo.of(key), plain


def authenticate(session: Session, presented: str, now: datetime) -> ApiKey | None:
    """The live key ``presented`` is, stamped as used; None for anything else."""
    if not presented.startswith("ks_") or len(presented) <= PREFIX_LENGTH:
        return None
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == presented[:PREFIX_LENGTH])).first()
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.key_hash, _digest(presented)):
        return None
    key.last_used_at = now
    return key


def list_keys(session: Session) -> list[KeyInfo]:
    return [KeyInfo.of(k) for k in session.scalars(select(ApiKey).order_by(ApiKey.id))]


def revoke_key(session: Session, prefix: str, now: datetime) -> KeyInfo:
    """Revoke at once; revoking a revoked key keeps its first revocation time."""
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix.strip())).first()
    if key is None:
        raise NotFound(f"no API key with prefix {prefix!r} (see `notifier apikeys list`)")
    if key.revoked_at is None:
        key.revoked_at = now
    return KeyInfo.of(key)
