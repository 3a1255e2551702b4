"""SMS through Twilio's Messages API with the official client.

``NOTIFIER_TWILIO_BASE_URL`` points the client elsewhere (a proxy, or the fake on loopback): the
client has no setting for it, so the API domain's ``base_url`` is replaced; with no override the
real ``https://api.twilio.com`` is used. The client's transport is ``PooledHttpClient`` (a
keep-alive pool per thread, the same requests on the wire, the same exceptions).

Outcomes, as the delivery guarantees need them:
  accepted                         -> ACCEPTED with the SID
  HTTP 429 / 20429, refused or no connection, 5xx before a connection -> RETRY (certainly not sent)
  read timeout, HTTP 5xx           -> AMBIGUOUS (may have been accepted: reconcile first)
  21610 (recipient said STOP)      -> FAILED, code 21610
  21211 / 21614 (invalid/not mobile) -> FAILED, code kept
  other 4xx                        -> FAILED
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from notifier.adapters.channels.base import Outcome, OutgoingMessage, Result
from notifier.adapters.channels.twilio_http import PooledHttpClient

TWILIO_API = "https://api.twilio.com"
MAX_VALIDITY = 36000  # seconds, Twilio's upper bound
RATE_LIMITED = {20429}
# The client logs every request and response at INFO, several lines each (list queries with the
# number): under a worker's INFO root logger that cost more CPU than rendering. Set this logger
# to INFO to see them again.
HTTP_LOG = logging.getLogger("notifier.twilio.http")
HTTP_LOG.setLevel(logging.WARNING)


@dataclass(frozen=True)
class TwilioConfig:
    account_sid: str
    auth_token: str
    from_number: str | None = None
    messaging_service_sid: str | None = None
    base_url: str | None = None
    timeout: float = 10.0


@dataclass(frozen=True)
class SentSms:
    sid: str
    to: str
    body: str
    date_created: datetime | None


class TwilioSmsChannel:
    name = "twilio"

    def __init__(self, config: TwilioConfig) -> None:
        self.config = config
        self._local = threading.local()

    @property
    def client(self) -> Client:
        """One client (and HTTP session) per thread."""
        client = getattr(self._local, "client", None)
        if client is None:
            http = PooledHttpClient(
                timeout=self.config.timeout,
                logger=HTTP_LOG,
                proxies=_environment_proxies(self.config.base_url or TWILIO_API),
            )
            client = Client(self.config.account_sid, self.config.auth_token, http_client=http)
            if self.config.base_url:
                client.api.base_url = self.config.base_url.rstrip("/")
                client.edge = client.region = None  # they would rewrite the host
            self._local.client = client
        return client

    def send(self, message: OutgoingMessage) -> Outcome:
        params: dict[str, object] = {"to": message.to, "body": message.text}
        if self.config.messaging_service_sid:
            params["messaging_service_sid"] = self.config.messaging_service_sid
        else:
            params["from_"] = self.config.from_number
        callback = message.headers.get("status_callback")
        if callback:
            params["status_callback"] = callback
        validity = message.headers.get("validity_period")
        if validity:
            params["validity_period"] = max(1, min(int(validity), MAX_VALIDITY))
        try:
            created = self.client.messages.create(**params)
        except TwilioRestException as exc:
            return _from_error(exc)
        except requests.exceptions.ConnectTimeout:
            return Outcome(Result.RETRY, reason="connection to Twilio timed out")
        except requests.exceptions.Timeout:
            return Outcome(Result.AMBIGUOUS, reason="Twilio did not answer in time")
        except requests.exceptions.ConnectionError as exc:
            if _sent_request(exc):
                return Outcome(Result.AMBIGUOUS, reason="connection lost after the request")
            return Outcome(Result.RETRY, reason="could not connect to Twilio")
        return Outcome(Result.ACCEPTED, provider_ref=created.sid)

    def status_of(self, sid: str) -> tuple[str, str | None] | None:
        """The message's status at Twilio now, and its error code; None when Twilio does not
        answer (asked again later)."""
        try:
            found = self.client.messages(sid).fetch()
        except (TwilioRestException, requests.exceptions.RequestException):
            return None
        status = getattr(found.status, "value", found.status)
        return str(status or ""), (str(found.error_code) if found.error_code else None)

    def sent_since(self, to: str, since: datetime) -> list[SentSms]:
        """Messages the account sent to ``to`` since ``since`` (to reconcile an ambiguous send)."""
        found = self.client.messages.list(to=to, date_sent_after=since, page_size=50, limit=200)
        return [SentSms(m.sid or "", m.to or "", m.body or "", m.date_created) for m in found]


def _environment_proxies(url: str) -> dict[str, str] | None:
    """The proxies the environment (HTTPS_PROXY, NO_PROXY...) gives for ``url``, read once."""
    return requests.utils.get_environ_proxies(url) or None


def _sent_request(exc: requests.exceptions.ConnectionError) -> bool:
    text = str(exc)
    return "RemoteDisconnected" in text or "Connection aborted" in text


def _from_error(exc: TwilioRestException) -> Outcome:
    code = str(exc.code) if exc.code else None
    reason = f"Twilio {exc.status}: {exc.msg}"
    if exc.status == 429 or (exc.code in RATE_LIMITED):
        return Outcome(Result.RETRY, error_code=code or "20429", reason=reason)
    if exc.status >= 500:
        return Outcome(Result.AMBIGUOUS, error_code=code, reason=reason)
    return Outcome(Result.FAILED, error_code=code, reason=reason)
