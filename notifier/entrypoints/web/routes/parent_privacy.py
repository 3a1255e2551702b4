"""The privacy statement every page links to (``/privacy``, ``/en/privacy``): what the service
keeps, why, for how long, and the parent's rights, in the parent's language."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from notifier.entrypoints.web.parent_pages import message

router = APIRouter(tags=["parents"], include_in_schema=False)
PARAGRAPHS = ("privacy.who", "privacy.what", "privacy.how_long", "privacy.rights",
              "privacy.questions")


@router.get("/privacy", response_class=HTMLResponse)
def privacy_nl(request: Request) -> HTMLResponse:
    return message(request, "nl", "privacy.title", *PARAGRAPHS)


@router.get("/en/privacy", response_class=HTMLResponse)
def privacy_en(request: Request) -> HTMLResponse:
    return message(request, "en", "privacy.title", *PARAGRAPHS)
