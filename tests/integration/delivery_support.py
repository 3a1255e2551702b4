"""Real servers for delivery tests: the fake Twilio and our web app under uvicorn, on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from notifier.adapters.db.engine import unit_of_work
from notifier.bootstrap import App, build
from notifier.domain.programme import Programme
from notifier.entrypoints.web.app import create_app
from notifier.entrypoints.web.server import uvicorn_options
from notifier.services.publishing import publish
from notifier.testing.fake_twilio import FakeTwilio
from tests.conftest import make_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_web(app: App, port: int) -> Iterator[str]:
    """Our FastAPI app served by uvicorn in a thread; yields its base URL."""
    config = uvicorn.Config(create_app(app), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off", **uvicorn_options(app.settings))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def app_on_fake_twilio(
    database_url: str, var: Path, programme: Programme, fake: FakeTwilio, timeout: float
) -> Iterator[App]:
    """The app sending SMS through the official twilio client to ``fake``, ``programme``
    published, and served on loopback for Twilio's status callbacks (its URL as ``web_url``)."""
    port = free_port()
    settings = make_settings(database_url, var).model_copy(update={
        "public_url": f"http://127.0.0.1:{port}",
        "twilio_account_sid": fake.account_sid, "twilio_auth_token": fake.auth_token,
        "twilio_from": "+3197010000000", "twilio_base_url": fake.url,
        "twilio_timeout_seconds": timeout,
    })
    app = build(settings)
    with unit_of_work(app.factory) as session:
        publish(session, programme, "tests")
    with serve_web(app, port) as url:
        app.web_url = url  # type: ignore[attr-defined]
        yield app
    app.engine.dispose()
