"""Twilio webhooks. The handler parses and calls one service; a forged request changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from notifier.adapters.batching import GroupCommit
from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.logs import get_logger
from notifier.bootstrap import App
from notifier.entrypoints.web.twilio_signature import signed_form
from notifier.services.status_callbacks import StatusCallback, apply_statuses

router = APIRouter(prefix="/webhooks/twilio", tags=["webhooks"])
log = get_logger("notifier.status_callbacks")


def _writer(request: Request) -> GroupCommit[StatusCallback]:
    """This web process's writer of callbacks: the ones that arrive while a transaction is
    being written go together in the next one (one thread, off the event loop)."""
    writer: GroupCommit[StatusCallback] | None = getattr(request.app.state, "status_writer", None)
    if writer is None:
        app: App = request.app.state.notifier

        def record(callbacks: Sequence[StatusCallback]) -> None:
            with unit_of_work(app.factory) as session:
                apply_statuses(session, callbacks, app.now())

        writer = GroupCommit(record, name="status-callbacks")
        request.app.state.status_writer = writer
    return writer


async def status_callback(request: Request) -> Response:
    """Answered only after the status is committed: Twilio does not resend a callback.

    A plain Starlette route (``add_route`` below): the request is parsed here, so FastAPI's
    dependency and validation machinery, a third of the handler's CPU, is not needed."""
    params = await signed_form(request, request.app.state.notifier)
    raw_id = request.query_params.get("m")
    callback = StatusCallback(
        message_id=int(raw_id) if raw_id and raw_id.isdigit() else None,
        sid=params.get("MessageSid", ""),
        twilio_status=params.get("MessageStatus", ""),
        error_code=params.get("ErrorCode") or None,
    )
    await asyncio.wrap_future(_writer(request).submit(callback))
    log.info(  # here, not in the writer thread: the line carries this request's id
        "status_callback",
        message_id=callback.message_id,
        sid=callback.sid,
        twilio_status=callback.twilio_status,
        error_code=callback.error_code,
    )
    return Response(status_code=204)


STATUS_PATH = f"{router.prefix}/status"
router.add_route(STATUS_PATH, status_callback, methods=["POST"], include_in_schema=False)


class StatusCallbacksFirst:
    """ASGI middleware: a POST to the status callback goes straight to its handler, past the
    exception, routing and dependency layers the pages and the API need. Two callbacks come
    per SMS, so this is the web app's hot path; the route above still answers anything else
    (a GET gets 405). A forged callback gets the same 403 as through the router."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != STATUS_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        try:
            response = await status_callback(Request(scope, receive))
        except HTTPException as exc:
            response = JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        await response(scope, receive, send)
