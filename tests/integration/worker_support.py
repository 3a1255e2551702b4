"""Real processes for queue tests: a Celery worker and schedulers, started with the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

REDIS = os.environ.get("NOTIFIER_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def redis_url(worker_id: str) -> str:
    """A Redis database of its own per xdist worker, emptied first."""
    index = 9 if worker_id == "master" else 10 + int(worker_id.removeprefix("gw"))
    url = f"{REDIS}/{index}"
    redis.Redis.from_url(url).flushdb()
    return url


def cli_env(settings_env: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFIER_", "TWILIO_"))}
    env.update(settings_env)
    return env


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "notifier", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def wait_until(predicate, timeout: float, interval: float = 0.2) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
