"""What every parents' page shares: the language (from the path), the words for it, the link
to the same page in the other language, and the form as sent (read once, shared with CSRF)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from notifier.entrypoints.web.input_checks import check_form
from notifier.entrypoints.web.pages import render
from notifier.entrypoints.web.parent_texts import Translator


def page(
    request: Request,
    name: str,
    lang: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    alt_url: str | None = None,
) -> HTMLResponse:
    t = Translator(lang)
    values: dict[str, Any] = {"t": t, "alt_url": alt_url, "errors": {}, "summary": []}
    values.update(context or {})
    return render(request, name, values, status_code=status_code, lang=t.lang)


def message(
    request: Request,
    lang: str,
    title_key: str,
    *paragraph_keys: str,
    status_code: int = 200,
    link: str | None = None,
    link_key: str | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page with a heading and a few paragraphs (results, expired links, ...)."""
    t = Translator(lang)
    extra = values or {}
    context = {
        "title": t(title_key),
        "paragraphs": [t(key, **extra) for key in paragraph_keys],
        "link": link,
        "link_label": t(link_key) if link_key else "",
    }
    return page(request, "parent/message.html", lang, context, status_code=status_code)


async def form_data(request: Request) -> FormData:
    form = await request.form()  # Starlette keeps it: the CSRF check reads the same form
    check_form(form.multi_items())
    return form


Form = Annotated[FormData, Depends(form_data)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
