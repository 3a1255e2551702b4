"""A fake Twilio Messages API (2010-04-01) served over real HTTP on loopback.

Tests and benchmarks send SMS with the *official* ``twilio`` client to this server, which answers
like Twilio's Messages API: the same paths, HTTP Basic auth with the account SID and auth token,
form-encoded create requests, the Message resource JSON of Twilio's OpenAPI spec
(``api.v2010.account.message``), Twilio's error shape ``{"code", "message", "more_info",
"status"}``, its list page shape, and signed status callbacks (``X-Twilio-Signature``).

Pointing the official client at it (twilio 9.x)
-----------------------------------------------
Every Messages request goes through ``client.api`` (an ``ApiBase`` domain whose ``base_url`` is
``https://api.twilio.com``); ``Domain.absolute_url`` reads ``base_url`` at request time and the
list pager resolves ``next_page_uri`` against the same domain, so overriding it redirects create,
fetch, list and paging::

    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    with FakeTwilio() as fake:
        client = Client(fake.account_sid, fake.auth_token,
                        http_client=TwilioHttpClient(timeout=5))
        client.api.base_url = fake.url      # e.g. "http://127.0.0.1:54321"
        client.edge = client.region = None  # TWILIO_EDGE / TWILIO_REGION would rewrite the host
        message = client.messages.create(to="+31612345678", from_="+3197010000000", body="Hoi")

``fake.client(timeout=5)`` does exactly that. Only ``client.api`` is redirected; other Twilio
domains (``client.messaging`` and so on) still point at twilio.com.

Scripting
---------
``fake.script("+31612345678", "21610")`` makes every create to that number answer like Twilio does
for that case (``times=1`` limits it to the next request). Behaviours: ``ok``, ``21610``,
``21614``, ``21211`` (400 errors, nothing recorded), ``429`` (HTTP 429, code 20429, nothing
recorded), ``500`` (HTTP 500, nothing recorded), ``timeout_after_accept`` (recorded and its
callbacks go out, but the 201 is held back ``fake.timeout_seconds`` so the client times out),
``undelivered`` (callbacks end in ``undelivered``, ErrorCode 30003) and ``failed`` (``failed``,
ErrorCode 30007). ``fake.set_faults(rate_429=..., rate_timeout_after_accept=..., seed=...)``
injects those two faults at random for numbers without a script.

Lifecycle
---------
An accepted message is ``queued`` (``accepted`` with a MessagingServiceSid); ``callback_delay``
seconds later it becomes ``sent`` and, after another ``callback_delay``, ``delivered`` (or
``undelivered``/``failed``). Fetch and list show the current status. When the message has a
``StatusCallback`` and ``fake.callbacks_enabled`` is true, each transition is POSTed there,
signed with ``RequestValidator(auth_token).compute_signature(url, params)``; a callback that
cannot be delivered is retried ``callback_retries`` times and then counted in
``fake.callback_failures``. Up to ``callback_threads`` callbacks (default 32) are in flight at
once, each on a keep-alive connection of its thread (replaced when the receiver closed it).

Command line (manual use, benchmarks)::

    python -m notifier.testing.fake_twilio --port 8089 --account-sid AC... --auth-token ...

prints its URL and serves until killed. Unauthenticated control endpoints help out-of-process
benchmarks: ``GET /_fake/stats``, ``POST /_fake/reset``, ``POST /_fake/script`` (form ``number``,
``behaviour``, optional ``times``) and ``POST /_fake/faults`` (form ``rate_429``,
``rate_timeout_after_accept``, ``seed``).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import heapq
import hmac
import http.client
import itertools
import json
import random
import re
import signal
import socket
import socketserver
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from twilio.request_validator import RequestValidator

if TYPE_CHECKING:
    from twilio.rest import Client

__all__ = ["BEHAVIOURS", "DEFAULT_ACCOUNT_SID", "DEFAULT_AUTH_TOKEN", "FakeTwilio", "main"]

API_VERSION = "2010-04-01"
DEFAULT_ACCOUNT_SID = "AC" + "f1a2e0c0de" * 3 + "00"
DEFAULT_AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
BEHAVIOURS = frozenset(
    {
        "ok",
        "21610",
        "21614",
        "21211",
        "429",
        "500",
        "timeout_after_accept",
        "undelivered",
        "failed",
    }
)

_MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
_MESSAGE_PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages/([^/]+)\.json$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
_DATE_ONLY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATE_FILTERS = ("DateSent", "DateSent<", "DateSent>", "DateSent<=", "DateSent>=")
_TZ_ABBREVIATIONS = {
    "UTC": 0,
    "GMT": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "CET": 1,
    "CEST": 2,
}
# a keep-alive connection the other side had closed (its idle timeout): send again
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
_FINAL_ERRORS = {
    "undelivered": (30003, "Unreachable destination handset"),
    "failed": (30007, "Message filtered"),
}

# GSM 03.38: the basic set costs one septet, the extension set two; anything else means UCS-2.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")


def segments(body: str) -> int:
    """How many SMS segments Twilio bills for ``body`` (GSM-7: 160/153, UCS-2: 70/67)."""
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in body):
        units = sum(2 if c in _GSM_EXTENDED else 1 for c in body)
        single, multi = 160, 153
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, multi = 70, 67
    return 1 if units <= single else -(-units // multi)


def _hex32() -> str:
    """32 random hex digits, as in Twilio's SIDs (a PRNG: ids of a fake need no secrecy, and
    the fake makes three per SMS)."""
    return f"{random.getrandbits(128):032x}"


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _rfc2822(moment: datetime | None) -> str | None:
    return None if moment is None else format_datetime(moment)


def _error(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _parse_when(value: str) -> tuple[datetime, bool]:
    """A ``DateSent`` filter value as an aware UTC datetime, and whether it was a bare date."""
    text = value.strip()
    if _DATE_ONLY.match(text):
        return datetime.fromisoformat(text).replace(tzinfo=UTC), True
    moment: datetime | None = None
    with contextlib.suppress(ValueError):
        moment = datetime.fromisoformat(text)
    if moment is None:
        with contextlib.suppress(TypeError, ValueError, IndexError):
            moment = parsedate_to_datetime(text)
    if moment is None:  # "06/11/2019 22:05:25 MST", one of the forms in Twilio's own examples
        stamp, _, zone = text.rpartition(" ")
        if zone.upper() in _TZ_ABBREVIATIONS:
            moment = datetime.strptime(stamp, "%m/%d/%Y %H:%M:%S").replace(
                tzinfo=timezone(timedelta(hours=_TZ_ABBREVIATIONS[zone.upper()]))
            )
    if moment is None:
        raise ValueError(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0), False


def _date_matches(sent: datetime, key: str, when: datetime, date_only: bool) -> bool:
    if key == "DateSent":  # a day, even when the client sends it as midnight (twilio 9 does)
        return sent.date() == when.date()
    if key in ("DateSent>", "DateSent>="):  # on the wire ``DateSent>=X``: on or after
        return sent >= when
    if date_only:  # ``DateSent<=YYYY-MM-DD``: on or before that day
        return sent < when + timedelta(days=1)
    return sent <= when


@dataclass
class _Message:
    sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status_callback: str | None
    validity_period: int | None
    num_segments: int
    num_media: int
    outcome: str  # delivered | undelivered | failed
    status: str
    created_at: datetime
    updated_at: datetime
    sent_at: datetime
    error_code: int | None = None
    error_message: str | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "to": self.to,
            "from": self.from_,
            "body": self.body,
            "status_callback": self.status_callback,
            "validity_period": self.validity_period,
            "created_at": self.created_at,
            "status": self.status,
            "messaging_service_sid": self.messaging_service_sid,
            "num_segments": self.num_segments,
            "error_code": self.error_code,
        }


@dataclass
class _Reply:
    status: int
    payload: dict[str, Any] | None
    headers: dict[str, str] | None = None
    delay: float = 0.0


class _Scheduler:
    """A few daemon threads running jobs at (monotonic) due times."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._busy = 0
        self._stopped = False
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._stopped = False
        for n in range(self._workers):
            thread = threading.Thread(
                target=self._run, name=f"fake-twilio-callbacks-{n}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def submit(self, delay: float, job: Callable[[], None]) -> None:
        with self._cond:
            heapq.heappush(self._heap, (time.monotonic() + max(delay, 0.0), next(self._seq), job))
            self._cond.notify()

    def clear(self) -> None:
        with self._cond:
            self._heap.clear()
            self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._heap.clear()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads.clear()

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._stopped:
                        return
                    if self._heap:
                        wait = self._heap[0][0] - time.monotonic()
                        if wait <= 0:
                            job = heapq.heappop(self._heap)[2]
                            self._busy += 1
                            break
                        self._cond.wait(wait)
                    else:
                        self._cond.wait()
            try:
                job()
            except Exception:  # a job must never kill its worker
                pass
            finally:
                with self._cond:
                    self._busy -= 1
                    if not self._busy and not self._heap:  # for wait_idle; submit wakes workers
                        self._cond.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeTwilio) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn); loopback does not need it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def close_connections(self) -> None:
        with self.connections_lock:
            open_connections = list(self.connections)
        for conn in open_connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server_version = "FakeTwilio/1.0"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 120  # idle keep-alive connections are dropped after this
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        fake = self.server.fake
        try:
            reply = fake._route(method, self.path, self.headers.get("Authorization"), body)
        except Exception as exc:  # a bug in the fake: answer, do not hang the client
            reply = _Reply(500, _error(500, 20500, f"Fake Twilio error: {exc!r}"))
        if reply.delay > 0:
            fake._stopping.wait(reply.delay)
            self.close_connection = True
        data = b"" if reply.payload is None else json.dumps(reply.payload).encode()
        try:
            self.send_response(reply.status)
            if reply.payload is not None:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Twilio-Request-Id", "RQ" + _hex32())
            for name, value in (reply.headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if data:
                self.wfile.write(data)
        except OSError:  # the client gave up (e.g. after its timeout)
            self.close_connection = True


class FakeTwilio:
    """An in-process fake of Twilio's Messages API; see the module docstring."""

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
        callback_delay: float = 0.0,
        callback_threads: int = 32,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.host = host
        self.callback_delay = callback_delay
        self.callbacks_enabled = True
        self.timeout_seconds = 5.0
        self.callback_timeout = 5.0
        self.callback_retries = 2
        self.callback_retry_backoff = 0.05
        self.service_from = "+15005550006"  # the sender a Messaging Service "picks"
        self.requests_total = 0
        self.callbacks_delivered = 0
        self.callback_failures = 0
        self._requested_port = port
        self._expected_auth = (
            "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        )
        self._validator = RequestValidator(auth_token)
        self._lock = threading.Lock()
        self._grown = threading.Condition(self._lock)
        self._messages: list[_Message] = []
        self._by_sid: dict[str, _Message] = {}
        self._scripts: dict[str, list[Any]] = {}  # number -> [behaviour, remaining uses or None]
        self._rate_429 = 0.0
        self._rate_timeout = 0.0
        self._rng = random.Random()
        self._generation = 0
        self._callback_log: deque[dict[str, Any]] = deque(maxlen=1000)
        self._recent: deque[dict[str, Any]] = deque(maxlen=200)
        self._stopping = threading.Event()
        # callbacks in flight at once: Twilio posts them concurrently, and each one here waits
        # for the receiver's answer (which commits before it answers)
        self._scheduler = _Scheduler(workers=callback_threads)
        self._callback_connections = threading.local()  # keep-alive, one per callback thread
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeTwilio:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server((self.host, self._requested_port), self)
        self._scheduler.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="fake-twilio-http",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._scheduler.stop()

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeTwilio is not running")
        return self._server.server_port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def client(self, timeout: float | None = None) -> Client:
        """An official ``twilio.rest.Client`` whose ``client.api`` requests go to this fake."""
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        client = Client(
            self.account_sid, self.auth_token, http_client=TwilioHttpClient(timeout=timeout)
        )
        client.api.base_url = self.url
        client.edge = None
        client.region = None
        return client

    # -- scripting ---------------------------------------------------------------------------

    def script(self, number: str, behaviour: str, times: int | None = None) -> None:
        """Make creates to ``number`` behave as ``behaviour`` (for the next ``times`` only)."""
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}; one of {sorted(BEHAVIOURS)}")
        with self._lock:
            self._scripts[number] = [behaviour, times]

    def set_faults(
        self, rate_429: float = 0.0, rate_timeout_after_accept: float = 0.0, seed: int | None = None
    ) -> None:
        """Random faults for numbers without a script."""
        if min(rate_429, rate_timeout_after_accept) < 0 or rate_429 + rate_timeout_after_accept > 1:
            raise ValueError("fault rates must be >= 0 and add up to at most 1")
        with self._lock:
            self._rate_429 = rate_429
            self._rate_timeout = rate_timeout_after_accept
            self._rng = random.Random(seed)

    def reset(self) -> None:
        """Forget messages, scripts, faults, counters and pending callbacks."""
        with self._lock:
            self._generation += 1
            self._messages.clear()
            self._by_sid.clear()
            self._scripts.clear()
            self._rate_429 = self._rate_timeout = 0.0
            self._rng = random.Random()
            self.requests_total = self.callbacks_delivered = self.callback_failures = 0
            self._callback_log.clear()
            self._recent.clear()
        self._scheduler.clear()

    # -- observation -------------------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, Any]]:
        """A snapshot of the accepted messages, oldest first."""
        with self._lock:
            return [m.summary() for m in self._messages]

    @property
    def callbacks(self) -> list[dict[str, Any]]:
        """The last status callbacks attempted: url, params, delivered (bool), attempts."""
        with self._lock:
            return list(self._callback_log)

    @property
    def recent_requests(self) -> list[dict[str, Any]]:
        """The last 200 API requests: method, path (with query), authorization, body."""
        with self._lock:
            return list(self._recent)

    def count_body_containing(self, text: str) -> int:
        with self._lock:
            return sum(1 for m in self._messages if text in m.body)

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        """Wait until at least ``count`` messages were accepted; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._grown:
            while len(self._messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._grown.wait(left)
        return True

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every scheduled status transition and callback has run."""
        return self._scheduler.wait_idle(timeout)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "requests_total": self.requests_total,
                "messages": len(self._messages),
                "callbacks_delivered": self.callbacks_delivered,
                "callback_failures": self.callback_failures,
            }

    # -- HTTP --------------------------------------------------------------------------------

    def _route(self, method: str, target: str, authorization: str | None, body: bytes) -> _Reply:
        path, _, query = target.partition("?")
        if path.startswith("/_fake/"):
            return self._control(method, path, body)
        with self._lock:
            self.requests_total += 1
            self._recent.append(
                {"method": method, "path": target, "authorization": authorization, "body": body}
            )
        if authorization is None or not hmac.compare_digest(authorization, self._expected_auth):
            return self._unauthorized()
        if match := _MESSAGES_PATH.match(path):
            if match.group(1) != self.account_sid:
                return self._unauthorized()
            if method == "POST":
                return self._create(body)
            if method == "GET":
                return self._list(path, query)
            return _Reply(405, _error(405, 20004, "Method not allowed"))
        if match := _MESSAGE_PATH.match(path):
            if match.group(1) != self.account_sid:
                return self._unauthorized()
            if method == "GET":
                return self._fetch(path, match.group(2))
            return _Reply(405, _error(405, 20004, "Method not allowed"))
        return _Reply(404, _error(404, 20404, f"The requested resource {path} was not found"))

    @staticmethod
    def _unauthorized() -> _Reply:
        return _Reply(
            401,
            _error(401, 20003, "Authenticate"),
            {"WWW-Authenticate": 'Basic realm="Twilio API"'},
        )

    def _create(self, raw: bytes) -> _Reply:
        form: dict[str, str] = {}
        media = 0
        for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
            if key == "MediaUrl":
                media += 1
            form.setdefault(key, value)
        to = form.get("To", "").strip()
        sender = form.get("From", "").strip() or None
        service = form.get("MessagingServiceSid", "").strip() or None
        if sender and _SERVICE_SID.match(sender):  # Twilio accepts a service SID as From
            service, sender = service or sender, None
        body = form.get("Body", "")
        callback = form.get("StatusCallback", "").strip() or None
        behaviour = self._behaviour_for(to)
        if behaviour == "429":
            return _Reply(429, _error(429, 20429, "Too Many Requests"))
        if behaviour == "500":
            return _Reply(500, _error(500, 20500, "An internal server error has occurred"))
        if not to:
            return _Reply(400, _error(400, 21604, "A 'To' phone number is required."))
        if not sender and not service:
            return _Reply(400, _error(400, 21603, "A 'From' phone number is required."))
        if service and not _SERVICE_SID.match(service):
            return _Reply(
                400, _error(400, 21701, f"The Messaging Service Sid {service} is invalid.")
            )
        if not body and not media and not form.get("ContentSid"):
            return _Reply(400, _error(400, 21602, "Message body is required."))
        if len(body) > 1600:
            return _Reply(
                400,
                _error(
                    400, 21617, "The concatenated message body exceeds the 1600 character limit."
                ),
            )
        if not _E164.match(to) or behaviour == "21211":
            return _Reply(
                400, _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
            )
        if callback and not callback.startswith(("http://", "https://")):
            return _Reply(400, _error(400, 21609, "Invalid StatusCallback url"))
        validity: int | None = None
        if form.get("ValidityPeriod"):
            try:
                validity = int(form["ValidityPeriod"])
            except ValueError:
                validity = 0
            if not 1 <= validity <= 36000:
                return _Reply(400, _error(400, 21624, "Invalid validity period value"))
        if behaviour == "21610":
            return _Reply(400, _error(400, 21610, "Attempt to send to unsubscribed recipient"))
        if behaviour == "21614":
            return _Reply(400, _error(400, 21614, "'To' number is not a valid mobile number"))

        now = _now()
        message = _Message(
            sid="SM" + _hex32(),
            to=to,
            from_=sender,
            messaging_service_sid=service,
            body=body,
            status_callback=callback,
            validity_period=validity,
            num_segments=segments(body),
            num_media=media,
            outcome=behaviour if behaviour in _FINAL_ERRORS else "delivered",
            status="accepted" if service else "queued",
            created_at=now,
            updated_at=now,
            sent_at=now,
        )
        with self._grown:
            self._messages.append(message)
            self._by_sid[message.sid] = message
            generation = self._generation
            resource = self._resource(message)
            self._grown.notify_all()
        self._scheduler.submit(
            self.callback_delay, lambda: self._advance(generation, message.sid, final=False)
        )
        delay = self.timeout_seconds if behaviour == "timeout_after_accept" else 0.0
        return _Reply(201, resource, delay=delay)

    def _behaviour_for(self, to: str) -> str:
        with self._lock:
            scripted = self._scripts.get(to)
            if scripted is not None:
                behaviour, remaining = scripted
                if remaining is not None:
                    if remaining <= 1:
                        del self._scripts[to]
                    else:
                        scripted[1] = remaining - 1
                return str(behaviour)
            if self._rate_429 or self._rate_timeout:
                draw = self._rng.random()
                if draw < self._rate_429:
                    return "429"
                if draw < self._rate_429 + self._rate_timeout:
                    return "timeout_after_accept"
        return "ok"

    def _fetch(self, path: str, sid: str) -> _Reply:
        with self._lock:
            message = self._by_sid.get(sid)
            if message is not None:
                return _Reply(200, self._resource(message))
        return _Reply(404, _error(404, 20404, f"The requested resource {path} was not found"))

    def _list(self, path: str, query: str) -> _Reply:
        params: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            params.setdefault(key, value)
        kept = [(key, params[key]) for key in ("To", "From", *_DATE_FILTERS) if key in params]
        dates: list[tuple[str, datetime, bool]] = []
        for key in _DATE_FILTERS:
            if key in params:
                try:
                    when, date_only = _parse_when(params[key])
                except ValueError:
                    return _Reply(400, _error(400, 20001, f"Invalid {key} value: {params[key]}"))
                dates.append((key, when, date_only))
        try:
            page_size = int(params.get("PageSize") or 50)
            page = int(params.get("Page") or 0)
        except ValueError:
            return _Reply(400, _error(400, 20001, "PageSize and Page must be integers"))
        if not 1 <= page_size <= 1000 or page < 0:
            return _Reply(400, _error(400, 20001, "Invalid PageSize or Page"))
        token = params.get("PageToken", "")
        to, sender = params.get("To"), params.get("From")

        with self._lock:
            found = [
                m
                for m in reversed(self._messages)  # newest first, like Twilio
                if (to is None or m.to == to)
                and (sender is None or m.from_ == sender)
                and all(_date_matches(m.sent_at, k, w, d) for k, w, d in dates)
            ]
            offset = page * page_size
            if token.startswith("PA"):
                after = token[2:]
                offset = next((i + 1 for i, m in enumerate(found) if m.sid == after), len(found))
            chunk = found[offset : offset + page_size]
            more = offset + page_size < len(found)
            resources = [self._resource(m) for m in chunk]

        def uri(number: int, page_token: str | None = None) -> str:
            pairs = [*kept, ("PageSize", str(page_size)), ("Page", str(number))]
            if page_token:
                pairs.append(("PageToken", page_token))
            return f"{path}?{urlencode(pairs)}"

        start = page * page_size
        return _Reply(
            200,
            {
                "messages": resources,
                "end": start + max(len(resources) - 1, 0),
                "first_page_uri": uri(0),
                "next_page_uri": uri(page + 1, "PA" + chunk[-1].sid) if more and chunk else None,
                "page": page,
                "page_size": page_size,
                "previous_page_uri": uri(page - 1) if page > 0 else None,
                "start": start,
                "uri": uri(page, token or None),
            },
        )

    def _resource(self, m: _Message) -> dict[str, Any]:
        base = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{m.sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": m.body,
            "date_created": _rfc2822(m.created_at),
            "date_sent": _rfc2822(m.sent_at),
            "date_updated": _rfc2822(m.updated_at),
            "direction": "outbound-api",
            "error_code": m.error_code,
            "error_message": m.error_message,
            "from": m.from_,
            "messaging_service_sid": m.messaging_service_sid,
            "num_media": str(m.num_media),
            # Twilio reports 0 segments until a Messaging Service has picked a sender.
            "num_segments": "0" if m.status == "accepted" else str(m.num_segments),
            "price": None,
            "price_unit": "USD",
            "sid": m.sid,
            "status": m.status,
            "subresource_uris": {"media": base + "/Media.json"},
            "to": m.to,
            "uri": base + ".json",
        }

    def _control(self, method: str, path: str, raw: bytes) -> _Reply:
        form = dict(parse_qsl(raw.decode("utf-8", "replace")))
        try:
            if path == "/_fake/stats" and method == "GET":
                return _Reply(200, dict(self.stats()))
            if path == "/_fake/reset" and method == "POST":
                self.reset()
                return _Reply(200, dict(self.stats()))
            if path == "/_fake/script" and method == "POST":
                times = int(form["times"]) if form.get("times") else None
                self.script(form["number"], form["behaviour"], times)
                return _Reply(200, {"number": form["number"], "behaviour": form["behaviour"]})
            if path == "/_fake/faults" and method == "POST":
                self.set_faults(
                    float(form.get("rate_429") or 0),
                    float(form.get("rate_timeout_after_accept") or 0),
                    int(form["seed"]) if form.get("seed") else None,
                )
                return _Reply(200, {"ok": True})
        except (KeyError, ValueError) as exc:
            return _Reply(400, _error(400, 20001, f"Bad control request: {exc}"))
        return _Reply(404, _error(404, 20404, f"The requested resource {path} was not found"))

    # -- lifecycle and status callbacks ------------------------------------------------------

    def _advance(self, generation: int, sid: str, final: bool) -> None:
        with self._lock:
            message = self._by_sid.get(sid)
            if generation != self._generation or message is None:
                return
            message.updated_at = _now()
            if not final:
                message.status = "sent"
                message.from_ = message.from_ or self.service_from
            else:
                message.status = message.outcome
                message.error_code, message.error_message = _FINAL_ERRORS.get(
                    message.outcome, (None, None)
                )
            url = message.status_callback if self.callbacks_enabled else None
            params = self._callback_params(message) if url else None
        if url and params:
            self._callback(generation, sid, final, url, params, attempt=1)
        elif not final:
            self._scheduler.submit(
                self.callback_delay, lambda: self._advance(generation, sid, final=True)
            )

    def _callback_params(self, m: _Message) -> dict[str, str]:
        params = {
            "MessageSid": m.sid,
            "SmsSid": m.sid,
            "MessageStatus": m.status,
            "SmsStatus": m.status,
            "AccountSid": self.account_sid,
            "From": m.from_ or "",
            "To": m.to,
            "ApiVersion": API_VERSION,
        }
        if m.messaging_service_sid:
            params["MessagingServiceSid"] = m.messaging_service_sid
        if m.error_code is not None:
            params["ErrorCode"] = str(m.error_code)
        return params

    def _callback(
        self, generation: int, sid: str, final: bool, url: str, params: dict[str, str], attempt: int
    ) -> None:
        delivered = self._post(url, params)
        if not delivered and attempt <= self.callback_retries:
            self._scheduler.submit(
                self.callback_retry_backoff * 2 ** (attempt - 1),
                lambda: self._callback(generation, sid, final, url, params, attempt + 1),
            )
            return
        with self._lock:
            if generation == self._generation:
                if delivered:
                    self.callbacks_delivered += 1
                else:
                    self.callback_failures += 1
                self._callback_log.append(
                    {"url": url, "params": params, "delivered": delivered, "attempts": attempt}
                )
        if not final:
            self._scheduler.submit(
                self.callback_delay, lambda: self._advance(generation, sid, final=True)
            )

    def _post(self, url: str, params: dict[str, str]) -> bool:
        """POST one signed callback, on this thread's keep-alive connection to that host (a
        connection the other side closed meanwhile is replaced, and the request sent again)."""
        parts = urlsplit(url)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": self._validator.compute_signature(url, params),
            "I-Twilio-Idempotency-Token": _hex32(),
            "User-Agent": "TwilioProxy/1.1",
        }
        if parts.username is not None:  # Twilio honours credentials in the callback URL
            credentials = f"{parts.username}:{parts.password or ''}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        key = (parts.scheme, parts.hostname or "", parts.port)
        body = urlencode(params)
        for attempt in (1, 2):
            connection, reused = self._connection(key)
            try:
                connection.request("POST", target, body, headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                self._drop(key)
                if reused and attempt == 1 and isinstance(exc, _STALE):
                    continue
                return False
            if response.will_close:
                self._drop(key)
            return 200 <= response.status < 400
        return False

    def _connection(
        self, key: tuple[str, str, int | None]
    ) -> tuple[http.client.HTTPConnection, bool]:
        pool: dict[tuple[str, str, int | None], http.client.HTTPConnection] | None = getattr(
            self._callback_connections, "pool", None
        )
        if pool is None:
            pool = self._callback_connections.pool = {}
        connection = pool.get(key)
        if connection is not None:
            return connection, True
        scheme, host, port = key
        connection_class = (
            http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        )
        connection = pool[key] = connection_class(host, port, timeout=self.callback_timeout)
        return connection, False

    def _drop(self, key: tuple[str, str, int | None]) -> None:
        pool = getattr(self._callback_connections, "pool", {})
        connection = pool.pop(key, None)
        if connection is not None:
            connection.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m notifier.testing.fake_twilio",
        description="Serve a fake Twilio Messages API.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--account-sid", default=DEFAULT_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN)
    parser.add_argument("--callback-delay", type=float, default=0.0)
    parser.add_argument(
        "--callback-threads", type=int, default=32, help="status callbacks in flight at once"
    )
    parser.add_argument(
        "--timeout-seconds",
        type=float,
        default=5.0,
        help="how long timeout_after_accept holds the response back",
    )
    parser.add_argument("--rate-429", type=float, default=0.0)
    parser.add_argument("--rate-timeout-after-accept", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--script",
        action="append",
        default=[],
        metavar="NUMBER=BEHAVIOUR",
        help=f"repeatable; behaviours: {', '.join(sorted(BEHAVIOURS))}",
    )
    parser.add_argument("--no-callbacks", action="store_true")
    args = parser.parse_args(argv)

    fake = FakeTwilio(
        args.account_sid,
        args.auth_token,
        args.host,
        args.port,
        args.callback_delay,
        args.callback_threads,
    )
    fake.timeout_seconds = args.timeout_seconds
    fake.callbacks_enabled = not args.no_callbacks
    fake.set_faults(args.rate_429, args.rate_timeout_after_accept, args.seed)
    for item in args.script:
        number, _, behaviour = item.partition("=")
        fake.script(number, behaviour)

    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    fake.start()
    print(fake.url, flush=True)
    try:
        while not done.wait(0.5):
            pass
    finally:
        fake.stop()
        print(json.dumps(fake.stats()), file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
