"""Request bodies are refused as soon as they are too big, never read into memory first.

A pure ASGI middleware, outside everything that reads a body. The limit depends on the path
(``LIMITS``: webhooks and the API get small bodies, staff forms more). A declared
``Content-Length`` above the limit is answered 413 before the application runs; a body without
one (chunked) is counted as it streams in and refused at the first chunk that passes the limit.
Either way the answer says ``Connection: close``, so the server stops reading the rest.

By design a webhook checks ``X-Twilio-Signature`` before it reads its body: a streamed
(chunked) body to a webhook with a missing signature gets 403 without a byte read; one with a
forged signature is read only up to the limit (413), since the signature covers the body.
A declared oversize ``Content-Length`` gets 413 whatever the signature.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KIB = 1024

# (path prefix, bytes); the first prefix that matches wins, the last entry is the default.
LIMITS: tuple[tuple[str, int], ...] = (
    ("/webhooks/", 32 * KIB),  # a Twilio callback or inbound SMS is about 1 KiB
    ("/api/", 64 * KIB),  # one enrollment as JSON
    ("/staff", 1024 * KIB),  # programme texts typed in the editor
    ("", 64 * KIB),  # the parents' forms
)

TOO_LARGE = b"Request body too large"


def limit_for(path: str) -> int:
    for prefix, limit in LIMITS:
        if path.startswith(prefix):
            return limit
    return LIMITS[-1][1]


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when the streamed body passes the limit: the handlers turn it
    into 413 in the route's own shape (the API's JSON error), or this middleware does."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes",
                         headers={"Connection": "close"})


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length before we see it
    return None


async def _refuse(send: Send) -> None:
    await send({
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(TOO_LARGE)).encode()),
            (b"connection", b"close"),
        ],
    })
    await send({"type": "http.response.body", "body": TOO_LARGE})


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:  # the answer is on its way: nothing more to say
                return
            await _refuse(send)
