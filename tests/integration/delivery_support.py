"""Real servers for delivery tests: the fake Twilio and our web app under uvicorn, on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from notifier.bootstrap import App
from notifier.entrypoints.web.app import create_app
from notifier.entrypoints.web.server import uvicorn_options


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
