"""Server-side staff sessions: the browser's cookie carries a random token, the database keeps
its SHA-256. A session lives only as long as its row: sign-out deletes the row, and a password
change, a disabled account, a new role or an admin's "sign out everywhere" delete all of a
user's rows, so a cookie copied before any of these opens nothing afterwards."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import StaffSession, StaffUser
from notifier.services import audit


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: StaffUser, now: datetime, hours: float) -> str:
    """A new session for ``user``; returns the token for the cookie (never stored itself)."""
    session.execute(
        delete(StaffSession).where(StaffSession.user_id == user.id, StaffSession.expires_at <= now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            id=_key(token), user_id=user.id, created_at=now, expires_at=now + timedelta(hours=hours)
        )
    )
    session.flush()
    return token


def session_user(session: Session, token: str, now: datetime) -> StaffUser | None:
    """The active user behind a session token, or None if the session was ended or expired."""
    row = session.scalars(
        select(StaffSession).where(StaffSession.id == _key(token), StaffSession.expires_at > now)
    ).first()
    if row is None:
        return None
    user = session.get(StaffUser, row.user_id)
    if user is None or user.disabled:
        return None
    return user


def close_session(session: Session, token: str) -> None:
    session.execute(delete(StaffSession).where(StaffSession.id == _key(token)))


def revoke_all(session: Session, user: StaffUser) -> int:
    """End every session of ``user``; returns how many were open."""
    user.session_version += 1  # also voids a half-finished sign-in (the second-factor step)
    result = session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
    return int(getattr(result, "rowcount", 0) or 0)


def sign_out_everywhere(session: Session, user: StaffUser, actor: StaffUser | None = None) -> int:
    ended = revoke_all(session, user)
    audit.record(session, actor, "user.signout_everywhere", user.email, after={"ended": ended})
    return ended
