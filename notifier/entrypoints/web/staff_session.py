"""Staff sign-in state: a signed, expiring cookie naming the user and their session version.

``require(Permission.X)`` is the dependency every staff route uses. Without a valid session an
HTML page redirects to /staff/login and anything else (JSON, form posts) gets 401; with a
session but without the permission, 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from notifier.adapters.db.tables import StaffUser
from notifier.domain.roles import Permission, allows
from notifier.entrypoints.web.deps import SessionDep
from notifier.services.staff_accounts import active_user

COOKIE = "ks_staff"


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


def start_session(request: Request, response: Response, user: StaffUser) -> None:
    token = _serializer(request).dumps({"u": user.id, "v": user.session_version})
    secure = str(request.app.state.notifier.settings.public_url).startswith("https://")
    response.set_cookie(
        COOKIE,
        token,
        max_age=_max_age(request),
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/staff",
    )


def end_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/staff")


def _read(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        value = _serializer(request).loads(raw, max_age=_max_age(request))
    except (BadSignature, SignatureExpired):
        return None
    return value if isinstance(value, dict) else None


def current_staff(request: Request, session: SessionDep) -> StaffUser | None:
    data = _read(request)
    if data is None:
        return None
    user = active_user(session, int(data.get("u", 0)), int(data.get("v", -1)))
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
