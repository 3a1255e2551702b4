"""The delivery dashboard for administrators: ``/staff/admin``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from notifier.adapters.db.tables import StaffUser
from notifier.adapters.queue import queue_lengths
from notifier.domain.roles import Permission
from notifier.entrypoints.web import dashboard_view
from notifier.entrypoints.web.deps import AppDep, SessionDep
from notifier.entrypoints.web.pages import STAFF_NAV, render
from notifier.entrypoints.web.staff_session import require
from notifier.services.delivery_stats import dashboard

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False)
STAFF_NAV.append(("Bezorging", "/staff/admin", Permission.VIEW_DELIVERY))

DAYS = 30


@router.get("/admin", response_class=HTMLResponse)
def admin_dashboard(
    request: Request,
    app: AppDep,
    session: SessionDep,
    _: Annotated[StaffUser, Depends(require(Permission.VIEW_DELIVERY))],
) -> Response:
    broker = app.settings.broker_url
    board = dashboard(session, app.now(), DAYS, queue_lengths(broker) if broker else None)
    context = dashboard_view.context(board)
    context["tick_limit"] = app.settings.alert_tick_minutes * 60
    return render(request, "staff/admin.html", context)
