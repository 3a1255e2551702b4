"""Finding one family and its message history, for administrators.

The search value (a phone number or email address) travels in a POST body, never in a URL;
one match redirects to the family's page under its enrolment id (not personal data)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.adapters.db.tables import StaffUser
from notifier.domain.errors import InputError, NotFound
from notifier.domain.family_search import parse_query
from notifier.domain.roles import Permission
from notifier.domain.timing import AMSTERDAM
from notifier.entrypoints.web.csrf import CsrfChecked
from notifier.entrypoints.web.deps import AppDep, SessionDep
from notifier.entrypoints.web.pages import STAFF_NAV, render
from notifier.entrypoints.web.staff_session import require
from notifier.services.family_history import find_families, view_family
from notifier.services.publishing import current_programme

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False)
STAFF_NAV.append(("Gezin opzoeken", "/staff/families", Permission.VIEW_FAMILY))

UNUSABLE = (
    "Dit is geen volledig mobiel nummer, e-mailadres of inschrijvingsnummer. Zoek op het hele "
    "nummer (bijvoorbeeld 06 12345678), het hele e-mailadres of het inschrijvingsnummer van 16 "
    "tekens: op een deel wordt niet gezocht."
)

ViewFamily = Annotated[StaffUser, Depends(require(Permission.VIEW_FAMILY))]


@router.get("/families", response_class=HTMLResponse)
def search_page(request: Request, _: ViewFamily) -> Response:
    return render(request, "staff/families.html", {"q": "", "searched": False})


@router.post("/families", response_class=HTMLResponse)
def search(
    request: Request,
    app: AppDep,
    session: SessionDep,
    user: ViewFamily,
    _: CsrfChecked,
    q: Annotated[str, Form()] = "",
) -> Response:
    try:
        query = parse_query(q, app.settings.phone_regions)
    except InputError:
        context = {"q": q, "searched": False, "error": UNUSABLE}
        return render(request, "staff/families.html", context, status_code=400)
    matches = find_families(session, user, query)
    if len(matches) == 1:
        return RedirectResponse(f"/staff/families/{matches[0].public_id}", status_code=303)
    context = {"q": q, "searched": True, "matches": matches}
    return render(request, "staff/families.html", context)


@router.get("/families/{public_id}", response_class=HTMLResponse)
def family_page(
    request: Request, app: AppDep, session: SessionDep, user: ViewFamily, public_id: str
) -> Response:
    try:
        family = view_family(session, user, public_id, app.now().astimezone(AMSTERDAM).date())
    except NotFound:
        context = {
            "title": "Gezin niet gevonden",
            "message": "Er is geen gezin met dit inschrijvingsnummer.",
            "back": "/staff/families",
            "back_label": "Opnieuw zoeken",
        }
        return render(request, "error.html", context, status_code=404)
    _, programme = current_programme(session)
    locations = {key: location.name for key, location in programme.locations.items()}
    page: dict[str, Any] = {"family": family, "locations": locations, "cap": app.cap.limit}
    return render(request, "staff/family.html", page)
