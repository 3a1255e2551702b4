"""CJG staff enrol a family with the consent they took (who, when, how on record): the same
fields and checks as the parents' sign-up, then the same confirmation step unless the parent
signed on paper."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import StaffUser
from notifier.domain.errors import InputError
from notifier.domain.roles import Permission
from notifier.entrypoints.web.csrf import CsrfChecked
from notifier.entrypoints.web.deps import AppDep
from notifier.entrypoints.web.pages import STAFF_NAV, render
from notifier.entrypoints.web.parent_pages import Form
from notifier.entrypoints.web.parent_texts import Translator
from notifier.entrypoints.web.routes.parent_signup import choices, programme_of
from notifier.entrypoints.web.signup_form import blank_values, check_signup
from notifier.entrypoints.web.staff_session import require
from notifier.services import audit
from notifier.services.signup import enrol_with_confirmation

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False)
STAFF_NAV.append(("Gezin aanmelden", "/staff/aanmelden", Permission.ENROL_FAMILY))

HOW = {
    "signed": "op papier getekend op het CJG",
    "in_person": "mondeling op het CJG",
    "home_visit": "mondeling bij een huisbezoek",
    "phone": "mondeling aan de telefoon",
}
Enroller = Annotated[StaffUser, Depends(require(Permission.ENROL_FAMILY))]


def _form(request: Request, app: AppDep, values: dict[str, Any], errors: dict[str, str],
          summary: list[tuple[str, str]], status_code: int = 200) -> Response:
    t = Translator("nl")
    context = {
        "t": t,
        "values": values,
        "errors": errors,
        "summary": summary,
        "consent_options": [("", "Kies..."), *HOW.items()],
        **choices(programme_of(app), t),
    }
    return render(request, "staff/enrol.html", context, status_code=status_code)


@router.get("/aanmelden", response_class=HTMLResponse)
def enrol_page(request: Request, app: AppDep, user: Enroller) -> Response:
    return _form(request, app, blank_values("nl"), {}, [])


@router.post("/aanmelden", response_class=HTMLResponse)
def enrol(request: Request, app: AppDep, user: Enroller, _: CsrfChecked, form: Form) -> Response:
    programme = programme_of(app)
    now = app.now()
    today = app.hours.today(now)
    how = str(form.get("consent_how") or "")
    confirmed = bool(form.get("consent_confirmed"))
    result = check_signup(
        form,
        t=Translator("nl"),
        today=today,
        languages=programme.languages,
        locations=list(programme.locations),
        regions=app.settings.phone_regions,
        consent_source="staff",
        consent_by=f"{user.email} ({HOW.get(how, how)})",
        confirmed=confirmed,
    )
    values: dict[str, Any] = {**result.values, "consent_how": how,
                              "consent_confirmed": "yes" if confirmed else ""}
    errors = dict(result.errors)
    if "agree" in errors:
        errors["agree"] = "Vink aan dat de ouder toestemming gaf: zonder sturen we niets."
    if how not in HOW:
        errors["consent_how"] = "Kies hoe de ouder toestemming gaf."
    elif confirmed and how != "signed":
        errors["consent_confirmed"] = (
            "Alleen met een handtekening op papier is bevestigen niet nodig. Haal het vinkje weg: "
            "de ouder krijgt dan een bericht om te bevestigen."
        )
    if errors or result.enrolment is None:
        summary = [(name if name != "channels" else "channels-sms", text)
                   for name, text in errors.items()]
        return _form(request, app, values, errors, summary, 400)
    try:
        done = enrol_with_confirmation(app, result.enrolment, now, today)
    except InputError as exc:
        errors = {exc.field or "phone": str(exc)}
        return _form(request, app, values, errors, list(errors.items()), 400)
    with unit_of_work(app.factory) as session:
        audit.record(session, user, "family.enrol", done.enrollment_id,
                     after={"consent_how": how, "confirmed": confirmed,
                            "taken_at": now.isoformat(timespec="seconds")})
    context = {"enrollment_id": done.enrollment_id, "confirmed": confirmed}
    return render(request, "staff/enrolled.html", context)
