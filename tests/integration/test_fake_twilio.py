"""The fake Twilio server, exercised with the official ``twilio`` client over real HTTP.

Its responses are checked against Twilio's own OpenAPI description of the 2010-04-01 API
(vendored in tests/vendor/twilio-oai, with its licence and upstream commit) with openapi-core.
"""

from __future__ import annotations

import base64
import http.client
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from notifier.testing.fake_twilio import FakeTwilio, segments

SPEC = Path(__file__).resolve().parents[1] / "vendor" / "twilio-oai" / "twilio_api_v2010.json"
SENDER = "+3197010000000"
SERVICE = "MG" + "0123456789abcdef" * 2


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def twilio(fake: FakeTwilio) -> Iterator[FakeTwilio]:
    """The module's fake, emptied before each test."""
    fake.reset()
    fake.callback_delay = 0.0
    fake.callbacks_enabled = True
    fake.timeout_seconds = 5.0
    yield fake
    fake.wait_idle(5)


@pytest.fixture
def client(twilio: FakeTwilio) -> Client:
    return official_client(twilio, timeout=5)


def official_client(fake: FakeTwilio, timeout: float, token: str | None = None,
                    http_client: TwilioHttpClient | None = None) -> Client:
    """The recipe documented in the fake's module docstring, spelled out."""
    result = Client(fake.account_sid, token or fake.auth_token,
                    http_client=http_client or TwilioHttpClient(timeout=timeout))
    result.api.base_url = fake.url
    result.edge = result.region = None
    return result


def test_create_returns_a_message_instance(twilio: FakeTwilio, client: Client) -> None:
    message = client.messages.create(to="+31612345678", from_=SENDER, body="Hoi Samira")

    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert message.status == "queued"
    assert message.account_sid == twilio.account_sid
    assert message.to == "+31612345678" and message.from_ == SENDER
    assert message.direction == "outbound-api" and message.api_version == "2010-04-01"
    assert message.num_segments == "1" and message.num_media == "0"
    assert message.error_code is None and message.price is None and message.price_unit == "USD"
    assert isinstance(message.date_created, datetime)
    assert message.uri == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages/{message.sid}.json"
    [recorded] = twilio.messages
    assert recorded["sid"] == message.sid and recorded["body"] == "Hoi Samira"
    assert twilio.count_body_containing("Samira") == 1
    assert twilio.requests_total == 1


def test_a_messaging_service_message_is_accepted_and_then_delivered(
        twilio: FakeTwilio, client: Client) -> None:
    message = client.messages.create(to="+31612345678", messaging_service_sid=SERVICE,
                                     body="Hoi", validity_period=600)

    assert message.status == "accepted" and message.from_ is None
    assert message.messaging_service_sid == SERVICE
    assert twilio.messages[0]["validity_period"] == 600
    assert twilio.wait_idle(5)
    fetched = client.messages(message.sid).fetch()
    assert fetched.status == "delivered" and fetched.from_ == twilio.service_from


def test_the_wrong_token_is_refused_with_20003(twilio: FakeTwilio) -> None:
    intruder = official_client(twilio, timeout=5, token="0" * 32)

    with pytest.raises(TwilioRestException) as caught:
        intruder.messages.create(to="+31612345678", from_=SENDER, body="Hoi")

    assert caught.value.code == 20003 and caught.value.status == 401
    assert twilio.messages == []


def test_another_accounts_path_is_refused(twilio: FakeTwilio) -> None:
    other = "AC" + "0" * 32
    response = requests.post(f"{twilio.url}/2010-04-01/Accounts/{other}/Messages.json",
                             data={"To": "+31612345678", "From": SENDER, "Body": "Hoi"},
                             auth=(twilio.account_sid, twilio.auth_token), timeout=5)
    assert response.status_code == 401
    assert response.json() == {"code": 20003, "message": "Authenticate",
                               "more_info": "https://www.twilio.com/docs/errors/20003",
                               "status": 401}


@pytest.mark.parametrize(("behaviour", "code", "status"), [
    ("21610", 21610, 400),
    ("21614", 21614, 400),
    ("21211", 21211, 400),
    ("429", 20429, 429),
    ("500", 20500, 500),
])
def test_scripted_errors_surface_as_twilio_rest_exceptions(
        twilio: FakeTwilio, client: Client, behaviour: str, code: int, status: int) -> None:
    twilio.script("+31687654321", behaviour)

    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to="+31687654321", from_=SENDER, body="Hoi")

    assert caught.value.code == code and caught.value.status == status
    assert twilio.messages == []
    client.messages.create(to="+31612345678", from_=SENDER, body="others are unaffected")


