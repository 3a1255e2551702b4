"""The preferences page, reached from the signed link in every email (``/p/<token>``; the token
holds a recipient id, no personal data, and expires): change channels, language and time, pause,
report the birth or a new due date, add or remove a second caregiver, stop, report a loss,
download or erase one's data. An expired link leads to a form that sends a new one.

Each form posts to its own path and comes back to the page with a short note (PRG)."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Recipient
from notifier.bootstrap import App
from notifier.domain.contact import mask_email, mask_phone
from notifier.domain.enrolment import RecipientInput
from notifier.domain.errors import InputError, NotFound
from notifier.domain.programme import Channel
from notifier.entrypoints.web.csrf import CsrfChecked
from notifier.entrypoints.web.deps import AppDep
from notifier.entrypoints.web.parent_pages import Form, client_ip, message, page
from notifier.entrypoints.web.parent_texts import LANGUAGES, Translator
from notifier.entrypoints.web.routes.parent_signup import PATHS, choices
from notifier.entrypoints.web.signup_form import (
    TIMES,
    check_day,
    parse_day,
    phone_problem,
    time_key,
)
from notifier.services import (
    consent,
    erasure_copies,
    family_changes,
    link_requests,
    preferences,
    privacy,
)
from notifier.services.confirmation import send_confirmations
from notifier.services.publishing import current_programme

router = APIRouter(tags=["parents"], include_in_schema=False)

NOTES = {
    "opgeslagen": "prefs.saved",
    "pauze": "prefs.paused",
    "geboren": "prefs.birth_saved",
    "uitgerekend": "prefs.due_saved",
    "ouder-erbij": "prefs.partner_added",
    "ouder-weg": "prefs.partner_removed",
}


class Expired(Exception):
    pass


def _lang(request: Request, recipient: Recipient | None) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    if recipient is not None and recipient.language in LANGUAGES:
        return recipient.language
    return "nl"


def _recipient(app: App, session: Session, token: str) -> Recipient:
    try:
        return preferences.recipient_from_link(session, app.settings.secret_key, token)
    except InputError:
        raise Expired from None


def _who(recipient: Recipient) -> str:
    parts = [recipient.first_name, mask_phone(recipient.phone), mask_email(recipient.email)]
    return ", ".join(p for p in parts if p)


def _show(
    request: Request,
    app: App,
    session: Session,
    recipient: Recipient,
    token: str,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    lang = _lang(request, recipient)
    t = Translator(lang)
    programme = current_programme(session)[1]
    family = recipient.family
    today = app.hours.today(app.now())
    shown: dict[str, Any] = {
        "channels": consent.live_channels(recipient),
        "language": recipient.language,
        "preferred_time": time_key(recipient.preferred_time),
        "partner_language": lang,
        "partner_channels": [],
    }
    shown.update(values or {})
    errors = errors or {}
    note = request.query_params.get("klaar", "")
    notice = None
    if note in NOTES:
        day = t.day(family.paused_until) if family.paused_until else ""
        notice = t(NOTES[note], day=day) if note == "pauze" else t(NOTES[note])
    paused = family.paused_until if family.paused_until and family.paused_until >= today else None
    context = {
        "base": f"/p/{token}",
        "who": _who(recipient),
        "values": shown,
        "errors": errors,
        "summary": [(_anchor(name), text) for name, text in errors.items()],
        "notice": notice,
        "active": family.status == "active",
        "expecting": any(c.status == "expecting" for c in family.children),
        "paused_until": t.day(paused) if paused else None,
        "channel_options": [
            (c, t(f"channel.{c}"))
            for c in consent.CHANNELS
            if (recipient.phone if c == "sms" else recipient.email)
        ],
        "pause_options": [(str(w), t(f"pause.{w}")) for w in preferences.PAUSE_WEEKS]
        + [("until", t("pause.until"))],
        "others": [(r.id, _who(r)) for r in preferences.others(recipient)],
        **choices(programme, t),
    }
    other = "en" if lang == "nl" else "nl"
    return page(request, "parent/preferences.html", lang, context, status_code=status_code,
                alt_url=f"/p/{token}?lang={other}")


def _anchor(name: str) -> str:
    return {"channels": "channels-sms", "partner_channels": "partner_channels-sms",
            "pause": "pause-2"}.get(name, name)


def _expired(request: Request, lang: str, status_code: int = 410) -> Response:
    context = {"title_key": "link.title", "action": NEW_LINK[lang], "values": {}}
    return page(request, "parent/new_link.html", lang, context, status_code=status_code,
                alt_url=NEW_LINK["en" if lang == "nl" else "nl"])


def _back(token: str, note: str, request: Request) -> Response:
    lang = request.query_params.get("lang")
    extra = f"&lang={lang}" if lang in LANGUAGES else ""
    return RedirectResponse(f"/p/{token}?klaar={note}{extra}", status_code=303)


Action = Callable[[Session, Recipient, Translator], "list[int] | Response | None"]


def _act(request: Request, app: App, token: str, note: str, action: Action,
         values: dict[str, Any]) -> Response:
    """Run one change in one transaction; errors come back on the page next to their field,
    with nothing changed."""
    try:
        with unit_of_work(app.factory) as session:
            try:
                recipient = _recipient(app, session, token)
            except Expired:
                return _expired(request, _lang(request, None))
            result = action(session, recipient, Translator(_lang(request, recipient)))
            if isinstance(result, Response):
                return result
            ids = result or []
    except InputError as exc:  # rolled back
        with unit_of_work(app.factory) as session:
            recipient = _recipient(app, session, token)
            t = Translator(_lang(request, recipient))
            field = exc.field or "channels"
            errors = {field: _field_error(field, exc, t)}
            return _show(request, app, session, recipient, token, values, errors, 400)
    send_confirmations(app, ids)
    return _back(token, note, request)


class FieldError(InputError):
    """An error already in the parent's words."""


