"""Twilio webhooks. The handler parses and calls one service; a forged request changes nothing."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from notifier.adapters.db.engine import unit_of_work
from notifier.entrypoints.web.deps import AppDep
from notifier.entrypoints.web.twilio_signature import signed_form
from notifier.services.status_callbacks import apply_status

router = APIRouter(prefix="/webhooks/twilio", tags=["webhooks"])


@router.post("/status", status_code=204, response_class=Response)
async def status_callback(request: Request, app: AppDep) -> Response:
    """Answered only after the status is committed: Twilio does not resend a callback."""
    params = await signed_form(request, app)
    raw_id = request.query_params.get("m")
    message_id = int(raw_id) if raw_id and raw_id.isdigit() else None

    def record() -> None:  # blocking database work: off the event loop
        with unit_of_work(app.factory) as session:
            apply_status(
                session,
                message_id=message_id,
                sid=params.get("MessageSid", ""),
                twilio_status=params.get("MessageStatus", ""),
                error_code=params.get("ErrorCode") or None,
                now=app.now(),
            )

    await run_in_threadpool(record)
    return Response(status_code=204)
