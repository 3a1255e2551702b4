"""RFC 8058 one-click unsubscribe: the URL in our List-Unsubscribe header (``/u/<token>``).

A mail client POSTs ``List-Unsubscribe=One-Click`` to it, without a session or a CSRF token:
the signed token (a recipient id, no personal data) is the authority, and the answer is 200.
A person who opens the link gets a page with a button that posts to the same URL (a GET
changes nothing: mail scanners fetch links)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Recipient
from notifier.adapters.tokens import UNSUBSCRIBE
from notifier.bootstrap import App
from notifier.domain.errors import InputError
from notifier.entrypoints.web.deps import AppDep
from notifier.entrypoints.web.parent_pages import message, page
from notifier.entrypoints.web.parent_texts import LANGUAGES
from notifier.services import preferences

router = APIRouter(tags=["parents"], include_in_schema=False)


def _lang(request: Request, language: str | None = None) -> str:
    asked = request.query_params.get("lang") or language
    return asked if asked in LANGUAGES else "nl"


def _recipient(app: App, session: Session, token: str) -> Recipient | None:
    try:
        return preferences.recipient_from_link(
            session, app.settings.secret_key, token, UNSUBSCRIBE
        )
    except InputError:
        return None


def _bad_link(request: Request) -> Response:
    return message(request, _lang(request), "unsub.bad_title", "unsub.bad_text", status_code=400)


@router.get("/u/{token}", response_class=HTMLResponse)
def ask(request: Request, app: AppDep, token: str) -> Response:
    with unit_of_work(app.factory) as session:
        recipient = _recipient(app, session, token)
        if recipient is None:
            return _bad_link(request)
        lang = _lang(request, recipient.language)
    other = "en" if lang == "nl" else "nl"
    return page(request, "parent/unsubscribe.html", lang, {"action": f"/u/{token}"},
                alt_url=f"/u/{token}?lang={other}")


@router.post("/u/{token}", response_class=HTMLResponse)
def one_click(request: Request, app: AppDep, token: str) -> Response:
    with unit_of_work(app.factory) as session:
        recipient = _recipient(app, session, token)
        if recipient is None:
            return _bad_link(request)
        preferences.unsubscribe_email(session, recipient, app.now())
        lang = _lang(request, recipient.language)
    return message(request, lang, "unsub.done_title", "unsub.done_text")