def _field_error(field: str, exc: InputError, t: Translator) -> str:
    if isinstance(exc, FieldError):
        return str(exc)
    return {
        "channels": t("err.channel_none"),
        "partner_channels": t("err.channel_none"),
        "partner_phone": t("err.sms_needs_phone"),
        "partner_email": t("err.email_needs_address"),
        "pause": t("err.choice"),
        "pause_until": t("err.pause_until"),
    }.get(field, t("err.generic"))


@router.get("/k/{code}", response_class=HTMLResponse)
def short_link(request: Request, app: AppDep, code: str) -> Response:
    """The short link in an SMS leads to the same page as the email's long one."""
    with unit_of_work(app.factory) as session:
        try:
            token = preferences.long_token_for_short(
                session, app.settings.secret_key, code, app.hours.today(app.now())
            )
        except InputError:
            return _expired(request, _lang(request, None))
    return RedirectResponse(f"/p/{token}", status_code=303)


@router.get("/p/{token}", response_class=HTMLResponse)
def show(request: Request, app: AppDep, token: str) -> Response:
    with unit_of_work(app.factory) as session:
        try:
            recipient = _recipient(app, session, token)
        except Expired:
            return _expired(request, _lang(request, None))
        return _show(request, app, session, recipient, token)


@router.post("/p/{token}/instellingen", response_class=HTMLResponse)
def save(request: Request, app: AppDep, token: str, _: CsrfChecked, form: Form) -> Response:
    chosen = [str(c) for c in form.getlist("channels")]
    language = str(form.get("language") or "")
    at = str(form.get("preferred_time") or "")
    values: dict[str, Any] = {"channels": chosen, "language": language, "preferred_time": at}

    def action(session: Session, recipient: Recipient, t: Translator) -> list[int]:
        programme = current_programme(session)[1]
        return preferences.change_settings(
            session, recipient, programme,
            channels=chosen,
            language=language,
            preferred_time=TIMES.get(at),
            hours=app.hours,
            now=app.now(),
            secret=app.settings.secret_key,
            public_url=app.settings.public_url,
        )

    return _act(request, app, token, "opgeslagen", action, values)


@router.post("/p/{token}/pauze", response_class=HTMLResponse)
def pause(request: Request, app: AppDep, token: str, _: CsrfChecked, form: Form) -> Response:
    values = {"pause": str(form.get("pause") or ""),
              "pause_until": str(form.get("pause_until") or "").strip()}

    def action(session: Session, recipient: Recipient, t: Translator) -> None:
        today = app.hours.today(app.now())
        choice = values["pause"]
        if choice == "until" or (not choice and values["pause_until"]):
            day = parse_day(values["pause_until"])
            if day is None:
                raise FieldError(t("err.date_format"), "pause_until")
            last = preferences.pause_until(None, day, today)
        elif choice.isdigit():
            last = preferences.pause_until(int(choice), None, today)
        else:
            raise InputError("choose how long", "pause")
        preferences.pause(session, recipient.family, last, today)

    return _act(request, app, token, "pauze", action, values)


