"""The steps of a staff sign-in after the password: the authenticator code (or a recovery
code), setting up the authenticator the first time, and a new password after an admin's reset.
Also /staff/password, where a signed-in user changes their own password.

Each step reads the short-lived pending cookie (``staff_session.read_pending``); without it,
or once the account's sessions were revoked, it sends the browser back to /staff/login."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import StaffUser
from notifier.domain.errors import InputError
from notifier.domain.roles import Permission
from notifier.entrypoints.web.csrf import CsrfChecked
from notifier.entrypoints.web.deps import AppDep, SessionDep
from notifier.entrypoints.web.pages import render
from notifier.entrypoints.web.staff_session import (
    Pending,
    read_pending,
    require,
    start_pending,
    start_session,
)
from notifier.services import second_factor, staff_accounts

router = APIRouter(tags=["staff"], include_in_schema=False)  # under /staff via staff_login

CODE_WRONG = (
    "Deze code klopt niet of is al gebruikt. Typ de code die uw authenticator-app nu laat zien, "
    "of een van uw herstelcodes."
)
ENROL_WRONG = "Deze code klopt niet. Controleer de tijd op uw telefoon en typ de nieuwe code."
AGAIN = RedirectResponse("/staff/login", status_code=303)


def after_password(request: Request, session: Session, user: StaffUser, next_path: str) -> Response:
    """Where a right password leads: the second factor, a new password, or straight in."""
    if second_factor.required(user, request.app.state.notifier.settings.staff_totp_roles):
        step = "code" if second_factor.enrolled(user) else "authenticator"
        response = RedirectResponse(f"/staff/login/{step}", status_code=303)
        start_pending(request, response, user, next_path, factor_done=False)
        return response
    return _finish(request, session, user, next_path)


def _finish(request: Request, session: Session, user: StaffUser, next_path: str) -> Response:
    if user.must_change_password:
        response = RedirectResponse("/staff/login/new-password", status_code=303)
        start_pending(request, response, user, next_path, factor_done=True)
        return response
    response = RedirectResponse(next_path, status_code=303)
    start_session(request, response, session, user)
    return response


def _pending(request: Request, session: Session, *, factor_done: bool) -> Pending | None:
    pending = read_pending(request, session)
    if pending is None or pending.factor_done != factor_done:
        return None
    return pending


@router.get("/login/code", response_class=HTMLResponse)
def code_page(request: Request, session: SessionDep) -> Response:
    if _pending(request, session, factor_done=False) is None:
        return AGAIN
    return render(request, "staff/login_code.html", {})


@router.post("/login/code", response_class=HTMLResponse)
def code_step(
    request: Request,
    session: SessionDep,
    app: AppDep,
    _: CsrfChecked,
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    pending = _pending(request, session, factor_done=False)
    if pending is None or not second_factor.enrolled(pending.user):
        return AGAIN
    now = datetime.now(UTC)
    if not second_factor.verify(session, pending.user, code, now, app.settings.secret_key):
        return render(request, "staff/login_code.html", {"error": CODE_WRONG}, status_code=401)
    return _finish(request, session, pending.user, pending.next_path)


@router.get("/login/authenticator", response_class=HTMLResponse)
def enrol_page(request: Request, session: SessionDep) -> Response:
    pending = _pending(request, session, factor_done=False)
    if pending is None or second_factor.enrolled(pending.user):
        return AGAIN
    return _enrol_page(request, pending.user)


def _enrol_page(
    request: Request, user: StaffUser, error: str | None = None, status_code: int = 200
) -> Response:
    secret = second_factor.enrolment_secret(user)
    uri = second_factor.provisioning_uri(user, secret)
    context = {
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": uri,
        "qr": Markup(second_factor.qr_svg(uri)),  # nosec B704: SVG made by segno from our URI
        "error": error,
    }
    return render(request, "staff/login_authenticator.html", context, status_code=status_code)


@router.post("/login/authenticator", response_class=HTMLResponse)
def enrol(
    request: Request,
    session: SessionDep,
    app: AppDep,
    _: CsrfChecked,
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    pending = _pending(request, session, factor_done=False)
    if pending is None or second_factor.enrolled(pending.user):
        return AGAIN
    user, now = pending.user, datetime.now(UTC)
    codes = second_factor.confirm_enrolment(session, user, code, now, app.settings.secret_key)
    if codes is None:
        return _enrol_page(request, user, ENROL_WRONG, 422)
    onward = "/staff/login/new-password" if user.must_change_password else pending.next_path
    response = render(request, "staff/recovery_codes.html", {"codes": codes, "onward": onward})
    if user.must_change_password:
        start_pending(request, response, user, pending.next_path, factor_done=True)
    else:
        start_session(request, response, session, user)
    return response


@router.get("/login/new-password", response_class=HTMLResponse)
def new_password_page(request: Request, session: SessionDep) -> Response:
    if _pending(request, session, factor_done=True) is None:
        return AGAIN
    return render(request, "staff/password.html", {"forced": True})


@router.post("/login/new-password", response_class=HTMLResponse)
def new_password(
    request: Request,
    session: SessionDep,
    _: CsrfChecked,
    new: Annotated[str, Form(max_length=1000)] = "",
    repeat: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    pending = _pending(request, session, factor_done=True)
    if pending is None:
        return AGAIN
    return _set_password(request, session, pending.user, None, new, repeat, pending.next_path)


SignedIn = Annotated[StaffUser, Depends(require(Permission.READ_PROGRAMME))]


@router.get("/password", response_class=HTMLResponse)
def password_page(request: Request, _: SignedIn) -> Response:
    return render(request, "staff/password.html", {"forced": False})


@router.post("/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    session: SessionDep,
    user: SignedIn,
    _: CsrfChecked,
    current: Annotated[str, Form(max_length=1000)] = "",
    new: Annotated[str, Form(max_length=1000)] = "",
    repeat: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Every session of the account ends, on other devices too; this browser gets a new one."""
    return _set_password(request, session, user, current, new, repeat, "/staff?klaar=wachtwoord")


def _set_password(
    request: Request,
    session: Session,
    user: StaffUser,
    current: str | None,
    new: str,
    repeat: str,
    then: str,
) -> Response:
    """Change the password (``current`` None: the temporary one an admin set, already checked),
    then start a fresh session in this browser; a refused password shows the form again."""
    try:
        staff_accounts.change_own_password(session, user, current, new, repeat)
    except InputError as exc:
        context = {"forced": current is None, "error": str(exc)}
        return render(request, "staff/password.html", context, status_code=422)
    response = RedirectResponse(then, status_code=303)
    start_session(request, response, session, user)
    return response
