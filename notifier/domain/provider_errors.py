"""What a provider's error code means, in Dutch words an administrator can act on."""

from __future__ import annotations

TWILIO = {
    "20429": "Twilio-limiet: te veel verzoeken (opnieuw geprobeerd)",
    "21211": "ongeldig telefoonnummer ('To')",
    "21408": "geen toestemming om naar deze regio te sturen",
    "21610": "de ontvanger antwoordde STOP: sms-toestemming ingetrokken",
    "21612": "dit nummer is vanaf onze afzender niet bereikbaar",
    "21614": "geen mobiel nummer (kan geen sms ontvangen)",
    "21617": "berichttekst te lang",
    "30001": "wachtrij bij Twilio overgelopen",
    "30003": "telefoon onbereikbaar (uit of geen bereik)",
    "30004": "bericht geblokkeerd door de ontvanger of diens provider",
    "30005": "onbekend toestel (nummer niet meer in gebruik)",
    "30006": "vast nummer of onbereikbare provider",
    "30007": "door de provider als spam gefilterd",
    "30008": "onbekende fout bij de provider",
    "30034": "afzender niet geregistreerd voor deze route",
}
SMTP = {
    "421": "mailserver niet beschikbaar (opnieuw geprobeerd)",
    "450": "mailbox bezet of greylisting (opnieuw geprobeerd)",
    "451": "fout bij de mailserver (opnieuw geprobeerd)",
    "452": "mailserver vol (opnieuw geprobeerd)",
    "550": "harde bounce: mailbox onbekend of geweigerd",
    "551": "harde bounce: gebruiker niet bekend op deze server",
    "552": "harde bounce: mailbox vol",
    "553": "harde bounce: adres niet toegestaan",
    "554": "harde bounce: verzending mislukt (vaak als spam geweigerd)",
}


def meaning(channel: str, code: str) -> str:
    """A short description of ``code`` on ``channel``; a generic one when unknown."""
    if channel == "email":
        if code in SMTP:
            return SMTP[code]
        if code.startswith("5"):
            return "harde bounce (SMTP 5xx)"
        if code.startswith("4"):
            return "tijdelijke mailfout (SMTP 4xx, opnieuw geprobeerd)"
        return "mailfout"
    return TWILIO.get(code, "andere Twilio-fout (zie twilio.com/docs/api/errors)")