@router.post("/p/{token}/geboren", response_class=HTMLResponse)
def born(request: Request, app: AppDep, token: str, _: CsrfChecked, form: Form) -> Response:
    values = {"birth_date": str(form.get("birth_date") or "").strip(),
              "weeks_at_birth": str(form.get("weeks_at_birth") or "").strip()}

    def action(session: Session, recipient: Recipient, t: Translator) -> None:
        now = app.now()
        today = app.hours.today(now)
        day, problem = check_day(values["birth_date"], "birth", today, t)
        if problem or day is None:
            raise FieldError(problem or t("err.date_format"), "birth_date")
        weeks = None
        if values["weeks_at_birth"]:
            raw = values["weeks_at_birth"]
            if not raw.isdigit() or not 22 <= int(raw) < 37:
                raise FieldError(t("err.weeks"), "weeks_at_birth")
            weeks = int(raw)
        family_changes.report_birth(session, recipient.family, day, today, now, weeks, "web")

    return _act(request, app, token, "geboren", action, values)


@router.post("/p/{token}/uitgerekend", response_class=HTMLResponse)
def due(request: Request, app: AppDep, token: str, _: CsrfChecked, form: Form) -> Response:
    values = {"due_date": str(form.get("due_date") or "").strip()}

    def action(session: Session, recipient: Recipient, t: Translator) -> None:
        now = app.now()
        today = app.hours.today(now)
        day, problem = check_day(values["due_date"], "due", today, t)
        if problem or day is None:
            raise FieldError(problem or t("err.date_format"), "due_date")
        family_changes.change_due_date(session, recipient.family, day, today, now, "web")

    return _act(request, app, token, "uitgerekend", action, values)


@router.post("/p/{token}/ouder-erbij", response_class=HTMLResponse)
def add_partner(request: Request, app: AppDep, token: str, _: CsrfChecked, form: Form) -> Response:
    values: dict[str, Any] = {
        name: str(form.get(name) or "").strip()
        for name in ("partner_first_name", "partner_phone", "partner_email", "partner_language")
    }
    values["partner_channels"] = [str(c) for c in form.getlist("partner_channels")]

    def action(session: Session, recipient: Recipient, t: Translator) -> list[int]:
        regions = app.settings.phone_regions
        phone = values["partner_phone"] or None
        if phone:
            phone, problem = phone_problem(phone, regions)
            if problem:
                raise FieldError(t(problem), "partner_phone")
        if not values["partner_phone"] and not values["partner_email"]:
            raise FieldError(t("err.partner_contact"), "partner_phone")
        person = RecipientInput(
            phone, values["partner_email"] or None, values["partner_language"] or "nl",
            tuple(Channel(c) for c in values["partner_channels"] if c in ("sms", "email")),
            values["partner_first_name"], recipient.preferred_time,
        )
        try:
            return preferences.add_caregiver(
                session, recipient.family, current_programme(session)[1], person,
                now=app.now(), regions=regions, secret=app.settings.secret_key,
                public_url=app.settings.public_url,
            )
        except InputError as exc:
            if exc.field == "email":
                raise FieldError(t("err.email_invalid"), "partner_email") from None
            raise

    return _act(request, app, token, "ouder-erbij", action, values)


@router.post("/p/{token}/ouder-weg", response_class=HTMLResponse)
def remove_partner(
    request: Request, app: AppDep, token: str, _: CsrfChecked, form: Form
) -> Response:
    raw = str(form.get("remove") or "0")

    def action(session: Session, recipient: Recipient, t: Translator) -> None:
        other = int(raw) if raw.isdigit() else 0
        preferences.remove_caregiver(session, recipient, other, app.now())

    return _act(request, app, token, "ouder-weg", action, {})


@router.post("/p/{token}/stop", response_class=HTMLResponse)
def stop(request: Request, app: AppDep, token: str, _: CsrfChecked) -> Response:
    def action(session: Session, recipient: Recipient, t: Translator) -> Response:
        family_changes.stop(session, recipient.family, app.now(), source="web")
        return message(request, t.lang, "stopped.title", "stopped.text")

    return _act(request, app, token, "", action, {})


@router.get("/p/{token}/verlies", response_class=HTMLResponse)
def loss_page(request: Request, app: AppDep, token: str) -> Response:
    with unit_of_work(app.factory) as session:
        try:
            recipient = _recipient(app, session, token)
        except Expired:
            return _expired(request, _lang(request, None))
        lang = _lang(request, recipient)
        programme = current_programme(session)[1]
        phone = programme.location(recipient.family.location_key).phone
        context = {"base": f"/p/{token}", "phone": phone,
                   "children": _loss_choices(recipient, Translator(lang))}
        return page(request, "parent/loss.html", lang, context)


