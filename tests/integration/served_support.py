"""`notifier serve` as a process of its own (the real command, its uvicorn options and access
log), for tests that watch the server from outside: its memory, its log lines."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from notifier.config import Settings

TWILIO_TOKEN = "test-twilio-auth-token"


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFIER_", "TWILIO_"))}
    env.update({
        "NOTIFIER_ENVIRONMENT": "test",
        "NOTIFIER_DATABASE_URL": settings.database_url,
        "NOTIFIER_VAR_DIR": str(settings.var_dir),
        "NOTIFIER_SECRET_KEY": settings.secret_key,
        "NOTIFIER_PUBLIC_URL": settings.public_url,
        "NOTIFIER_SCHEDULES_DIR": str(settings.schedules_dir),
        "NOTIFIER_TEMPLATES_DIR": str(settings.templates_dir),
        "NOTIFIER_LOG_LEVEL": "INFO",
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
    })
    env.update(extra)
    return env


@contextmanager
def notifier_serve(
    env: Mapping[str, str], port: int, log: Path, *args: str
) -> Iterator[subprocess.Popen[bytes]]:
    """``notifier serve --port PORT ARGS``; its stderr (the JSON log) goes to ``log``."""
    command = [sys.executable, "-c", "from notifier.entrypoints.cli import main; main()",
               "serve", "--port", str(port), *args]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=dict(env), stdout=sink, stderr=sink)
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"notifier serve did not start:\n{log.read_text()}")
                time.sleep(0.1)
            yield process
        finally:
            process.terminate()
            process.wait(timeout=10)


def reset_peak(pid: int) -> None:
    """Start VmHWM afresh from the current resident size (Linux: clear_refs 5)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (the peak resident so far) of a process, in KiB."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values
