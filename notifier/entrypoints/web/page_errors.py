"""Answers to bad input and to our own failures: a page in plain words (or the API's JSON
error under /api/), never a stack trace.

- ``BadInput`` (input_checks): 400.
- ``BodyTooLarge`` raised while a form streams in (body_limit): 413.
- Anything unexpected: 500 with a short page; the traceback goes to the log (masked), not to
  the visitor. Causes found are fixed where they arise; this is the last net.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

from notifier.adapters.logs import get_logger
from notifier.entrypoints.web.api.errors import PREFIX, error_response
from notifier.entrypoints.web.body_limit import BodyTooLarge
from notifier.entrypoints.web.input_checks import BadInput
from notifier.entrypoints.web.pages import render

log = get_logger("notifier.web")

TEXTS = {
    400: {
        "nl": ("Dit verzoek kunnen wij niet lezen",
               "Er staan tekens of waarden in die wij niet verwachten. Ga terug en probeer het "
               "opnieuw, of open de link uit uw bericht nog eens."),
        "en": ("We cannot read this request",
               "It holds characters or values we do not expect. Go back and try again, or "
               "open the link from your message once more."),
    },
    413: {
        "nl": ("Dit formulier is te groot", "Ga terug en stuur het formulier opnieuw, korter."),
        "en": ("This form is too large", "Go back and send the form again, shorter."),
    },
    500: {
        "nl": ("Er ging iets mis bij ons",
               "Uw verzoek is niet verwerkt. Probeer het over een paar minuten opnieuw."),
        "en": ("Something went wrong on our side",
               "Your request was not handled. Please try again in a few minutes."),
    },
}
BACK = {"nl": ("/aanmelden", "Naar de startpagina"), "en": ("/en/signup", "To the start page")}


def friendly(request: Request, status: int, api_message: str) -> Response:
    if request.url.path.startswith(PREFIX):
        return error_response(status, api_message)
    lang = "en" if request.url.path.startswith("/en/") else "nl"
    title, message = TEXTS[status][lang]
    back, back_label = BACK[lang]
    context = {"title": title, "message": message, "back": back, "back_label": back_label}
    try:
        return render(request, "error.html", context, status_code=status, lang=lang)
    except Exception:  # the page itself failed: still no trace
        return PlainTextResponse(f"{title}. {message}", status_code=status)


def install_input_errors(api: FastAPI) -> None:
    @api.exception_handler(BadInput)
    def bad_input(request: Request, exc: BadInput) -> Response:
        return friendly(request, 400, str(exc))

    @api.exception_handler(BodyTooLarge)
    def too_large(request: Request, exc: BodyTooLarge) -> Response:
        response = friendly(request, 413, str(exc.detail))
        response.headers["Connection"] = "close"
        return response

    @api.exception_handler(Exception)
    def unexpected(request: Request, exc: Exception) -> Response:
        # Starlette logs the exception after this answer is sent (through our masked logs)
        return friendly(request, 500, "an unexpected error occurred")
