"""Staff accounts for administrators (/staff/users): create, disable or enable, change a role,
set a temporary password, sign out everywhere, reset the second factor. Every change goes
through ``services`` and is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import StaffUser
from notifier.domain.errors import InputError
from notifier.domain.roles import Permission, Role
from notifier.entrypoints.web.csrf import CsrfChecked
from notifier.entrypoints.web.deps import SessionDep
from notifier.entrypoints.web.pages import STAFF_NAV, render
from notifier.entrypoints.web.staff_session import require
from notifier.services import second_factor, staff_accounts, staff_sessions

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False)
STAFF_NAV.append(("Accounts", "/staff/users", Permission.MANAGE_USERS))

Admin = Annotated[StaffUser, Depends(require(Permission.MANAGE_USERS))]
ROLES = [
    (Role.AUTHOR.value, "auteur (schrijft concepten)"),
    (Role.REVIEWER.value, "beoordelaar (keurt goed en publiceert)"),
    (Role.ADMIN.value, "beheerder (accounts, bezorging)"),
    (Role.VIEWER.value, "lezer"),
]


def _page(
    request: Request,
    session: Session,
    status_code: int = 200,
    error: str | None = None,
    done: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    context = {
        "users": staff_accounts.list_users(session),
        "roles": ROLES,
        "error": error,
        "done": done,
        "values": values or {"role": Role.AUTHOR.value},
    }
    return render(request, "staff/users.html", context, status_code=status_code)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, _: Admin, klaar: str = "") -> Response:
    return _page(request, session, done=klaar or None)


@router.post("/users", response_class=HTMLResponse)
def create(
    request: Request,
    session: SessionDep,
    actor: Admin,
    _: CsrfChecked,
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    try:
        staff_accounts.create_user(
            session, email=email, role=role, password=password, name=name, actor=actor
        )
    except InputError as exc:
        values = {"email": email, "name": name, "role": role}
        return _page(request, session, 422, error=str(exc), values=values)
    return RedirectResponse("/staff/users?klaar=aangemaakt", status_code=303)


@router.post("/users/{user_id}", response_class=HTMLResponse)
def change(
    request: Request,
    user_id: int,
    session: SessionDep,
    actor: Admin,
    _: CsrfChecked,
    action: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    user = session.get(StaffUser, user_id)
    if user is None:
        return _page(request, session, 404, error="Dit account bestaat niet.")
    try:
        if action == "disable":
            staff_accounts.disable_user(session, user, actor)
        elif action == "enable":
            staff_accounts.enable_user(session, user, actor)
        elif action == "role":
            staff_accounts.change_role(session, user, role, actor)
        elif action == "password":  # a temporary one: the next sign-in must choose another
            staff_accounts.set_password(session, user, password, actor)
        elif action == "signout":
            staff_sessions.sign_out_everywhere(session, user, actor)
        elif action == "totp_reset":
            second_factor.reset(session, user, actor)
        else:
            raise InputError(f"unknown action {action!r}")
    except InputError as exc:
        return _page(request, session, 422, error=f"{user.email}: {exc}")
    return RedirectResponse(f"/staff/users?klaar={action}", status_code=303)
