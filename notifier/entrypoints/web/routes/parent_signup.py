"""The sign-up page: /aanmelden (Dutch), /en/signup (English); /signup leads to the Dutch one.

Nothing is stored until the whole form is valid; the answer afterwards is the same whether the
number was new or already enrolled ("check your phone or email")."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.adapters.db.engine import unit_of_work
from notifier.bootstrap import App
from notifier.domain.errors import InputError
from notifier.domain.programme import Programme
from notifier.entrypoints.web.csrf import CsrfChecked
from notifier.entrypoints.web.deps import AppDep
from notifier.entrypoints.web.parent_pages import Form, client_ip, message, page
from notifier.entrypoints.web.parent_texts import TEXTS, Translator
from notifier.entrypoints.web.signup_form import (
    TIME_LABELS,
    FormResult,
    blank_values,
    check_signup,
    parse_day,
)
from notifier.services.publishing import current_programme
from notifier.services.signup import LIMITED, request_signup
from notifier.services.signup_sample import (
    EXAMPLE_WEEKS_PREGNANT,
    example_due_date,
    first_messages,
)

router = APIRouter(tags=["parents"], include_in_schema=False)

PATHS = {"nl": "/aanmelden", "en": "/en/signup"}
SENT = {"nl": "/aanmelden/verstuurd", "en": "/en/signup/sent"}
CODE = {"nl": "/bevestig", "en": "/en/confirm"}


def other(lang: str) -> str:
    return "en" if lang == "nl" else "nl"


def programme_of(app: App) -> Programme:
    with unit_of_work(app.factory) as session:
        return current_programme(session)[1]


def choices(programme: Programme, t: Translator) -> dict[str, Any]:
    """The options of the form's lists, shared with the staff form."""
    languages = [
        (code, t(f"language.{code}") if f"language.{code}" in TEXTS else code.upper())
        for code in programme.languages
    ]
    named = sorted(((key, loc.name) for key, loc in programme.locations.items()),
                   key=lambda kv: kv[1])
    locations = [("", t("location.unknown")), *named]
    times = [(key, t(label)) for key, label in TIME_LABELS.items()]
    return {"languages": languages, "locations": locations, "times": times}


def signup_context(
    app: App, programme: Programme, lang: str, today: date, form: FormResult | None
) -> dict[str, Any]:
    t = Translator(lang)
    values = form.values if form else blank_values(lang)
    due = parse_day(str(values.get("due_date") or ""))
    birth = parse_day(str(values.get("birth_date") or ""))
    own = form is not None and (due is None) != (birth is None)
    samples = first_messages(
        programme,
        today=today,
        hours=app.hours,
        cap=app.cap,
        public_url=app.settings.public_url,
        language=lang,
        due_date=due if own else example_due_date(today),
        birth_date=birth if own else None,
    )
    return {
        "values": values,
        "errors": form.errors if form else {},
        "summary": form.summary if form else [],
        "cap": app.settings.weekly_cap,
        "sample_weeks": EXAMPLE_WEEKS_PREGNANT,
        "own_sample": own,
        "samples": [(t.day(day), body) for day, body in samples],
        **choices(programme, t),
    }


@router.get("/signup")
def signup_redirect() -> Response:
    return RedirectResponse(PATHS["nl"], status_code=301)


def _show(request: Request, app: App, lang: str) -> Response:
    programme = programme_of(app)
    today = app.hours.today(app.now())
    context = signup_context(app, programme, lang, today, None)
    context["action"] = PATHS[lang]
    return page(request, "parent/signup.html", lang, context, alt_url=PATHS[other(lang)])


def _submit(request: Request, app: App, form: Form, lang: str) -> Response:
    programme = programme_of(app)
    now = app.now()
    today = app.hours.today(now)
    t = Translator(lang)
    result = check_signup(
        form,
        t=t,
        today=today,
        languages=programme.languages,
        locations=list(programme.locations),
        regions=app.settings.phone_regions,
    )
    if result.enrolment is not None:
        try:
            outcome = request_signup(app, result.enrolment, client_ip(request), now, today)
        except InputError as exc:  # a rule the form did not foresee: still said in plain words
            result.errors[exc.field or "phone"] = t("err.generic")
        else:
            if outcome.status == LIMITED:
                phone = programme.location(None).phone
                return message(request, lang, "limited.title", "limited.text", status_code=429,
                               values={"phone": phone})
            return RedirectResponse(SENT[lang], status_code=303)
    context = signup_context(app, programme, lang, today, result)
    context["action"] = PATHS[lang]
    return page(request, "parent/signup.html", lang, context, status_code=400,
                alt_url=PATHS[other(lang)])


def _sent(request: Request, app: App, lang: str) -> Response:
    phone = programme_of(app).location(None).phone
    context = {"code_url": CODE[lang], "phone": phone}
    return page(request, "parent/sent.html", lang, context, alt_url=SENT[other(lang)])


@router.get("/aanmelden", response_class=HTMLResponse)
def signup_nl(request: Request, app: AppDep) -> Response:
    return _show(request, app, "nl")


@router.get("/en/signup", response_class=HTMLResponse)
def signup_en(request: Request, app: AppDep) -> Response:
    return _show(request, app, "en")


@router.post("/aanmelden", response_class=HTMLResponse)
def submit_nl(request: Request, app: AppDep, _: CsrfChecked, form: Form) -> Response:
    return _submit(request, app, form, "nl")


@router.post("/en/signup", response_class=HTMLResponse)
def submit_en(request: Request, app: AppDep, _: CsrfChecked, form: Form) -> Response:
    return _submit(request, app, form, "en")


@router.get("/aanmelden/verstuurd", response_class=HTMLResponse)
def sent_nl(request: Request, app: AppDep) -> Response:
    return _sent(request, app, "nl")


@router.get("/en/signup/sent", response_class=HTMLResponse)
def sent_en(request: Request, app: AppDep) -> Response:
    return _sent(request, app, "en")
