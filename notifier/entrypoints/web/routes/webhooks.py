"""Twilio webhooks. The handler parses and calls one service; a forged request changes nothing."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from notifier.adapters.db.engine import unit_of_work
from notifier.entrypoints.web.deps import AppDep
from notifier.entrypoints.web.twilio_signature import signed_form
from notifier.services.status_callbacks import apply_status

router = APIRouter(prefix="/webhooks/twilio", tags=["webhooks"])


@router.post("/status", status_code=204, response_class=Response)
async def status_callback(request: Request, app: AppDep) -> Response:
    """Answered only after the status is committed: Twilio does not resend a callback."""
    params = await signed_form(request, app)
    message_id = request.query_params.get("m")
    with unit_of_work(app.factory) as session:
        apply_status(
            session,
            message_id=int(message_id) if message_id and message_id.isdigit() else None,
            sid=params.get("MessageSid", ""),
            twilio_status=params.get("MessageStatus", ""),
            error_code=params.get("ErrorCode") or None,
            now=app.now(),
        )
    return Response(status_code=204)
