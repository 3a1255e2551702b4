"""The real processes and data the delivery benchmarks and the chaos test share.

A fresh PostgreSQL database, N SMS messages due now (COPY, one family, recipient, child, nudge and
message each, every message to its own number), the fake Twilio (its CLI, a process of its own),
our web app (``notifier serve``), Celery workers (``notifier worker``) and, for the chaos run, a
redis-server of its own. Every process gets its own session, so a whole worker (the Celery parent
and its pool children) can be SIGKILLed at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import redis
import requests
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"
FROM = "+3197010000000"
FINAL = ("delivered", "failed", "expired", "cancelled", "suppressed")
ACCOUNT_SID = "AC" + "f1a2e0c0de" * 3 + "00"  # the fake's defaults
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"


def say(*args: Any) -> None:
    print(*args, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# --------------------------------------------------------------------------- database


def fresh_database(url: str) -> None:
    """Drop and create the database of ``url``, then migrate it."""
    from notifier.adapters.db.migrate import upgrade

    name = make_url(url).database
    admin = libpq(url.rsplit("/", 1)[0] + "/postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    upgrade(url)


def drop_database(url: str) -> None:
    admin = libpq(url.rsplit("/", 1)[0] + "/postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def publish_mini(url: str) -> int:
    """Publish the fixture programme; returns its version id."""
    from notifier.adapters.db.engine import make_engine, session_factory, unit_of_work
    from notifier.services.publishing import load_checked, publish

    programme = load_checked(MINI / "schedules", MINI / "templates", date.today())
    engine = make_engine(url)
    try:
        with unit_of_work(session_factory(engine)) as session:
            return publish(session, programme, "bench").version_id
    finally:
        engine.dispose()


COLUMNS = {
    "families": "id, public_id, status, location_key, consent_source, replan, created_at",
    "recipients": "id, family_id, first_name, phone, language, channels, sms_consent, "
    "email_consent, phone_usable, email_usable, email_bounces, created_at",
    "children": "id, family_id, name, due_date, status, first_child, anchor_birth, "
    "anchor_corrected, created_at",
    "nudges": "id, family_id, child_id, step_key, day, planned_on, status, priority, "
    "programme_version_id, created_at, updated_at",
    "messages": "id, nudge_id, family_id, child_id, recipient_id, step_key, channel, language, "
    "programme_version_id, due_at, expires_at, status, attempts, created_at, updated_at",
}


def phone(i: int) -> str:
    return f"+3162{i:07d}"


def load_messages(url: str, n: int, version_id: int, due_at: datetime) -> None:
    """``n`` scheduled SMS messages due at ``due_at``, ids 1..n, each to ``phone(id)``.

    The children are due in 40 weeks, so the planner has nothing of its own to add today."""
    today = date.today()
    due = (today + timedelta(weeks=40)).isoformat()
    stamp = datetime.now(UTC).isoformat()
    due_text, expires = due_at.isoformat(), (due_at + timedelta(days=1)).isoformat()
    rows: dict[str, list[str]] = {table: [] for table in COLUMNS}
    for i in range(1, n + 1):
        rows["families"].append(f"{i}\t{i:016x}\tactive\tden-haag\timport\tf\t{stamp}")
        rows["recipients"].append(
            f"{i}\t{i}\tOuder{i}\t{phone(i)}\tnl\tsms\tconfirmed\tnone\tt\tt\t0\t{stamp}"
        )
        rows["children"].append(f"{i}\t{i}\t\t{due}\texpecting\tt\t{due}\t{due}\t{stamp}")
        rows["nudges"].append(
            f"{i}\t{i}\t{i}\tkraamzorg\t{today}\t{today}\tplaced\tnormal\t{version_id}\t"
            f"{stamp}\t{stamp}"
        )
        rows["messages"].append(
            f"{i}\t{i}\t{i}\t{i}\t{i}\tkraamzorg\tsms\tnl\t{version_id}\t{due_text}\t{expires}\t"
            f"scheduled\t0\t{stamp}\t{stamp}"
        )
    with psycopg.connect(libpq(url)) as conn:
        for table, lines in rows.items():
            with (
                conn.cursor() as cur,
                cur.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as cp,
            ):
                cp.write("\n".join(lines) + "\n")
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {max(n, 1)})")
        conn.commit()
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def status_counts(url: str) -> dict[str, int]:
    with psycopg.connect(libpq(url)) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM messages GROUP BY 1").fetchall())


# --------------------------------------------------------------------------- processes


class Stack:
    """Subprocesses started here, each in a session of its own; ``close`` ends them all."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        logs.mkdir(parents=True, exist_ok=True)
        self.procs: list[subprocess.Popen[bytes]] = []
        self.named: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("ab") as out:
            proc = subprocess.Popen(
                argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.procs.append(proc)
        self.named[name] = proc
        return proc

    def notifier(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        return self.start(name, [sys.executable, "-m", "notifier", *args], env)

    def kill(self, proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        """Signal the process's whole group (a Celery worker and its pool children)."""
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        # pool children outlive a SIGKILLed parent only if they left its group; they did not
        if proc in self.procs:
            self.procs.remove(proc)

    def close(self) -> None:
        for proc in reversed(list(self.procs)):
            self.kill(proc, signal.SIGTERM)

    def log_tail(self, name: str, chars: int = 3000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def fake_twilio(
        self, port: int, timeout_seconds: float = 5.0, callback_threads: int = 32
    ) -> FakeControl:
        module = "notifier.testing.fake_twilio"
        argv = [
            sys.executable,
            "-m",
            module,
            f"--port={port}",
            f"--timeout-seconds={timeout_seconds}",
            f"--callback-threads={callback_threads}",
        ]
        self.start("fake-twilio", argv, dict(os.environ))
        fake = FakeControl(f"http://127.0.0.1:{port}")
        if not wait_until(fake.up, 20):
            raise RuntimeError("the fake Twilio did not start:\n" + self.log_tail("fake-twilio"))
        return fake

    def redis(self, port: int, name: str = "redis") -> subprocess.Popen[bytes]:
        options = f"--port {port} --bind 127.0.0.1 --appendonly no --daemonize no".split()
        argv = ["redis-server", *options, "--save", "", "--dir", str(self.logs)]
        proc = self.start(name, argv, dict(os.environ))
        client = redis.Redis(port=port, socket_connect_timeout=0.5)
        if not wait_until(lambda: _pings(client), 20):
            raise RuntimeError("redis-server did not start:\n" + self.log_tail(name))
        return proc

    def web(self, port: int, env: dict[str, str], *options: str) -> None:
        self.notifier("web", ["serve", "--port", str(port), *options], env)
        if not wait_until(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), 30):
            raise RuntimeError("notifier serve did not start:\n" + self.log_tail("web"))


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code < 500
    except requests.RequestException:
        return False


def notifier_env(
    database_url: str, broker_url: str, web_url: str, fake_url: str, var_dir: Path, **extra: str
) -> dict[str, str]:
    """What every notifier process gets: the fixture programme, sending all day (real clock)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFIER_", "TWILIO_"))}
    env.update(
        {
            "NOTIFIER_DATABASE_URL": database_url,
            "NOTIFIER_BROKER_URL": broker_url,
            "NOTIFIER_PUBLIC_URL": web_url,
            "NOTIFIER_VAR_DIR": str(var_dir),
            "NOTIFIER_SCHEDULES_DIR": str(MINI / "schedules"),
            "NOTIFIER_TEMPLATES_DIR": str(MINI / "templates"),
            "NOTIFIER_LOG_LEVEL": "WARNING",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM": FROM,
            "NOTIFIER_TWILIO_BASE_URL": fake_url,
            "NOTIFIER_QUIET_START": "00:00",
            "NOTIFIER_QUIET_END": "23:59",
            "NOTIFIER_DEFAULT_SEND_TIME": "00:00",
        }
    )
    env.update(extra)
    return env


class FakeControl:
    """The fake Twilio in another process: its control endpoints and its Messages list."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def up(self) -> bool:
        return _answers(self.url + "/_fake/stats")

    def stats(self) -> dict[str, int]:
        return dict(self.http.get(self.url + "/_fake/stats", timeout=10).json())

    def reset(self) -> None:
        self.http.post(self.url + "/_fake/reset", timeout=10).raise_for_status()

    def faults(self, rate_429: float = 0.0, rate_timeout: float = 0.0, seed: int = 0) -> None:
        form = {"rate_429": rate_429, "rate_timeout_after_accept": rate_timeout, "seed": seed}
        self.http.post(self.url + "/_fake/faults", data=form, timeout=10).raise_for_status()

    def messages(self) -> list[dict[str, Any]]:
        """Every accepted message (sid, to, body, status, date_created), through the list API."""
        found: list[dict[str, Any]] = []
        uri: str | None = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json?PageSize=1000"
        while uri:
            page = self.http.get(self.url + uri, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=60)
            page.raise_for_status()
            data = page.json()
            found.extend(data["messages"])
            uri = data.get("next_page_uri")
        return found


def duplicates(fake_messages: list[dict[str, Any]], expected_to: set[str]) -> dict[str, int]:
    """Sent twice: a number (one message each) or a (to, body) seen more than once; strays."""
    by_to: dict[str, int] = {}
    pairs: dict[tuple[str, str], int] = {}
    for m in fake_messages:
        by_to[m["to"]] = by_to.get(m["to"], 0) + 1
        key = (m["to"], m["body"])
        pairs[key] = pairs.get(key, 0) + 1
    return {
        "by_number": sum(c - 1 for c in by_to.values() if c > 1),
        "by_to_and_body": sum(c - 1 for c in pairs.values() if c > 1),
        "strays": sum(c for to, c in by_to.items() if to not in expected_to),
    }