def test_a_script_can_be_limited_to_the_next_requests(twilio: FakeTwilio, client: Client) -> None:
    twilio.script("+31687654321", "429", times=2)
    for _ in range(2):
        with pytest.raises(TwilioRestException):
            client.messages.create(to="+31687654321", from_=SENDER, body="Hoi")
    assert client.messages.create(to="+31687654321", from_=SENDER, body="Hoi").status == "queued"


@pytest.mark.parametrize(("fields", "code"), [
    ({"From": SENDER, "Body": "Hoi"}, 21604),
    ({"To": "+31612345678", "Body": "Hoi"}, 21603),
    ({"To": "0612345678", "From": SENDER, "Body": "Hoi"}, 21211),
    ({"To": "+31612345678", "From": SENDER}, 21602),
    ({"To": "+31612345678", "From": SENDER, "Body": "Hoi", "ValidityPeriod": "0"}, 21624),
])
def test_invalid_creates_are_refused_like_twilio(
        twilio: FakeTwilio, fields: dict[str, str], code: int) -> None:
    response = requests.post(
        f"{twilio.url}/2010-04-01/Accounts/{twilio.account_sid}/Messages.json",
        data=fields, auth=(twilio.account_sid, twilio.auth_token), timeout=5)
    assert response.status_code == 400
    assert response.json() == {"code": code, "message": response.json()["message"],
                               "more_info": f"https://www.twilio.com/docs/errors/{code}",
                               "status": 400}


def test_an_unknown_sid_is_a_404_with_20404(client: Client) -> None:
    with pytest.raises(TwilioRestException) as caught:
        client.messages("SM" + "0" * 32).fetch()
    assert caught.value.code == 20404 and caught.value.status == 404


def test_timeout_after_accept_times_out_the_client_yet_the_message_is_listed(
        twilio: FakeTwilio, client: Client) -> None:
    twilio.script("+31687654321", "timeout_after_accept")
    twilio.timeout_seconds = 3.0
    impatient = official_client(twilio, timeout=1)
    since = datetime.now(UTC) - timedelta(seconds=1)

    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        impatient.messages.create(to="+31687654321", from_=SENDER, body="Hoi, ben je er?")
    assert time.monotonic() - started < 2.5

    listed = client.messages.list(to="+31687654321", date_sent_after=since)
    assert [m.body for m in listed] == ["Hoi, ben je er?"]
    assert client.messages.list(to="+31687654321",
                                date_sent_after=since + timedelta(hours=1)) == []


def test_listing_filters_by_recipient_and_date_and_pages(twilio: FakeTwilio,
                                                       client: Client) -> None:
    since = datetime.now(UTC) - timedelta(seconds=1)
    for n in range(7):
        client.messages.create(to="+31611111111", from_=SENDER, body=f"nudge {n}")
    client.messages.create(to="+31622222222", from_=SENDER, body="someone else")

    listed = client.messages.list(to="+31611111111", date_sent_after=since, page_size=3)
    assert [m.body for m in listed] == [f"nudge {n}" for n in reversed(range(7))]  # newest first
    assert len(client.messages.list(date_sent_after=since)) == 8
    assert client.messages.list(date_sent_before=datetime(2020, 1, 1, tzinfo=UTC)) == []
    day = twilio.messages[-1]["created_at"].date()
    assert len(client.messages.list(to="+31622222222", date_sent=day)) == 1
    assert client.messages.list(date_sent=day - timedelta(days=1)) == []
    page = client.messages.page(to="+31611111111", page_size=5)
    assert len(list(page)) == 5 and page.next_page_url is not None
    assert [m.body for m in page.next_page()] == ["nudge 1", "nudge 0"]


def test_random_faults_follow_the_seed(twilio: FakeTwilio, client: Client) -> None:
    twilio.set_faults(rate_429=0.3, seed=7)
    refused = 0
    for n in range(40):
        try:
            client.messages.create(to=f"+316100000{n:02d}", from_=SENDER, body="Hoi")
        except TwilioRestException as exc:
            assert exc.code == 20429 and exc.status == 429
            refused += 1
    assert 0 < refused < 40
    assert len(twilio.messages) == 40 - refused
    assert twilio.requests_total == 40


