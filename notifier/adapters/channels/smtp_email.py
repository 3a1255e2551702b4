"""Email over SMTP (``smtp://``, ``smtps://``, STARTTLS with ``?starttls=true``, optional auth).

One message is text + HTML from the same template, with a Message-ID derived from our message
id and RFC 8058 one-click unsubscribe headers. 4xx replies and connection failures are retried;
5xx replies are permanent for that address.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import parse_qs, unquote, urlsplit

from notifier.adapters.channels.base import Outcome, OutgoingMessage, Result
from notifier.domain.errors import InputError


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    use_ssl: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    mail_from: str = "kansrijkestart@example.org"
    message_id_domain: str = "kansrijkestart.local"
    timeout: float = 15.0

    @classmethod
    def from_url(cls, url: str, mail_from: str, message_id_domain: str) -> SmtpConfig:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise InputError(f"NOTIFIER_SMTP_URL must look like smtp://host:port, got {url!r}")
        query = parse_qs(parts.query)
        starttls = query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if parts.scheme == "smtps" else 25),
            use_ssl=parts.scheme == "smtps",
            starttls=starttls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            mail_from=mail_from,
            message_id_domain=message_id_domain,
        )


def build_email(config: SmtpConfig, message: OutgoingMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = config.mail_from
    email["To"] = message.to
    email["Subject"] = message.subject or ""
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = f"<message-{message.id}@{config.message_id_domain}>"
    email["Content-Language"] = message.language
    unsubscribe = message.headers.get("unsubscribe_url")
    if unsubscribe:
        email["List-Unsubscribe"] = f"<{unsubscribe}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.text, charset="utf-8")
    if message.html:
        email.add_alternative(message.html, subtype="html", charset="utf-8")
    return email


class SmtpEmailChannel:
    name = "smtp"

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        if c.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                c.host, c.port, timeout=c.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
            if c.starttls:
                smtp.starttls(context=ssl.create_default_context())
        if c.username:
            smtp.login(c.username, c.password or "")
        return smtp

    def send(self, message: OutgoingMessage) -> Outcome:
        email = build_email(self.config, message)
        try:
            with self._connect() as smtp:
                refused = smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return _reply(code, text)
        except smtplib.SMTPResponseException as exc:
            return _reply(exc.smtp_code, exc.smtp_error)
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            return Outcome(Result.RETRY, reason=f"SMTP not reachable: {exc.__class__.__name__}")
        if refused:
            code, text = next(iter(refused.values()))
            return _reply(code, text)
        # SMTP has no delivery report: acceptance by the mail server is the final word we get.
        return Outcome(
            Result.DELIVERED, provider_ref=email["Message-ID"], reason="accepted by the mail server"
        )


def _reply(code: int, text: bytes | str) -> Outcome:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    reason = f"SMTP {code}: {said}"[:300]
    if 400 <= code < 500:
        return Outcome(Result.RETRY, error_code=str(code), reason=reason)
    return Outcome(Result.FAILED, error_code=str(code), reason=reason)
