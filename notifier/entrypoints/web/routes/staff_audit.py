"""The audit log, for administrators: who changed what, when, and what it was before."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from notifier.adapters.db.tables import StaffUser
from notifier.domain.roles import Permission
from notifier.entrypoints.web.deps import SessionDep
from notifier.entrypoints.web.pages import STAFF_NAV, render
from notifier.entrypoints.web.staff_session import require
from notifier.services.audit import recent

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False)
STAFF_NAV.append(("Auditlog", "/staff/audit", Permission.READ_AUDIT))


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    session: SessionDep,
    _: Annotated[StaffUser, Depends(require(Permission.READ_AUDIT))],
    action: str | None = None,
) -> Response:
    entries = recent(session, limit=500, action=action or None)
    return render(request, "staff/audit.html", {"entries": entries, "action": action or ""})
