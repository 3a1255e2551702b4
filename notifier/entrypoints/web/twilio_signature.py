"""Checking ``X-Twilio-Signature`` against NOTIFIER_PUBLIC_URL (not the Host header, which a
proxy or an attacker controls)."""

from __future__ import annotations

import hmac
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request
from twilio.request_validator import RequestValidator

from notifier.bootstrap import App

FORM = "application/x-www-form-urlencoded"


async def signed_form(request: Request, app: App) -> dict[str, str]:
    """The form parameters of a request Twilio signed; 403 for anything else."""
    token = app.settings.twilio_auth_token
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        raise HTTPException(status_code=403, detail="invalid Twilio signature")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == FORM:
        # what Twilio sends: parsed here, without the multipart machinery of request.form()
        text = (await request.body()).decode("utf-8", "replace")
        params = dict(parse_qsl(text, keep_blank_values=True))
    else:
        form = await request.form()
        params = {k: str(v) for k, v in form.multi_items()}
    url = app.settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    validator = RequestValidator(token)
    # the URL as we gave it to Twilio first (one HMAC); then the validator's port variants
    expected = validator.compute_signature(url, params)
    exact = hmac.compare_digest(expected.encode(), signature.encode())
    if not exact and not validator.validate(url, params, signature):
        raise HTTPException(status_code=403, detail="invalid Twilio signature")
    return params
