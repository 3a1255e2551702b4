"""What a family receives (/staff/preview) and what a draft changes (/staff/drafts/N/changes).

The preview is the planner's own timeline (``services.preview``). Dates are posted, never put
in a URL: staff may type a real family's date."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from notifier.adapters.db.tables import ProgrammeDraft, StaffUser
from notifier.domain.errors import InputError, NotFound
from notifier.domain.programme import Programme
from notifier.domain.review import LABELS, DraftStatus
from notifier.domain.roles import Permission
from notifier.entrypoints.web import editor_views as views
from notifier.entrypoints.web.csrf import CsrfChecked
from notifier.entrypoints.web.deps import AppDep, SessionDep
from notifier.entrypoints.web.pages import STAFF_NAV, render
from notifier.entrypoints.web.staff_session import require
from notifier.services import drafts
from notifier.services.preview import preview
from notifier.services.programme_impact import compare_previews, impact
from notifier.services.publishing import current_programme

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False)
STAFF_NAV.append(("Voorbeeld", "/staff/preview", Permission.READ_PROGRAMME))

Reader = Annotated[StaffUser, Depends(require(Permission.READ_PROGRAMME))]


def _form_context(session: Any, app: Any, values: dict[str, Any]) -> dict[str, Any]:
    _, programme = current_programme(session)
    return {
        "values": values,
        "drafts": drafts.list_drafts(session, open_only=True),
        "labels": LABELS,
        "languages": list(programme.languages),
        "language_names": views.LANGUAGE_NAMES,
        "locations": list(programme.locations.values()),
        "today": app.hours.today(app.now()),
    }


@router.get("/preview", response_class=HTMLResponse)
def preview_page(
    request: Request, session: SessionDep, app: AppDep, staff: Reader, draft: int | None = None
) -> Response:
    values = {"source": str(draft) if draft else "published", "kind": "birth", "language": "nl"}
    return render(request, "staff/preview.html", _form_context(session, app, values))


def _date(value: str, label: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{label}: gebruik JJJJ-MM-DD", label) from None


@router.post("/preview", response_class=HTMLResponse)
def preview_result(
    request: Request,
    session: SessionDep,
    app: AppDep,
    staff: Reader,
    _: CsrfChecked,
    source: Annotated[str, Form()] = "published",
    kind: Annotated[str, Form()] = "birth",
    day: Annotated[str, Form()] = "",
    weeks_at_birth: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "nl",
    channel: Annotated[str, Form()] = "",
    location: Annotated[str, Form()] = "",
    start: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "source": source,
        "kind": kind,
        "day": day,
        "weeks_at_birth": weeks_at_birth,
        "language": language,
        "channel": channel,
        "location": location,
        "start": start,
    }
    context = _form_context(session, app, values)
    published = current_programme(session)[1]
    try:
        programme: Programme = published
        draft: ProgrammeDraft | None = None
        if source != "published":
            draft = drafts.get_draft(session, int(source))
            programme = drafts.programme_of_draft(draft)
        when = _date(day, "datum")
        if when is None:
            raise InputError("Vul een datum in.", "day")
        weeks = int(weeks_at_birth) if weeks_at_birth.strip() else None
        family: dict[str, Any] = {
            "today": _date(start, "vanaf") or context["today"],
            "hours": app.hours,
            "cap": app.cap,
            "public_url": app.settings.public_url,
            "due_date": when if kind == "due" else None,
            "birth_date": when if kind == "birth" else None,
            "weeks_at_birth": weeks if kind == "birth" else None,
            "language": language,
            "channel": channel or None,
            "location": location or None,
        }
        context["entries"] = preview(programme, **family)
        if draft is not None:
            context["draft"] = draft
            context["comparison"] = compare_previews(published, programme, **family)
    except (InputError, ValueError, NotFound) as exc:
        context["error"] = str(exc) if not isinstance(exc, ValueError) else "Ongeldige invoer."
        return render(request, "staff/preview.html", context, status_code=422)
    return render(request, "staff/preview.html", context)


@router.get("/drafts/{draft_id}/changes", response_class=HTMLResponse)
def changes_page(
    request: Request, draft_id: int, session: SessionDep, app: AppDep, staff: Reader
) -> Response:
    try:
        draft = drafts.get_draft(session, draft_id)
    except NotFound:
        missing = {
            "title": "Niet gevonden",
            "message": "Dit concept bestaat niet.",
            "back": "/staff/programme",
            "back_label": "Terug",
        }
        return render(request, "error.html", missing, status_code=404)
    _, published = current_programme(session)
    report = impact(
        session, published, drafts.programme_of_draft(draft), app.hours.today(app.now())
    )
    context: dict[str, Any] = {
        "draft": draft,
        "report": report,
        "status": LABELS[DraftStatus(draft.status)],
    }
    return render(request, "staff/changes.html", context)
