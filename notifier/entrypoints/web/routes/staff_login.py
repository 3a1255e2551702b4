"""Staff sign-in (the password step), sign-out and the start page under /staff."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.adapters.db.tables import StaffUser
from notifier.domain.roles import Permission
from notifier.entrypoints.web.csrf import CsrfChecked
from notifier.entrypoints.web.deps import SessionDep
from notifier.entrypoints.web.pages import render
from notifier.entrypoints.web.routes import staff_second_factor
from notifier.entrypoints.web.routes.staff_second_factor import after_password
from notifier.entrypoints.web.staff_session import (
    current_staff,
    end_session,
    require,
    safe_next,
)
from notifier.services.staff_accounts import sign_in

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request,
    user: Annotated[StaffUser | None, Depends(current_staff)],
    next: str | None = None,
) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "staff/login.html", {"next": safe_next(next), "email": ""})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    _: CsrfChecked,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/staff",
) -> Response:
    totp_roles = request.app.state.notifier.settings.staff_totp_roles
    result = sign_in(session, email, password, datetime.now(UTC), totp_roles)
    if result.user is None:
        context = {"next": safe_next(next), "email": email, "error": result.error}
        return render(request, "staff/login.html", context, status_code=401)
    return after_password(request, session, result.user, safe_next(next))


@router.post("/logout")
def logout(request: Request, session: SessionDep, _: CsrfChecked) -> Response:
    """Ends this session on the server: the cookie, even a copy of it, opens nothing after."""
    response = RedirectResponse("/staff/login", status_code=303)
    end_session(request, response, session)
    return response


@router.get("", response_class=HTMLResponse)
def start(
    request: Request, user: Annotated[StaffUser, Depends(require(Permission.READ_PROGRAMME))]
) -> Response:
    return render(request, "staff/home.html", {"user": user})


# The steps after the password (second factor, forced new password) and /staff/password.
router.include_router(staff_second_factor.router)
