"""Server-rendered pages: one Jinja2 environment (autoescaped), one layout, the CSRF token and
the signed-in staff member in every page's context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from notifier.adapters.system_texts import label
from notifier.domain.roles import Permission, allows
from notifier.entrypoints.web import csrf

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

templates = Jinja2Templates(directory=str(TEMPLATES))
# ``{{ family.status | label("family_status") }}``: Dutch words for internal values on staff pages.
templates.env.filters["label"] = lambda value, group, **values: label(group, value, **values)

# The staff navigation: (label, path, permission). A page appears for whoever may use it.
STAFF_NAV: list[tuple[str, str, Permission]] = []


def staff_nav(role: str | None) -> list[tuple[str, str]]:
    if role is None:
        return []
    return [(label, path) for label, path, perm in STAFF_NAV if allows(role, perm)]


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    lang: str = "nl",
) -> HTMLResponse:
    staff = getattr(request.state, "staff", None)
    values: dict[str, Any] = {
        "lang": lang,
        "csrf_token": csrf.token_for(request),
        "staff": staff,
        "nav": staff_nav(staff.role if staff else None),
        "alerts": getattr(request.state, "alerts", []),
    }
    values.update(context or {})
    response = templates.TemplateResponse(request, name, values, status_code=status_code)
    csrf.set_cookie(request, response)
    response.headers["Cache-Control"] = "no-store"
    return response
