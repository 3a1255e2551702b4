"""What a provider's error code means, in words an administrator can act on."""

from __future__ import annotations

TWILIO = {
    "20429": "Twilio rate limit: too many requests (retried)",
    "21211": "invalid 'To' phone number",
    "21408": "no permission to send to this region",
    "21610": "the recipient replied STOP: SMS consent withdrawn",
    "21612": "this number cannot be reached from our sender",
    "21614": "not a mobile number (cannot receive SMS)",
    "21617": "message body too long",
    "30001": "queue overflow at Twilio",
    "30003": "handset unreachable (switched off or out of coverage)",
    "30004": "message blocked by the recipient or their carrier",
    "30005": "unknown destination handset (number no longer in use)",
    "30006": "landline or unreachable carrier",
    "30007": "filtered by the carrier as spam",
    "30008": "unknown error at the carrier",
    "30034": "sender not registered for this route",
}
SMTP = {
    "421": "mail server not available (retried)",
    "450": "mailbox busy or greylisted (retried)",
    "451": "mail server error (retried)",
    "452": "mail server out of storage (retried)",
    "550": "hard bounce: mailbox unknown or refused",
    "551": "hard bounce: user not local",
    "552": "hard bounce: mailbox full",
    "553": "hard bounce: address not allowed",
    "554": "hard bounce: transaction failed (often spam refusal)",
}


def meaning(channel: str, code: str) -> str:
    """A short description of ``code`` on ``channel``; a generic one when unknown."""
    if channel == "email":
        if code in SMTP:
            return SMTP[code]
        if code.startswith("5"):
            return "hard bounce (SMTP 5xx)"
        if code.startswith("4"):
            return "temporary mail error (SMTP 4xx, retried)"
        return "mail error"
    return TWILIO.get(code, "other Twilio error (see twilio.com/docs/api/errors)")
