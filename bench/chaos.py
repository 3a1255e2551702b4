"""Chaos run: messages through real workers while the provider, the workers and Redis misbehave.

    python bench/chaos.py [--messages N] [--seed S]

N SMS messages due now (one per number) go through real Celery workers (``notifier worker``),
a redis-server of this run's own (never the shared one), PostgreSQL (a fresh database, dropped
afterwards), our web app (``notifier serve``, the status callback target) and the fake Twilio
(its CLI). While they go out, the fake answers 5% HTTP 429 and holds 2% of its answers back
after accepting (the client times out: an ambiguous send); a worker (its whole process group:
parent and pool) is SIGKILLed mid-batch twice and replaced, and Redis is killed and restarted
(empty) once. This process drives the scheduler: ``scheduler_tick`` every half second (plan,
enqueue, the production sweepers), plus the same sweepers with short thresholds (queued rows
untouched for LOST_AFTER are republished, rows ``sending`` for STUCK_AFTER are handed to the
reconcile task), so that lost tasks and stuck sends resolve within the run.

Once the storm is over (both kills and the Redis restart done, every message attempted once),
the faults are switched off: a message answered 429 three times waits 300 s (the outcomes'
backoff) and would not fit a CI run. Then it waits until every message is final and checks:
every message final, none sent twice to the fake (by number and by (to, body)), as many fake
messages as messages sent or delivered, none lost. The last line printed is one JSON object.
``tests/slow/test_chaos.py`` runs ``run_chaos`` and asserts the same.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.stack import (  # noqa: E402
    FINAL,
    MINI,
    Stack,
    drop_database,
    duplicates,
    free_port,
    fresh_database,
    load_messages,
    notifier_env,
    phone,
    publish_mini,
    say,
    status_counts,
)
from notifier.adapters.db.engine import unit_of_work  # noqa: E402
from notifier.adapters.db.tables import Message  # noqa: E402
from notifier.adapters.queue import CeleryPublisher  # noqa: E402
from notifier.bootstrap import build  # noqa: E402
from notifier.config import Settings  # noqa: E402
from notifier.entrypoints.tasks import make_celery  # noqa: E402
from notifier.services import dispatch  # noqa: E402
from notifier.services.scheduling import BATCH, scheduler_tick  # noqa: E402

SERVER = os.environ.get(
    "NOTIFIER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)  # the tests' server: this run makes a database of its own on it
LOST_AFTER = timedelta(seconds=15)
STUCK_AFTER = timedelta(seconds=20)  # > the longest a live batch holds a row in ``sending``
CLIENT_TIMEOUT, FAKE_HOLD = "2", 4.0  # the client gives up before the fake answers
# The Redis token bucket is on: a batch's rows wait for tokens after their claim, so a kill lands
# on claimed rows not yet sent (they must be reconciled), and the Redis restart hits the bucket.
SMS_PER_SECOND = "200"
EVENTS = ((0.15, "kill worker-1"), (0.40, "restart redis"), (0.65, "kill worker-2"))


@dataclass
class ChaosResult:
    messages: int
    final: int = 0
    duplicates: int = 0
    lost: int = 0
    seconds: float = 0.0
    fake_messages: int = 0
    sent_or_delivered: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


class Chaos:
    def __init__(self, n: int, seed: int, url: str, logs: Path) -> None:
        self.n, self.seed, self.url, self.logs = n, seed, url, logs
        self.stack = Stack(logs)
        self.redis_port = free_port()
        self.broker = f"redis://127.0.0.1:{self.redis_port}/0"
        self.web = f"http://127.0.0.1:{free_port()}"
        self.workers: dict[str, Any] = {}
        self.generation = 0
        self.generation_of: dict[str, int] = {}
        self.events: list[str] = []
        self.sweep_errors = 0

    def start(self) -> None:
        self.redis = self.stack.redis(self.redis_port)
        self.fake = self.stack.fake_twilio(free_port(), timeout_seconds=FAKE_HOLD)
        self.fake.faults(rate_429=0.05, rate_timeout=0.02, seed=self.seed)
        self.env = notifier_env(
            self.url,
            self.broker,
            self.web,
            self.fake.url,
            self.logs / "var",
            NOTIFIER_TWILIO_TIMEOUT_SECONDS=CLIENT_TIMEOUT,
            NOTIFIER_STUCK_AFTER_SECONDS=str(STUCK_AFTER.total_seconds()),
            NOTIFIER_SMS_PER_SECOND=SMS_PER_SECOND,
            NOTIFIER_LOG_LEVEL="INFO",
        )
        self.stack.web(int(self.web.rsplit(":", 1)[1]), self.env)
        for name in ("worker-1", "worker-2"):
            self.start_worker(name)
        settings = Settings(
            _env_file=None,
            database_url=self.url,
            broker_url=self.broker,
            public_url=self.web,
            var_dir=self.logs / "var",
            schedules_dir=MINI / "schedules",
            templates_dir=MINI / "templates",
            quiet_start="00:00",
            quiet_end="23:59",
            default_send_time="00:00",
        )
        self.app = build(settings)
        self.publisher = CeleryPublisher(make_celery(self.broker))

    def start_worker(self, role: str) -> None:
        self.generation += 1
        self.generation_of[role] = self.generation
        name = f"{role}.{self.generation}"
        args = ["worker", "--concurrency", "1"]
        self.workers[role] = self.stack.notifier(name, args, self.env)

    def sweep(self) -> None:
        """One scheduler tick, then the sweepers again with this run's short thresholds."""
        now = datetime.now(UTC)
        try:
            scheduler_tick(self.app, now, self.publisher)
            with unit_of_work(self.app.factory) as session:
                lost = dispatch.requeue_lost(session, now, LOST_AFTER)
                stuck = dispatch.stuck_sending(session, now, STUCK_AFTER)
            for channel, batches in dispatch.by_channel(lost, BATCH).items():
                for ids in batches:
                    self.publisher.deliver(channel, ids)
            for message_id in stuck:
                self.publisher.reconcile(message_id)
        except Exception as exc:  # the broker is down: the rows wait for the next sweep
            self.sweep_errors += 1
            if self.sweep_errors <= 3:
                say(f"  sweep failed ({type(exc).__name__}: {exc})")

    def act(self, done: float) -> None:
        for threshold, event in EVENTS:
            if done >= threshold and event not in self.events:
                if event.startswith("kill"):
                    role = event.split()[1]
                    sending = self.wait_mid_batch(role)
                    self.stack.kill(self.workers[role], signal.SIGKILL)
                    self.start_worker(role)
                else:
                    sending = status_counts(self.url).get("sending", 0)
                    self.stack.kill(self.redis, signal.SIGKILL)
                    time.sleep(1)
                    self.redis = self.stack.redis(self.redis_port, f"redis.{self.generation}")
                say(f"  {event} at {done:.0%} accepted ({sending} rows sending)")
                self.events.append(event)

    def wait_mid_batch(self, role: str, timeout: float = 10) -> int:
        """Wait (a while) until ``role`` runs a deliver task and rows are in ``sending``."""
        log = self.logs / f"{role}.{self.generation_of[role]}.log"
        deadline = time.monotonic() + timeout
        while True:
            text = log.read_text(errors="replace") if log.exists() else ""
            started = set(re.findall(r"Task notifier\.deliver\[([0-9a-f-]+)\] received", text))
            ended = set(re.findall(r"Task notifier\.deliver\[([0-9a-f-]+)\] (?:succ|rais)", text))
            sending = status_counts(self.url).get("sending", 0)
            if (started - ended and sending >= 5) or time.monotonic() > deadline:
                return sending
            time.sleep(0.02)

    def storm_over(self, counts: dict[str, int]) -> bool:
        if len(self.events) < len(EVENTS) or counts.get("scheduled"):
            return False
        with unit_of_work(self.app.factory) as session:
            untried = session.execute(
                select(Message.id).where(Message.attempts == 0).limit(1)
            ).first()
        return untried is None

    def run(self, budget: float) -> ChaosResult:
        begin = time.monotonic()
        faults_on = True
        counts: dict[str, int] = {}
        while time.monotonic() - begin < budget:
            self.sweep()
            counts = status_counts(self.url)
            self.act(self.fake.stats()["messages"] / self.n)
            if faults_on and self.storm_over(counts):
                self.fake.faults(0.0, 0.0, self.seed)
                faults_on = False
                say(f"  storm over after {time.monotonic() - begin:.0f} s: {counts}; faults off")
            if not faults_on and sum(counts.get(s, 0) for s in FINAL) == self.n:
                break
            time.sleep(0.5)
        seconds = time.monotonic() - begin
        time.sleep(2)  # anything still on its way to the fake arrives now
        return self.verify(seconds)

    def verify(self, seconds: float) -> ChaosResult:
        counts = status_counts(self.url)
        sent = self.fake.messages()
        dup = duplicates(sent, {phone(i) for i in range(1, self.n + 1)})
        with unit_of_work(self.app.factory) as session:
            attempts = dict(
                session.execute(
                    select(Message.attempts, func.count()).group_by(Message.attempts)
                ).all()
            )
        reconciled: dict[str, int] = {}
        for log in self.logs.glob("worker-*.log"):
            for answer in re.findall(
                r"notifier\.reconcile\[[^]]+\] succeeded in \S+ '([^']+)'",
                log.read_text(errors="replace"),
            ):
                reconciled[answer] = reconciled.get(answer, 0) + 1
        final = sum(counts.get(s, 0) for s in FINAL)
        return ChaosResult(
            messages=self.n,
            final=final,
            duplicates=max(dup.values()),
            lost=self.n - final,
            seconds=round(seconds, 1),
            fake_messages=len(sent),
            sent_or_delivered=counts.get("sent", 0) + counts.get("delivered", 0),
            statuses=counts,
            details={
                "duplicates": dup,
                "events": self.events,
                "fake": self.fake.stats(),
                "sweep_errors": self.sweep_errors,
                "attempts": attempts,
                "reconcile_tasks": reconciled,
            },
        )

    def close(self) -> None:
        if hasattr(self, "app"):
            self.app.engine.dispose()
        self.stack.close()


