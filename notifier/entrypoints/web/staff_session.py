"""Staff sign-in state: a signed, expiring cookie holding a random session token whose row in
``staff_sessions`` must still exist (``services.staff_sessions``): signing out, a password
change, a disabled account or "sign out everywhere" ends it on the server.

Between the password and the second factor (or a forced new password) the browser holds only a
short-lived "pending" cookie naming the user and their session version; it opens no page.

``require(Permission.X)`` is the dependency every staff route uses. Without a valid session an
HTML page redirects to /staff/login and anything else (JSON, form posts) gets 401; with a
session but without the permission, 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import StaffUser
from notifier.domain.roles import Permission, allows
from notifier.entrypoints.web.deps import SessionDep
from notifier.services import staff_sessions

COOKIE = "ks_staff"
PENDING_COOKIE = "ks_staff_pending"
PENDING_SECONDS = 600


@dataclass(frozen=True)
class Pending:
    """A sign-in half done: the password was right; ``factor_done`` once the code was too."""

    user: StaffUser
    next_path: str
    factor_done: bool


@dataclass(frozen=True)
class StaffView:
    id: int
    email: str
    name: str
    role: str


class LoginRequired(Exception):
    def __init__(self, wants_html: bool, next_path: str) -> None:
        self.wants_html = wants_html
        self.next_path = next_path


class Forbidden(Exception):
    pass


def _serializer(request: Request) -> URLSafeTimedSerializer:
    secret = request.app.state.notifier.settings.secret_key
    return URLSafeTimedSerializer(secret, salt="notifier.staff-session")


def _max_age(request: Request) -> int:
    return int(request.app.state.notifier.settings.staff_session_hours * 3600)


def _pending_serializer(request: Request) -> URLSafeTimedSerializer:
    secret = request.app.state.notifier.settings.secret_key
    return URLSafeTimedSerializer(secret, salt="notifier.staff-pending-sign-in")


def _set(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    secure = str(request.app.state.notifier.settings.public_url).startswith("https://")
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="lax", secure=secure, path="/staff"
    )


def start_session(request: Request, response: Response, session: Session, user: StaffUser) -> None:
    hours = float(request.app.state.notifier.settings.staff_session_hours)
    token = staff_sessions.open_session(session, user, datetime.now(UTC), hours)
    _set(request, response, COOKIE, _serializer(request).dumps({"s": token}), _max_age(request))
    response.delete_cookie(PENDING_COOKIE, path="/staff")


def end_session(request: Request, response: Response, session: Session) -> None:
    data = _read(request, COOKIE, _serializer(request), _max_age(request))
    if data is not None:
        staff_sessions.close_session(session, str(data.get("s", "")))
    response.delete_cookie(COOKIE, path="/staff")
    response.delete_cookie(PENDING_COOKIE, path="/staff")


def start_pending(
    request: Request, response: Response, user: StaffUser, next_path: str, factor_done: bool
) -> None:
    data = {"u": user.id, "v": user.session_version, "n": next_path, "f": factor_done}
    value = _pending_serializer(request).dumps(data)
    _set(request, response, PENDING_COOKIE, value, PENDING_SECONDS)


def read_pending(request: Request, session: Session) -> Pending | None:
    data = _read(request, PENDING_COOKIE, _pending_serializer(request), PENDING_SECONDS)
    if data is None:
        return None
    user = session.get(StaffUser, int(data.get("u", 0)))
    if user is None or user.disabled or user.session_version != data.get("v"):
        return None
    return Pending(user, safe_next(str(data.get("n", ""))), bool(data.get("f")))


def _read(
    request: Request, name: str, serializer: URLSafeTimedSerializer, max_age: int
) -> dict[str, Any] | None:
    raw = request.cookies.get(name)
    if not raw:
        return None
    try:
        value = serializer.loads(raw, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    return value if isinstance(value, dict) else None


def current_staff(request: Request, session: SessionDep) -> StaffUser | None:
    data = _read(request, COOKIE, _serializer(request), _max_age(request))
    if data is None:
        return None
    user = staff_sessions.session_user(session, str(data.get("s", "")), datetime.now(UTC))
    if user is not None:  # what pages show; stays readable after the request's session ends
        request.state.staff = StaffView(user.id, user.email, user.name, user.role)
    return user


def _wants_html(request: Request) -> bool:
    """A person on a page (redirect them to sign in), not a script or a form post (401)."""
    accept = request.headers.get("accept", "")
    return (
        request.method == "GET"
        and "application/json" not in accept
        and not request.url.path.startswith("/staff/api/")
    )


def require(permission: Permission) -> Callable[..., StaffUser]:
    def dependency(
        request: Request, user: Annotated[StaffUser | None, Depends(current_staff)]
    ) -> StaffUser:
        if user is None:
            raise LoginRequired(_wants_html(request), request.url.path)
        if not allows(user.role, permission):
            raise Forbidden
        return user

    return dependency


def safe_next(path: str | None) -> str:
    """Only our own staff pages as a place to go after signing in (no open redirect)."""
    if path and path.startswith("/staff") and not path.startswith("//") and "\\" not in path:
        return path
    return "/staff"
