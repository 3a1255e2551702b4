"""Checking ``X-Twilio-Signature`` against NOTIFIER_PUBLIC_URL (not the Host header, which a
proxy or an attacker controls)."""

from __future__ import annotations

from fastapi import HTTPException, Request
from twilio.request_validator import RequestValidator

from notifier.bootstrap import App


async def signed_form(request: Request, app: App) -> dict[str, str]:
    """The form parameters of a request Twilio signed; 403 for anything else."""
    token = app.settings.twilio_auth_token
    signature = request.headers.get("X-Twilio-Signature", "")
    form = await request.form()
    params = {k: str(v) for k, v in form.multi_items()}
    url = app.settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    if not token or not signature or not RequestValidator(token).validate(url, params, signature):
        raise HTTPException(status_code=403, detail="invalid Twilio signature")
    return params
