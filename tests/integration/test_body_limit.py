"""Weakness 1 of issue 16: a 50 MB body is refused before it is read.

Against `notifier serve` in a process of its own: 50 MB to the webhooks (forged or missing
signature) and to /api/v1 without a key, with Content-Length and chunked. Each answer comes
within a second, the server's peak memory (VmHWM) stays flat, and /healthz answers meanwhile.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import make_settings
from tests.integration.delivery_support import free_port
from tests.integration.served_support import (
    environment,
    memory_kib,
    notifier_serve,
    reset_peak,
)

pytestmark = pytest.mark.slow  # real server processes and 50 MB bodies: full suite and CI

MB = 1024 * 1024
SIZE = 50 * MB
FORM = {"content-type": "application/x-www-form-urlencoded"}
FORGED = {**FORM, "X-Twilio-Signature": "bm90IGEgcmVhbCBzaWduYXR1cmU="}
JSON = {"content-type": "application/json"}


@pytest.fixture
def database_url(postgres_url: str) -> str:
    return postgres_url


@pytest.fixture
def server(database_url, tmp_path) -> Iterator[tuple[str, int]]:
    port = free_port()
    settings = make_settings(database_url, tmp_path / "var").model_copy(
        update={"public_url": f"http://127.0.0.1:{port}"})
    with notifier_serve(environment(settings), port, tmp_path / "serve.log") as process:
        yield f"http://127.0.0.1:{port}", process.pid


def body(size: int = SIZE, piece: int = MB) -> Iterator[bytes]:
    """``size`` bytes in pieces, made as they are sent (the client holds one piece)."""
    chunk = b"a" * piece
    for _ in range(size // piece):
        yield chunk


CASES = [
    # (path, headers, declared length?, expected status)
    ("/webhooks/twilio/status", FORGED, True, 413),
    ("/webhooks/twilio/status", FORGED, False, 413),
    ("/webhooks/twilio/status", FORM, True, 413),  # a declared 50 MB: refused before the app
    ("/webhooks/twilio/status", FORM, False, 403),  # no signature: refused before the body
    ("/webhooks/twilio/inbound", FORGED, True, 413),
    ("/webhooks/twilio/inbound", FORGED, False, 413),
    ("/webhooks/twilio/inbound", FORM, False, 403),
    ("/api/v1/enrollments", JSON, True, 413),
    ("/api/v1/enrollments", JSON, False, 413),
    ("/aanmelden", FORM, True, 413),
    ("/aanmelden", FORM, False, 413),
]


def send(base: str, path: str, headers: dict[str, str], declared: bool) -> tuple[int, float]:
    extra = {"Content-Length": str(SIZE)} if declared else {}  # else httpx sends it chunked
    started = time.monotonic()
    response = httpx.post(base + path, content=body(), headers={**headers, **extra}, timeout=10)
    return response.status_code, time.monotonic() - started


def test_fifty_megabytes_are_refused_at_once_without_memory_growth(server):
    base, pid = server
    httpx.get(base + "/healthz")
    reset_peak(pid)
    before = memory_kib(pid)
    seen = []
    for path, headers, declared, expected in CASES:
        status, elapsed = send(base, path, headers, declared)
        seen.append((path, declared, status, round(elapsed, 3)))
        assert status == expected, seen
        assert elapsed < 1.0, seen
    after = memory_kib(pid)
    grown = after["VmHWM"] - before["VmHWM"]
    print(f"memory before {before}, after {after}; answers {seen}")
    assert grown < 10 * 1024, f"peak memory grew {grown} KiB: {before} -> {after}"
    assert httpx.get(base + "/healthz").status_code == 200


def test_healthz_answers_while_big_bodies_are_coming_in(server):
    base, pid = server
    httpx.get(base + "/healthz")
    reset_peak(pid)
    before = memory_kib(pid)
    stop = threading.Event()
    statuses: list[int] = []

    def flood() -> None:
        while not stop.is_set():
            for path, headers, declared, _ in CASES:
                statuses.append(send(base, path, headers, declared)[0])

    floods = [threading.Thread(target=flood) for _ in range(3)]
    for thread in floods:
        thread.start()
    health = []
    try:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            started = time.monotonic()
            status = httpx.get(base + "/healthz", timeout=2).status_code
            health.append((status, time.monotonic() - started))
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in floods:
            thread.join(timeout=30)
    assert statuses and set(statuses) <= {403, 413}
    assert health and all(status == 200 for status, _ in health)
    assert max(took for _, took in health) < 1.0, health
    grown = memory_kib(pid)["VmHWM"] - before["VmHWM"]
    assert grown < 10 * 1024, f"peak memory grew {grown} KiB under {len(statuses)} uploads"
