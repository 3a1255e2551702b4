"""The programme editor under /staff/programme and /staff/drafts: the front page (versions,
drafts, care for the content), a draft's timeline, a step with its texts, locations and offers,
and the review actions. Handlers parse, call ``services.drafts``, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.adapters.db.tables import ProgrammeDraft, StaffUser
from notifier.adapters.schedule_export import zip_programme
from notifier.domain.content_care import care_report
from notifier.domain.errors import InputError, NotFound
from notifier.domain.programme import (
    Age,
    Anchor,
    Channel,
    OfferKind,
    Priority,
    Programme,
    Theme,
    When,
)
from notifier.domain.review import LABELS, DraftStatus, ReviewRefused, allowed_actions
from notifier.domain.roles import Permission, allows
from notifier.entrypoints.web import editor_views as views
from notifier.entrypoints.web.csrf import CsrfChecked
from notifier.entrypoints.web.deps import AppDep, SessionDep
from notifier.entrypoints.web.pages import STAFF_NAV, render
from notifier.entrypoints.web.staff_session import require
from notifier.services import drafts
from notifier.services.drafts import ChangeRefused
from notifier.services.publishing import current_version, programme_of, version_programme, versions

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False)
STAFF_NAV.append(("Programma", "/staff/programme", Permission.READ_PROGRAMME))

Reader = Annotated[StaffUser, Depends(require(Permission.READ_PROGRAMME))]
Editor = Annotated[StaffUser, Depends(require(Permission.EDIT_DRAFT))]
Publisher = Annotated[StaffUser, Depends(require(Permission.PUBLISH))]


async def _form(request: Request) -> dict[str, Any]:
    return views.form_dict(await request.form())


FormDict = Annotated[dict[str, Any], Depends(_form)]

CHOICES = {
    "themes": [(t.value, views.THEMES[t]) for t in Theme],
    "anchors": [
        (Anchor.DUE_DATE.value, "uitgerekende datum"),
        (Anchor.BIRTH_DATE.value, "geboortedatum"),
        (Anchor.LOSS.value, "gemeld verlies"),
    ],
    "ages": [
        (Age.CALENDAR.value, "kalenderleeftijd"),
        (Age.CORRECTED.value, "gecorrigeerde leeftijd"),
    ],
    "priorities": [
        (Priority.NORMAL.value, "normaal"),
        (Priority.DEADLINE.value, "deadline (schuift nooit)"),
    ],
    "whens": [
        ("", "altijd"),
        (When.EXPECTING.value, "alleen tijdens de zwangerschap"),
        (When.BORN.value, "alleen na de geboorte"),
        (When.PRETERM.value, "alleen na een vroeggeboorte (voor 37 weken)"),
        (When.RSV_SEASON.value, "alleen bij geboorte in oktober t/m maart (RS-virus)"),
    ],
    "channels": [(c.value, views.CHANNELS[c]) for c in Channel],
    "offer_kinds": [
        (OfferKind.COURSE.value, "cursus eerste weken"),
        (OfferKind.WEBINAR.value, "avondwebinar"),
        (OfferKind.MEETUP.value, "ouders ontmoeten"),
        (OfferKind.FIRST_AID.value, "EHBO-cursus"),
    ],
}


def _today(app: AppDep) -> Any:
    return app.hours.today(app.now())


def _problem_page(request: Request, message: str, back: str, status: int = 409) -> Response:
    context = {"title": "Dat lukte niet", "message": message, "back": back, "back_label": "Terug"}
    return render(request, "error.html", context, status_code=status)


def _guarded(request: Request, back: str, action: Callable[[], Any]) -> Response:
    """Run a service call; a refusal becomes a page that says why (nothing was changed)."""
    try:
        action()
    except ChangeRefused as exc:
        detail = "; ".join(p.message for p in exc.problems[:5])
        return _problem_page(request, f"{exc} {detail}".strip(), back, 422)
    except NotFound as exc:
        return _problem_page(request, str(exc), "/staff/programme", 404)
    except ReviewRefused as exc:
        return _problem_page(request, str(exc), back, 403)
    except InputError as exc:
        return _problem_page(request, str(exc), back)
    return RedirectResponse(back, status_code=303)


def _draft(session: Any, draft_id: int) -> ProgrammeDraft | None:
    try:
        return drafts.get_draft(session, draft_id)
    except NotFound:
        return None


def _not_found(request: Request) -> Response:
    return _problem_page(request, "Dit concept of deze stap bestaat niet.", "/staff/programme", 404)


@router.get("/programme", response_class=HTMLResponse)
def programme_home(request: Request, session: SessionDep, app: AppDep, user: Reader) -> Response:
    version = current_version(session)
    programme = programme_of(version) if version else None
    care = care_report(programme, _today(app)) if programme else None
    context = {
        "version": version,
        "programme": programme,
        "care": care,
        "drafts": drafts.list_drafts(session),
        "versions": versions(session),
        "labels": LABELS,
        "may_edit": allows(user.role, Permission.EDIT_DRAFT),
        "may_publish": allows(user.role, Permission.PUBLISH),
    }
    return render(request, "staff/programme.html", context)


@router.post("/drafts")
def new_draft(
    request: Request,
    session: SessionDep,
    user: Editor,
    _: CsrfChecked,
    title: Annotated[str, Form()] = "",
) -> Response:
    try:
        draft = drafts.start_draft(session, user, title)
    except (InputError, NotFound) as exc:
        return _problem_page(request, str(exc), "/staff/programme")
    return RedirectResponse(f"/staff/drafts/{draft.id}", status_code=303)


@router.get("/drafts/{draft_id}", response_class=HTMLResponse)
def draft_page(
    request: Request, draft_id: int, session: SessionDep, app: AppDep, user: Reader
) -> Response:
    draft = _draft(session, draft_id)
    if draft is None:
        return _not_found(request)
    programme = drafts.programme_of_draft(draft)
    today = _today(app)
    problems = drafts.problems_of(draft, today)
    context = {
        "draft": draft,
        "programme": programme,
        "status": LABELS[DraftStatus(draft.status)],
        "actions": [a.value for a in allowed_actions(drafts.facts(draft), user.id, user.role)],
        "problems": problems,
        "errors": [p for p in problems if p.severity == "error"],
        "warnings": [p for p in problems if p.severity == "warning"],
        "timeline": views.timeline(programme, problems, today),
        "overdue": care_report(programme, today).overdue,
        "editable": draft.status == DraftStatus.DRAFT.value
        and allows(user.role, Permission.EDIT_DRAFT),
    }
    return render(request, "staff/draft.html", context)


_ACTIONS: dict[str, Callable[..., Any]] = {
    "submit": lambda s, d, u, today, note: drafts.submit(s, d, u, today),
    "approve": lambda s, d, u, today, note: drafts.approve(s, d, u, note),
    "send_back": lambda s, d, u, today, note: drafts.send_back(s, d, u, note),
    "withdraw": lambda s, d, u, today, note: drafts.withdraw(s, d, u),
    "publish": lambda s, d, u, today, note: drafts.publish_draft(s, d, u, today),
}


@router.post("/drafts/{draft_id}/actions/{action}")
def draft_action(
    request: Request,
    draft_id: int,
    action: str,
    session: SessionDep,
    app: AppDep,
    user: Reader,
    _: CsrfChecked,
    note: Annotated[str, Form()] = "",
) -> Response:
    draft = _draft(session, draft_id)
    if draft is None or action not in _ACTIONS:
        return _not_found(request)
    run = _ACTIONS[action]
    return _guarded(
        request,
        f"/staff/drafts/{draft_id}",
        lambda: run(session, draft, user, _today(app), note),
    )


def _step_context(
    draft: ProgrammeDraft, programme: Programme, key: str | None, user: StaffUser, today: Any
) -> dict[str, Any]:
    step = programme.step(key) if key else None
    languages = list(programme.languages)
    problems = drafts.problems_of(draft, today) if key else []
    return {
        "draft": draft,
        "step": step,
        "moment": views.moment(step) if step else "",
        "values": drafts.step_document(step)
        if step
        else {"channels": ["sms"], "age": "calendar", "priority": "normal"},
        "texts": views.texts(programme, step, languages) if step else [],
        "languages": languages,
        "language_names": views.LANGUAGE_NAMES,
        "variables": views.variables(),
        "problems": views.step_problems(problems, key) if key else [],
        "field_errors": {},
        "text_errors": {},
        "editable": draft.status == DraftStatus.DRAFT.value
        and allows(user.role, Permission.EDIT_DRAFT),
        **CHOICES,
    }


@router.get("/drafts/{draft_id}/steps/new", response_class=HTMLResponse)
def new_step_page(
    request: Request, draft_id: int, session: SessionDep, app: AppDep, user: Editor
) -> Response:
    draft = _draft(session, draft_id)
    if draft is None:
        return _not_found(request)
    context = _step_context(draft, drafts.programme_of_draft(draft), None, user, _today(app))
    return render(request, "staff/step.html", context)


@router.post("/drafts/{draft_id}/steps/new", response_class=HTMLResponse)
def add_step(
    request: Request,
    draft_id: int,
    session: SessionDep,
    app: AppDep,
    user: Editor,
    _: CsrfChecked,
    form: FormDict,
) -> Response:
    draft = _draft(session, draft_id)
    if draft is None:
        return _not_found(request)
    try:
        step = drafts.add_step(session, draft, user, form)
    except ChangeRefused as exc:
        context = _step_context(draft, drafts.programme_of_draft(draft), None, user, _today(app))
        context.update(values=form, field_errors=views.field_errors(exc.problems), error=str(exc))
        return render(request, "staff/step.html", context, status_code=422)
    except InputError as exc:
        return _problem_page(request, str(exc), f"/staff/drafts/{draft_id}")
    return RedirectResponse(f"/staff/drafts/{draft_id}/steps/{step.key}", status_code=303)


@router.get("/drafts/{draft_id}/steps/{key}", response_class=HTMLResponse)
def step_page(
    request: Request, draft_id: int, key: str, session: SessionDep, app: AppDep, user: Reader
) -> Response:
    draft = _draft(session, draft_id)
    programme = drafts.programme_of_draft(draft) if draft else None
    if draft is None or programme is None or key not in {s.key for s in programme.steps}:
        return _not_found(request)
    saved = request.query_params.get("opgeslagen")
    context = _step_context(draft, programme, key, user, _today(app))
    context["saved"] = saved
    return render(request, "staff/step.html", context)


@router.post("/drafts/{draft_id}/steps/{key}", response_class=HTMLResponse)
def update_step(
    request: Request,
    draft_id: int,
    key: str,
    session: SessionDep,
    app: AppDep,
    user: Editor,
    _: CsrfChecked,
    form: FormDict,
) -> Response:
    draft = _draft(session, draft_id)
    if draft is None:
        return _not_found(request)
    try:
        drafts.update_step(session, draft, user, key, form)
    except ChangeRefused as exc:
        context = _step_context(draft, drafts.programme_of_draft(draft), key, user, _today(app))
        context.update(
            values={**form, "key": key},
            field_errors=views.field_errors(exc.problems),
            error=str(exc),
        )
        return render(request, "staff/step.html", context, status_code=422)
    except NotFound:
        return _not_found(request)
    except InputError as exc:
        return _problem_page(request, str(exc), f"/staff/drafts/{draft_id}/steps/{key}")
    return RedirectResponse(
        f"/staff/drafts/{draft_id}/steps/{key}?opgeslagen=timing", status_code=303
    )


@router.post("/drafts/{draft_id}/steps/{key}/text", response_class=HTMLResponse)
def update_text(
    request: Request,
    draft_id: int,
    key: str,
    session: SessionDep,
    app: AppDep,
    user: Editor,
    _: CsrfChecked,
    channel: Annotated[str, Form()],
    language: Annotated[str, Form()],
    source: Annotated[str, Form()] = "",
) -> Response:
    draft = _draft(session, draft_id)
    if draft is None:
        return _not_found(request)
    try:
        drafts.set_text(session, draft, user, key, channel, language, source)
    except ChangeRefused as exc:
        programme = drafts.programme_of_draft(draft)
        context = _step_context(draft, programme, key, user, _today(app))
        context["text_errors"] = {(language, channel): [p.message for p in exc.problems]}
        context["text_values"] = {(language, channel): source}
        context["error"] = str(exc)
        return render(request, "staff/step.html", context, status_code=422)
    except NotFound:
        return _not_found(request)
    except InputError as exc:
        return _problem_page(request, str(exc), f"/staff/drafts/{draft_id}/steps/{key}")
    return RedirectResponse(
        f"/staff/drafts/{draft_id}/steps/{key}?opgeslagen={language}-{channel}#text-{language}-{channel}",
        status_code=303,
    )


@router.post("/drafts/{draft_id}/steps/{key}/copy")
def copy_step(
    request: Request,
    draft_id: int,
    key: str,
    session: SessionDep,
    user: Editor,
    _: CsrfChecked,
    new_key: Annotated[str, Form()] = "",
) -> Response:
    draft = _draft(session, draft_id)
    if draft is None:
        return _not_found(request)
    return _guarded(
        request,
        f"/staff/drafts/{draft_id}/steps/{new_key.strip() or key}",
        lambda: drafts.copy_step(session, draft, user, key, new_key),
    )


@router.post("/drafts/{draft_id}/steps/{key}/retire")
def retire_step(
    request: Request, draft_id: int, key: str, session: SessionDep, user: Editor, _: CsrfChecked
) -> Response:
    draft = _draft(session, draft_id)
    if draft is None:
        return _not_found(request)
    return _guarded(
        request, f"/staff/drafts/{draft_id}", lambda: drafts.retire_step(session, draft, user, key)
    )


@router.get("/drafts/{draft_id}/local", response_class=HTMLResponse)
def local_page(request: Request, draft_id: int, session: SessionDep, user: Reader) -> Response:
    draft = _draft(session, draft_id)
    if draft is None:
        return _not_found(request)
    return render(request, "staff/local.html", _local_context(draft, user))


def _local_context(draft: ProgrammeDraft, user: StaffUser) -> dict[str, Any]:
    programme = drafts.programme_of_draft(draft)
    return {
        "draft": draft,
        "programme": programme,
        "languages": list(programme.languages),
        "language_names": views.LANGUAGE_NAMES,
        "editable": draft.status == DraftStatus.DRAFT.value
        and allows(user.role, Permission.EDIT_DRAFT),
        "errors": {},
        **CHOICES,
    }


@router.post("/drafts/{draft_id}/locations", response_class=HTMLResponse)
def save_location(
    request: Request,
    draft_id: int,
    session: SessionDep,
    user: Editor,
    _: CsrfChecked,
    form: FormDict,
) -> Response:
    return _save_local(request, draft_id, session, user, form, "location")


@router.post("/drafts/{draft_id}/offers", response_class=HTMLResponse)
def save_offer(
    request: Request,
    draft_id: int,
    session: SessionDep,
    user: Editor,
    _: CsrfChecked,
    form: FormDict,
) -> Response:
    return _save_local(request, draft_id, session, user, form, "offer")


def _save_local(
    request: Request, draft_id: int, session: Any, user: StaffUser, form: dict[str, Any], kind: str
) -> Response:
    draft = _draft(session, draft_id)
    if draft is None:
        return _not_found(request)
    save = drafts.save_location if kind == "location" else drafts.save_offer
    try:
        save(session, draft, user, form)
    except ChangeRefused as exc:
        context = _local_context(draft, user)
        context["errors"] = {(kind, form.get("key", "")): [p.message for p in exc.problems]}
        context["error"] = str(exc)
        return render(request, "staff/local.html", context, status_code=422)
    except InputError as exc:
        return _problem_page(request, str(exc), f"/staff/drafts/{draft_id}/local")
    return RedirectResponse(
        f"/staff/drafts/{draft_id}/local?opgeslagen={kind}#{kind}-{form.get('key', '')}",
        status_code=303,
    )


@router.post("/drafts/{draft_id}/offers/{key}/remove")
def remove_offer(
    request: Request, draft_id: int, key: str, session: SessionDep, user: Editor, _: CsrfChecked
) -> Response:
    draft = _draft(session, draft_id)
    if draft is None:
        return _not_found(request)
    return _guarded(
        request,
        f"/staff/drafts/{draft_id}/local",
        lambda: drafts.remove_offer(session, draft, user, key),
    )


@router.get("/versions/{version_id}/export.zip")
def export_version(version_id: int, session: SessionDep, user: Reader) -> Response:
    try:
        programme = version_programme(session, version_id)
    except InputError:
        return Response("no such version", status_code=404)
    data = zip_programme(programme, f"version {version_id}")
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="programma-versie-{version_id}.zip"'
        },
    )


@router.post("/versions/{version_id}/rollback")
def rollback(
    request: Request, version_id: int, session: SessionDep, user: Publisher, _: CsrfChecked
) -> Response:
    return _guarded(request, "/staff/programme", lambda: drafts.rollback(session, version_id, user))
