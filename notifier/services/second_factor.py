"""The second factor for staff sign-in: TOTP (RFC 6238, 30-second steps, 6 digits) from an
authenticator app, required for the admin and reviewer roles, with ten single-use recovery
codes kept only as keyed digests.

A code is accepted for the current step or the one before or after (clock drift), and only for
a step later than the last one used: a code seen over someone's shoulder, or sent twice, opens
nothing a second time. Wrong codes count with wrong passwords towards the account lockout."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Collection
from datetime import datetime

import pyotp
import segno
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import StaffRecoveryCode, StaffUser
from notifier.domain.roles import Role
from notifier.services import audit
from notifier.services.staff_accounts import LOCKOUT, MAX_FAILURES
from notifier.services.staff_sessions import revoke_all

ISSUER = "Kansrijke Start (CJG)"
REQUIRED_FOR = frozenset({Role.ADMIN.value, Role.REVIEWER.value})
STEP = 30
DRIFT_STEPS = 1
RECOVERY_CODES = 10
_DIGITS = re.compile(r"^\d{6}$")
_RECOVERY = re.compile(r"^[a-z2-7]{5}-?[a-z2-7]{5}$")


def required(user: StaffUser, roles: Collection[str] = REQUIRED_FOR) -> bool:
    """The roles that must use a second factor (admins and reviewers; the settings may only
    change that outside production, as the local demo does) and anyone who set one up."""
    return user.role in roles or user.totp_confirmed_at is not None


def enrolled(user: StaffUser) -> bool:
    return user.totp_secret is not None and user.totp_confirmed_at is not None


def enrolment_secret(user: StaffUser) -> str:
    """The secret to put in the authenticator app: made once, kept until confirmed."""
    if user.totp_secret is None or user.totp_confirmed_at is not None:
        user.totp_secret = pyotp.random_base32()
    return user.totp_secret


def provisioning_uri(user: StaffUser, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (no script, no image request)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4))


def _matching_step(secret: str, code: str, now: datetime, after: int | None) -> int | None:
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if after is not None and step <= after:
            continue  # that step's code was used already: a replay
        if hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def confirm_enrolment(
    session: Session, user: StaffUser, code: str, now: datetime, key: str
) -> list[str] | None:
    """The first code from the app proves it is set up; returns the new recovery codes."""
    plain = code.replace(" ", "")
    if user.totp_secret is None or not _DIGITS.match(plain):
        return None
    step = _matching_step(user.totp_secret, plain, now, None)
    if step is None:
        return None
    user.totp_confirmed_at, user.totp_last_step = now, step
    codes = new_recovery_codes(session, user, key)
    audit.record(session, user, "totp.enrolled", user.email)
    return codes


def new_recovery_codes(session: Session, user: StaffUser, key: str) -> list[str]:
    """Ten fresh codes (the old ones stop working); shown once, stored as keyed digests."""
    session.execute(delete(StaffRecoveryCode).where(StaffRecoveryCode.user_id == user.id))
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(alphabet) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(StaffRecoveryCode(user_id=user.id, code_digest=_digest(key, user.id, raw)))
    session.flush()
    return codes


def _digest(key: str, user_id: int, raw: str) -> str:
    message = f"recovery:{user_id}:{raw}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def verify(session: Session, user: StaffUser, code: str, now: datetime, key: str) -> bool:
    """A code from the app, or an unused recovery code (then used up). False changes nothing
    but the failure count."""
    if user.locked_until is not None and user.locked_until > now:
        audit.record(session, None, "login.locked", user.email)
        return False
    plain = code.strip().lower().replace(" ", "")
    ok = False
    if user.totp_secret is not None and _DIGITS.match(plain):
        step = _matching_step(user.totp_secret, plain, now, user.totp_last_step)
        if step is not None:
            user.totp_last_step, ok = step, True
    elif _RECOVERY.match(plain):
        ok = _use_recovery_code(session, user, plain.replace("-", ""), now, key)
    if not ok:
        audit.record(session, None, "login.second_factor_failed", user.email)
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
            audit.record(session, None, "login.lockout", user.email)
    else:
        user.failed_logins = 0
    return ok


def _use_recovery_code(
    session: Session, user: StaffUser, raw: str, now: datetime, key: str
) -> bool:
    wanted = _digest(key, user.id, raw)
    rows = session.scalars(
        select(StaffRecoveryCode)
        .where(StaffRecoveryCode.user_id == user.id, StaffRecoveryCode.used_at.is_(None))
        .with_for_update()
    ).all()
    for row in rows:
        if hmac.compare_digest(row.code_digest, wanted):
            row.used_at = now
            audit.record(session, user, "login.recovery_code", user.email)
            return True
    return False


def recovery_codes_left(session: Session, user: StaffUser) -> int:
    return len(
        session.scalars(
            select(StaffRecoveryCode.id).where(
                StaffRecoveryCode.user_id == user.id, StaffRecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def reset(session: Session, user: StaffUser, actor: StaffUser | None) -> None:
    """An admin clears a lost authenticator: the next sign-in sets up a new one."""
    user.totp_secret = user.totp_confirmed_at = user.totp_last_step = None
    session.execute(delete(StaffRecoveryCode).where(StaffRecoveryCode.user_id == user.id))
    revoke_all(session, user)
    audit.record(session, actor, "user.totp_reset", user.email)
