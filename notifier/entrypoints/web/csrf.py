"""CSRF protection for every HTML form: a random per-browser cookie, and in each form the same
value signed with NOTIFIER_SECRET_KEY. A forged form from another site has neither.

Forms call ``token_for(request)`` (the page renderer does) and their POST routes depend on
``verify_csrf``; the webhook, API and RFC 8058 one-click routes authenticate otherwise.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from notifier.entrypoints.web.input_checks import check_form

COOKIE = "ks_csrf"
FIELD = "csrf_token"
MAX_AGE = 12 * 3600


class CsrfError(Exception):
    """A form without a valid token: answered with a 403 page that says how to go on."""


def _serializer(request: Request) -> URLSafeTimedSerializer:
    secret = request.app.state.notifier.settings.secret_key
    return URLSafeTimedSerializer(secret, salt="notifier.csrf")


def token_for(request: Request) -> str:
    """The token to put in a form; sets up the browser's cookie value if it has none yet."""
    value = request.cookies.get(COOKIE) or getattr(request.state, "csrf_cookie", None)
    if not value:
        value = secrets.token_urlsafe(24)
        request.state.csrf_cookie = value  # written by `set_cookie` on the response
    return str(_serializer(request).dumps(value))


def set_cookie(request: Request, response: Response) -> None:
    value = getattr(request.state, "csrf_cookie", None)
    if value:
        response.set_cookie(
            COOKIE, value, httponly=True, samesite="lax", secure=_secure(request), path="/"
        )


def _secure(request: Request) -> bool:
    return str(request.app.state.notifier.settings.public_url).startswith("https://")


async def verify_csrf(request: Request) -> None:
    form = await request.form()
    check_form(form.multi_items())  # NUL bytes and the like: a 400 page, before anything else
    token = form.get(FIELD)
    cookie = request.cookies.get(COOKIE)
    if not isinstance(token, str) or not cookie:
        raise CsrfError
    try:
        value = _serializer(request).loads(token, max_age=MAX_AGE)
    except (BadSignature, SignatureExpired):
        raise CsrfError from None
    if not secrets.compare_digest(str(value), cookie):
        raise CsrfError


CsrfChecked = Annotated[None, Depends(verify_csrf)]
