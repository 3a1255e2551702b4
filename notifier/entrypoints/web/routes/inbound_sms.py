"""``POST /webhooks/twilio/inbound``: an SMS a parent sent us. Signed by Twilio (403 and nothing
changed otherwise); answered with TwiML in the recipient's language."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from twilio.twiml.messaging_response import MessagingResponse

from notifier.adapters.db.engine import unit_of_work
from notifier.entrypoints.web.deps import AppDep
from notifier.entrypoints.web.twilio_signature import signed_form
from notifier.services.inbound_sms import InboundAnswer, handle_inbound
from notifier.services.publishing import current_programme

router = APIRouter(prefix="/webhooks/twilio", tags=["webhooks"])


@router.post("/inbound", response_class=Response)
async def inbound_sms(request: Request, app: AppDep) -> Response:
    params = await signed_form(request, app)

    def handle() -> InboundAnswer:  # blocking database work: off the event loop
        with unit_of_work(app.factory) as session:
            _, programme = current_programme(session)
            now = app.now()
            return handle_inbound(
                session,
                programme,
                from_phone=params.get("From", ""),
                body=params.get("Body", ""),
                now=now,
                today=app.hours.today(now),
                provider_ref=params.get("MessageSid") or None,
            )

    answer = await run_in_threadpool(handle)
    twiml = MessagingResponse()
    if answer.text:  # empty for a repeated delivery: the answer went out the first time
        twiml.message(answer.text)
    return Response(str(twiml), media_type="application/xml")