def run_chaos(
    messages: int = 2000,
    seed: int = 20261129,
    logs: Path | None = None,
    budget: float = 240,
    keep: bool = False,
) -> ChaosResult:
    """The whole run on a fresh database of its own (dropped afterwards, unless ``keep``)."""
    logs = logs or ROOT / "var" / "bench-chaos"
    url = SERVER.rsplit("/", 1)[0] + f"/notifier_chaos_{uuid.uuid4().hex[:8]}"
    fresh_database(url)
    chaos = Chaos(messages, seed, url, logs)
    try:
        load_messages(url, messages, publish_mini(url), datetime.now(UTC))
        chaos.start()
        say(f"chaos: {messages} messages, seed {seed}, logs in {logs}")
        return chaos.run(budget)
    finally:
        chaos.close()
        if keep:
            say(f"kept the database: {url}")
        else:
            drop_database(url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--budget", type=float, default=240, help="seconds to wait at most")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    result = run_chaos(args.messages, args.seed, budget=args.budget, keep=args.keep)
    say(f"statuses: {result.statuses}")
    say(f"details: {json.dumps(result.details, default=str)}")
    say(
        f"final {result.final}/{result.messages}; sent twice {result.duplicates}; "
        f"lost {result.lost}; fake messages {result.fake_messages} for "
        f"{result.sent_or_delivered} sent or delivered"
    )
    keys = ("messages", "final", "duplicates", "lost", "seconds")
    print(json.dumps({k: v for k, v in asdict(result).items() if k in keys}), flush=True)
    ok = result.lost == 0 and result.duplicates == 0
    return 0 if ok and result.fake_messages == result.sent_or_delivered else 1


if __name__ == "__main__":
    sys.exit(main())