def _loss_choices(recipient: Recipient, t: Translator) -> list[tuple[str, str]]:
    """(value, label) per living child when there is more than one to choose from."""
    living = preferences.living_children(recipient)
    if len(living) < 2:
        return []
    choices = []
    for place, child in enumerate(living, start=1):
        if child.status == "expecting":
            text = t("loss.child_expecting", day=t.day(child.due_date))
        else:
            text = t("loss.child_born", day=t.day(child.birth_date or child.due_date))
        choices.append((str(place), f"{child.name}: {text}" if child.name else text))
    return choices


@router.post("/p/{token}/verlies", response_class=HTMLResponse)
def loss(request: Request, app: AppDep, token: str, _: CsrfChecked, form: Form) -> Response:
    keep = bool(form.get("keep"))
    picked = str(form.get("child") or "")
    choice = int(picked) if picked.isdigit() and len(picked) < 3 else None

    def action(session: Session, recipient: Recipient, t: Translator) -> Response:
        now = app.now()
        if recipient.family.status == "active":
            try:
                preferences.report_loss(session, recipient, app.hours.today(now), now, keep, choice)
            except InputError:
                context = {"base": f"/p/{token}", "children": _loss_choices(recipient, t),
                           "errors": {"child": t("loss.which_error")},
                           "summary": [("child-1", t("loss.which_error"))]}
                return page(request, "parent/loss.html", t.lang, context, status_code=400)
        if recipient.family.status == "active":  # another child lives on
            return message(request, t.lang, "loss.done_title_other", "loss.done_text_other")
        return message(request, t.lang, "loss.done_title", "loss.done_text")

    return _act(request, app, token, "", action, {})


@router.post("/p/{token}/gegevens")
def export(request: Request, app: AppDep, token: str, _: CsrfChecked) -> Response:
    with unit_of_work(app.factory) as session:
        try:
            recipient = _recipient(app, session, token)
        except Expired:
            return _expired(request, _lang(request, None))
        data = privacy.export_person(
            session,
            phone=recipient.phone,
            email=None if recipient.phone else recipient.email,
            regions=app.settings.phone_regions,
            now=app.now(),
        )
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    stamp = app.now().astimezone(UTC).strftime("%Y%m%d")
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="kansrijke-start-{stamp}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/p/{token}/wissen", response_class=HTMLResponse)
def erase(request: Request, app: AppDep, token: str, _: CsrfChecked, form: Form) -> Response:
    sure = bool(form.get("erase_confirm"))

    def action(session: Session, recipient: Recipient, t: Translator) -> Response:
        if not sure:
            raise FieldError(t("err.erase_confirm"), "erase_confirm")
        with suppress(NotFound):  # erased a moment ago (a second click)
            _, forms, _ = erasure_copies.erase_person_and_copies(
                session,
                app.settings,
                phone=recipient.phone,
                email=None if recipient.phone else recipient.email,
                now=app.now(),
                source="web",
            )
            erasure_copies.forget_outside_database(app.settings, forms)
        return message(request, t.lang, "erased.title", "erased.text")

    return _act(request, app, token, "", action, {})


# An expired or lost link: ask for a new one by number or address (the answer is the same
# whether we know them or not).
NEW_LINK = {"nl": "/p", "en": "/en/preferences"}


def _ask_link(request: Request, lang: str) -> Response:
    context = {"title_key": "link.request_title", "action": NEW_LINK[lang], "values": {}}
    return page(request, "parent/new_link.html", lang, context,
                alt_url=NEW_LINK["en" if lang == "nl" else "nl"])


def _send_link(request: Request, app: App, form: Form, lang: str) -> Response:
    t = Translator(lang)
    contact = str(form.get("contact") or "").strip()
    if not contact:
        errors = {"contact": t("err.contact")}
        context = {"title_key": "link.request_title", "action": NEW_LINK[lang],
                   "values": {"contact": contact}, "errors": errors,
                   "summary": list(errors.items())}
        return page(request, "parent/new_link.html", lang, context, status_code=400)
    link_requests.request_link(app, contact, client_ip(request), app.now())
    return message(request, lang, "link.sent_title", "link.sent_text",
                   link=PATHS[lang], link_key="site.back_home")


@router.get("/p", response_class=HTMLResponse)
def ask_link_nl(request: Request) -> Response:
    return _ask_link(request, "nl")


@router.get("/en/preferences", response_class=HTMLResponse)
def ask_link_en(request: Request) -> Response:
    return _ask_link(request, "en")


@router.post("/p", response_class=HTMLResponse)
def send_link_nl(request: Request, app: AppDep, _: CsrfChecked, form: Form) -> Response:
    return _send_link(request, app, form, "nl")


@router.post("/en/preferences", response_class=HTMLResponse)
def send_link_en(request: Request, app: AppDep, _: CsrfChecked, form: Form) -> Response:
    return _send_link(request, app, form, "en")
