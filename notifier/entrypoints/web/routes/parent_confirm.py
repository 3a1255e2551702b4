"""Double opt-in on the web: the email link (GET shows a button, POST confirms: mail scanners
fetch links by themselves) and the page to type the code from the SMS."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from notifier.domain.confirmation import clean_code
from notifier.domain.errors import InputError
from notifier.entrypoints.web.csrf import CsrfChecked
from notifier.entrypoints.web.deps import AppDep, SessionDep
from notifier.entrypoints.web.parent_pages import Form, message, page
from notifier.entrypoints.web.parent_texts import Translator
from notifier.entrypoints.web.routes.parent_signup import PATHS
from notifier.entrypoints.web.signup_form import phone_problem
from notifier.services.confirmation import CONFIRM_PATH, confirm_by_code, confirm_by_token

router = APIRouter(tags=["parents"], include_in_schema=False)

LINK = CONFIRM_PATH
CODE = {"nl": "/bevestig", "en": "/en/confirm"}


def _other(lang: str) -> str:
    return "en" if lang == "nl" else "nl"


def _ask(request: Request, token: str, lang: str) -> Response:
    context = {"action": LINK[lang] + token}
    return page(request, "parent/confirm.html", lang, context, alt_url=LINK[_other(lang)] + token)


def _confirm(request: Request, app: AppDep, session: SessionDep, token: str, lang: str) -> Response:
    try:
        done = confirm_by_token(session, token, app.now(), secret=app.settings.secret_key)
    except InputError:
        return message(request, lang, "confirm.bad_title", "confirm.bad_text", status_code=400,
                       link=PATHS[lang], link_key="site.back_home")
    second = "confirm.already" if done.already else "confirm.done_text"
    title = "confirm.done_title"
    return message(request, done.language, title, second)


@router.get("/bevestig/{token}", response_class=HTMLResponse)
def ask_nl(request: Request, token: str) -> Response:
    return _ask(request, token, "nl")


@router.get("/en/confirm/{token}", response_class=HTMLResponse)
def ask_en(request: Request, token: str) -> Response:
    return _ask(request, token, "en")


@router.post("/bevestig/{token}", response_class=HTMLResponse)
def confirm_nl(
    request: Request, app: AppDep, session: SessionDep, token: str, _: CsrfChecked
) -> Response:
    return _confirm(request, app, session, token, "nl")


@router.post("/en/confirm/{token}", response_class=HTMLResponse)
def confirm_en(
    request: Request, app: AppDep, session: SessionDep, token: str, _: CsrfChecked
) -> Response:
    return _confirm(request, app, session, token, "en")


def _code_page(
    request: Request, lang: str, values: dict[str, str], errors: dict[str, str], status: int
) -> Response:
    context = {
        "action": CODE[lang],
        "values": values,
        "errors": errors,
        "summary": [(name, text) for name, text in errors.items()],
    }
    return page(request, "parent/code.html", lang, context, status_code=status,
                alt_url=CODE[_other(lang)])


def _check_code(
    request: Request, app: AppDep, session: SessionDep, form: Form, lang: str
) -> Response:
    t = Translator(lang)
    values = {name: str(form.get(name) or "").strip() for name in ("phone", "code")}
    errors: dict[str, str] = {}
    phone, problem = phone_problem(values["phone"], app.settings.phone_regions)
    if not values["phone"]:
        errors["phone"] = t("err.phone_missing")
    elif problem:
        errors["phone"] = t(problem)
    if clean_code(values["code"]) is None:
        errors["code"] = t("err.code_format")
    if errors or phone is None:
        return _code_page(request, lang, values, errors, 400)
    done = confirm_by_code(session, phone, values["code"], app.now(),
                           secret=app.settings.secret_key)
    if not done.ok:
        return _code_page(request, lang, values, {"code": t("err.code_wrong")}, 400)
    return message(request, done.language, "confirm.done_title", "confirm.done_text")


@router.get("/bevestig", response_class=HTMLResponse)
def code_nl(request: Request) -> Response:
    return _code_page(request, "nl", {}, {}, 200)


@router.get("/en/confirm", response_class=HTMLResponse)
def code_en(request: Request) -> Response:
    return _code_page(request, "en", {}, {}, 200)


@router.post("/bevestig", response_class=HTMLResponse)
def check_nl(
    request: Request, app: AppDep, session: SessionDep, _: CsrfChecked, form: Form
) -> Response:
    return _check_code(request, app, session, form, "nl")


@router.post("/en/confirm", response_class=HTMLResponse)
def check_en(
    request: Request, app: AppDep, session: SessionDep, _: CsrfChecked, form: Form
) -> Response:
    return _check_code(request, app, session, form, "en")
