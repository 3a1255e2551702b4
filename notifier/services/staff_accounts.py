"""Staff accounts: create, sign in (throttled), disable, reset a password. Every change audited."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import StaffUser
from notifier.adapters.passwords import hash_password, needs_rehash, verify_password
from notifier.domain.errors import InputError, NotFound
from notifier.domain.roles import parse_role
from notifier.services import audit
from notifier.services.staff_sessions import revoke_all

MIN_PASSWORD = 12
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


@dataclass(frozen=True)
class SignIn:
    user: StaffUser | None
    error: str | None = None  # one message for every failure: it never tells which part was wrong


WRONG = (
    "Het e-mailadres of het wachtwoord klopt niet, of het account is even geblokkeerd. "
    "Probeer het later opnieuw."
)


def _email(value: str) -> str:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InputError(f"not a valid email address: {exc}", "email") from None


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"the password must be at least {MIN_PASSWORD} characters", "password")
    return password


def create_user(
    session: Session,
    *,
    email: str,
    role: str,
    password: str,
    name: str = "",
    actor: StaffUser | None = None,
) -> StaffUser:
    address = _email(email)
    checked_role = parse_role(role)
    _check_password(password)
    if session.scalar(select(StaffUser.id).where(StaffUser.email == address)) is not None:
        raise InputError(f"there is already an account for {address}", "email")
    user = StaffUser(
        email=address,
        name=name.strip(),
        role=checked_role.value,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "user.create", address, after={"role": user.role, "name": user.name}
    )
    return user


def find_user(session: Session, email: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"no staff account for {email.strip()}")
    return user


def list_users(session: Session) -> Sequence[StaffUser]:
    return session.scalars(select(StaffUser).order_by(StaffUser.email)).all()


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StaffUser)) or 0


def disable_user(session: Session, user: StaffUser, actor: StaffUser | None = None) -> None:
    if actor is not None and actor.id == user.id:
        raise InputError("you cannot disable your own account")
    if user.disabled:
        return
    user.disabled = True
    revoke_all(session, user)  # signs out every open session
    audit.record(
        session, actor, "user.disable", user.email, {"disabled": False}, {"disabled": True}
    )


def enable_user(session: Session, user: StaffUser, actor: StaffUser | None = None) -> None:
    if not user.disabled:
        return
    user.disabled = False
    user.failed_logins, user.locked_until = 0, None
    audit.record(session, actor, "user.enable", user.email, {"disabled": True}, {"disabled": False})


def set_password(
    session: Session, user: StaffUser, password: str, actor: StaffUser | None = None
) -> None:
    """An admin sets a temporary password: every session of the account ends, and its next
    sign-in must choose a new password before anything else. There is no self-service reset:
    a forgotten password goes through an admin. (``actor=None``: set up by an operator.)"""
    user.password_hash = hash_password(_check_password(password))
    user.must_change_password = actor is not None and actor.id != user.id
    revoke_all(session, user)
    user.failed_logins, user.locked_until = 0, None
    audit.record(session, actor, "user.password_reset", user.email)


def change_own_password(
    session: Session, user: StaffUser, current: str | None, new: str, repeated: str
) -> None:
    """A user chooses a new password: signed in (``current`` is checked) or right after an
    admin's reset (``current=None``: the sign-in just checked it). Every session of the
    account ends; the caller opens a fresh one for this browser."""
    if current is not None and not verify_password(user.password_hash, current):
        raise InputError("het huidige wachtwoord klopt niet", "current")
    if new != repeated:
        raise InputError("de twee nieuwe wachtwoorden zijn niet gelijk", "repeat")
    if len(new) < MIN_PASSWORD:
        raise InputError(f"het nieuwe wachtwoord moet minstens {MIN_PASSWORD} tekens zijn", "new")
    if verify_password(user.password_hash, new):
        raise InputError("kies een ander wachtwoord dan het huidige", "new")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    revoke_all(session, user)
    audit.record(session, user, "user.password_change", user.email)


def change_role(session: Session, user: StaffUser, role: str, actor: StaffUser | None) -> None:
    new = parse_role(role).value
    if actor is not None and actor.id == user.id:
        raise InputError("you cannot change your own role")
    if new != user.role:
        audit.record(session, actor, "user.role", user.email, {"role": user.role}, {"role": new})
        user.role = new
        revoke_all(session, user)


def sign_in(
    session: Session,
    email: str,
    password: str,
    now: datetime,
    totp_roles: Collection[str] = ("admin", "reviewer"),
) -> SignIn:
    """Check a password. Five failures lock the account for 15 minutes, even for the right one."""
    user = session.scalar(
        select(StaffUser).where(StaffUser.email == email.strip().lower()).with_for_update()
    )
    ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        return SignIn(None, WRONG)
    if user.locked_until is not None and user.locked_until > now:
        audit.record(session, None, "login.locked", user.email)
        return SignIn(None, WRONG)
    if not ok or user.disabled:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            audit.record(session, None, "login.lockout", user.email)
        return SignIn(None, WRONG)
    from notifier.services.second_factor import required  # (imports this module)

    # Else the count goes on until the code is right too: a known password must not buy fresh
    # guesses at the code.
    if not required(user, totp_roles):
        user.failed_logins = 0
    user.locked_until, user.last_login_at = None, now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, user, "login", user.email)
    return SignIn(user)