class _Receiver:
    """A tiny webhook endpoint that records what it receives."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver._cond:
                    receiver.calls.append({
                        "url": f"http://{self.headers['Host']}{self.path}",
                        "params": dict(parse_qsl(raw.decode())),
                        "signature": self.headers.get("X-Twilio-Signature"),
                        "content_type": self.headers.get("Content-Type")})
                    receiver._cond.notify_all()
                self.send_response(204)
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{path}"

    def wait(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.calls) >= count, timeout)
            return list(self.calls)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    endpoint = _Receiver()
    yield endpoint
    endpoint.close()


@pytest.mark.parametrize(("behaviour", "final", "error_code"), [
    ("ok", "delivered", None),
    ("undelivered", "undelivered", "30003"),
    ("failed", "failed", "30007"),
])
def test_status_callbacks_arrive_signed(twilio: FakeTwilio, client: Client, receiver: _Receiver,
                                        behaviour: str, final: str, error_code: str | None) -> None:
    twilio.script("+31612345678", behaviour)
    twilio.callback_delay = 0.05
    message = client.messages.create(to="+31612345678", from_=SENDER, body="Hoi",
                                     status_callback=receiver.url("/twilio/status?tenant=dh"))

    calls = receiver.wait(2)

    assert [c["params"]["MessageStatus"] for c in calls] == ["sent", final]
    validator = RequestValidator(twilio.auth_token)
    for call in calls:
        params = call["params"]
        assert call["url"] == receiver.url("/twilio/status?tenant=dh")
        assert call["content_type"] == "application/x-www-form-urlencoded"
        assert validator.validate(call["url"], params, call["signature"])
        assert not RequestValidator("0" * 32).validate(call["url"], params, call["signature"])
        assert params["MessageSid"] == params["SmsSid"] == message.sid
        assert params["SmsStatus"] == params["MessageStatus"]
        assert params["AccountSid"] == twilio.account_sid and params["ApiVersion"] == "2010-04-01"
        assert params["From"] == SENDER and params["To"] == "+31612345678"
    assert calls[-1]["params"].get("ErrorCode") == error_code
    assert "ErrorCode" not in calls[0]["params"]
    assert twilio.wait_idle(5)
    fetched = client.messages(message.sid).fetch()
    assert fetched.status == final and fetched.error_code == (error_code and int(error_code))
    assert twilio.callbacks_delivered == 2 and twilio.callback_failures == 0


def test_undeliverable_callbacks_are_retried_then_counted(
        twilio: FakeTwilio, client: Client) -> None:
    closed = _Receiver()
    dead_url = closed.url("/gone")
    closed.close()
    client.messages.create(to="+31612345678", from_=SENDER, body="Hoi", status_callback=dead_url)

    assert twilio.wait_idle(5)
    assert twilio.callback_failures == 2  # "sent" and "delivered", each after its retries
    assert {c["attempts"] for c in twilio.callbacks} == {1 + twilio.callback_retries}


def test_callbacks_can_be_switched_off(twilio: FakeTwilio, client: Client,
                                       receiver: _Receiver) -> None:
    twilio.callbacks_enabled = False
    message = client.messages.create(to="+31612345678", from_=SENDER, body="Hoi",
                                     status_callback=receiver.url("/status"))
    assert twilio.wait_idle(5)
    assert receiver.calls == [] and client.messages(message.sid).fetch().status == "delivered"


class _RecordingHttpClient(TwilioHttpClient):
    """The official HTTP client, keeping every exchange for inspection."""

    def __init__(self) -> None:
        super().__init__(timeout=5)
        self.exchanges: list[tuple[dict[str, Any], Any]] = []

    def request(self, method: str, url: str, params: Any = None, data: Any = None,
                headers: Any = None, auth: Any = None, timeout: Any = None,
                allow_redirects: bool = False) -> Any:
        response = super().request(method, url, params=params, data=data, headers=headers,
                                   auth=auth, timeout=timeout, allow_redirects=allow_redirects)
        self.exchanges.append(({"method": method, "url": url, "params": params, "data": data,
                                "headers": headers, "auth": auth}, response))
        return response


@pytest.fixture(scope="module")
def twilio_openapi() -> OpenAPI:
    # from_file_path reads through YAML, which rejects the spec's surrogate escapes; json is fine.
    return OpenAPI.from_dict(json.loads(SPEC.read_text()))


def _as_openapi(exchange: tuple[dict[str, Any], Any]) -> tuple[MockRequest, MockResponse]:
    """One recorded exchange as openapi-core request/response, addressed to api.twilio.com."""
    sent, received = exchange
    path = urlsplit(sent["url"]).path
    body = b""
    if sent["data"]:
        body = requests.Request("POST", "http://x", data=sent["data"]).prepare().body.encode()
    query = {k: v for k, v in (sent["params"] or {}).items() if v is not None}
    credentials = base64.b64encode(":".join(sent["auth"]).encode()).decode()
    request = MockRequest("https://api.twilio.com", sent["method"], path, args=query,
                          headers={"Authorization": f"Basic {credentials}"}, data=body,
                          content_type="application/x-www-form-urlencoded" if body else "")
    content_type = received.headers["Content-Type"].split(";")[0]
    response = MockResponse(received.text.encode(), received.status_code, content_type=content_type)
    return request, response


def test_responses_match_twilios_openapi_description(twilio: FakeTwilio,
                                                     twilio_openapi: OpenAPI) -> None:
    recorder = _RecordingHttpClient()
    client = official_client(twilio, timeout=5, http_client=recorder)
    since = datetime.now(UTC) - timedelta(seconds=1)

    created = client.messages.create(to="+31612345678", from_=SENDER, body="Hoi €uro 👶",
                                     status_callback="https://example.org/status",
                                     validity_period=3600)
    client.messages.create(to="+31612345678", messaging_service_sid=SERVICE, body="Hoi")
    client.messages.list(to="+31612345678", date_sent_after=since, page_size=1, limit=2)
    client.messages.list(date_sent_before=datetime(2020, 1, 1, tzinfo=UTC))
    client.messages(created.sid).fetch()

    statuses = [response.status_code for _, response in recorder.exchanges]
    assert statuses == [201, 201, 200, 200, 200, 200]  # the list paged once
    for exchange in recorder.exchanges:
        request, response = _as_openapi(exchange)
        twilio_openapi.validate_request(request)  # what the official client sent
        twilio_openapi.validate_response(request, response)  # what the fake answered

    # The validator does check: a payload off the schema is refused.
    request, response = _as_openapi(recorder.exchanges[0])
    broken = dict(json.loads(response.data), num_segments=1, status="posted")
    with pytest.raises(Exception, match="not valid"):
        twilio_openapi.validate_response(
            request, MockResponse(json.dumps(broken).encode(), 201))


def test_segments_follow_gsm_and_ucs2_limits() -> None:
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2
    assert segments("€" * 80) == 1 and segments("€" * 81) == 2  # GSM extension: two septets
    assert segments("ş" * 70) == 1 and segments("ş" * 71) == 2


def test_keep_alive_serves_many_requests_on_one_connection(twilio: FakeTwilio) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", twilio.port, timeout=5)
    auth = base64.b64encode(f"{twilio.account_sid}:{twilio.auth_token}".encode()).decode()
    for n in range(3):
        conn.request("POST", f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json",
                     body=f"To=%2B31612345678&From=%2B3197010000000&Body=n{n}",
                     headers={"Authorization": f"Basic {auth}",
                              "Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        assert response.status == 201 and response.getheader("Connection") != "close"
        response.read()
    conn.close()
    assert twilio.count_body_containing("n") == 3


def test_concurrent_senders_are_all_recorded(twilio: FakeTwilio) -> None:
    per_thread, threads = 40, 8

    def send(n: int) -> None:
        own = official_client(twilio, timeout=5)
        for i in range(per_thread):
            own.messages.create(to=f"+3161{n:02d}{i:05d}", from_=SENDER, body=f"load {n}")

    workers = [threading.Thread(target=send, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert twilio.wait_for(per_thread * threads, timeout=5)
    assert twilio.count_body_containing("load") == per_thread * threads
    assert len({m["sid"] for m in twilio.messages}) == per_thread * threads


def test_the_command_line_serves_until_killed() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "notifier.testing.fake_twilio", "--port", "0",
         "--script", "+31687654321=21610"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        client = Client("AC" + "f1a2e0c0de" * 3 + "00", "0123456789abcdef" * 2)
        client.api.base_url = url
        client.edge = client.region = None
        assert client.messages.create(to="+31612345678", from_=SENDER, body="Hoi").sid
        with pytest.raises(TwilioRestException) as caught:
            client.messages.create(to="+31687654321", from_=SENDER, body="Hoi")
        assert caught.value.code == 21610
        assert requests.get(f"{url}/_fake/stats", timeout=5).json()["messages"] == 1
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert json.loads(err.strip().splitlines()[-1])["requests_total"] == 2
