"""Security headers on every answer, added by a pure ASGI middleware.

- ``Content-Security-Policy``: everything from this origin only, no inline script or style
  (the pages' scripts and styles are files under /static), no plug-ins, no ``<base>``, forms
  post only here, and no framing (``frame-ancestors 'none'``, and ``X-Frame-Options: DENY`` for
  older browsers).
- ``X-Content-Type-Options: nosniff``.
- ``Referrer-Policy: no-referrer`` everywhere: the parents' links carry tokens in their path
  (/p/, /u/, /k/, /bevestig/), and no page needs to tell another site where a visitor came from.
- ``Strict-Transport-Security`` when the request came over HTTPS (the scheme uvicorn saw, or
  ``X-Forwarded-Proto`` from a proxy named in NOTIFIER_TRUSTED_PROXIES).
- ``Cache-Control: no-store`` on every answer that does not set its own (pages, the API, staff
  JSON, the redirects of short links all may carry personal data or tokens); only the static
  files under /static keep their caching.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"

ALWAYS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
ALWAYS_HTTPS = [*ALWAYS, (b"strict-transport-security", HSTS.encode())]
NO_STORE = (b"cache-control", b"no-store")
CACHEABLE_PREFIXES = ("/static/",)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = ALWAYS_HTTPS if scope.get("scheme") == "https" else ALWAYS
        no_store = not scope["path"].startswith(CACHEABLE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), *extra]
                if no_store and not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
