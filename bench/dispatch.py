"""Benchmark of delivery through real processes: tick -> Celery -> Twilio (fake) -> callbacks.

    python bench/dispatch.py [--messages N] [--rate-limit R] [--workers W] [--concurrency C]

N scheduled SMS messages (one per number) are loaded with COPY into a fresh PostgreSQL database
(``NOTIFIER_DATABASE_URL``, else ``notifier_dispatch_bench`` on the local server, dropped and
re-created). The fake Twilio (its CLI), our web app (``notifier serve``, the status callback
target) and W Celery workers (``notifier worker --concurrency C``) run as processes of their own,
on Redis ``redis://127.0.0.1:6379/5`` (flushed). A warm-up batch goes through first (then the
fake is reset); then every message is made due at t0 and ONE ``scheduler_tick`` hands them out.

Timed: t0 -> all N accepted by the fake -> all N ``delivered`` (status callbacks applied).
Latency per message = ``sent_at`` (recorded when Twilio accepted it) - ``due_at`` (t0). The send
rate is measured over the steady part (the 10th to the 90th percentile of ``sent_at``).
``--rate-limit R`` sets NOTIFIER_SMS_PER_SECOND=R for the workers (the Redis token bucket).
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from celery import Celery

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import redis  # noqa: E402

from bench.stack import (  # noqa: E402
    FINAL,
    Stack,
    duplicates,
    free_port,
    fresh_database,
    libpq,
    load_messages,
    notifier_env,
    phone,
    publish_mini,
    say,
    wait_until,
)
from notifier.adapters.queue import CeleryPublisher  # noqa: E402
from notifier.bootstrap import build  # noqa: E402
from notifier.config import Settings  # noqa: E402
from notifier.entrypoints.tasks import make_celery  # noqa: E402
from notifier.services.scheduling import scheduler_tick  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/notifier_dispatch_bench"
BROKER = "redis://127.0.0.1:6379/5"


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pids: set[int]) -> set[int]:
    found = set(pids)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid in pids:
                found.add(int(entry.name))
    return found


def cpu_snapshot(stack: Stack, database_url: str) -> dict[str, dict[int, float]]:
    """CPU seconds used so far per process, by part: workers (with their pool children), web,
    fake Twilio, the PostgreSQL backends of the database, and this process (driver)."""
    parts: dict[str, dict[int, float]] = {"workers": {}, "web": {}, "fake": {}, "other": {}}
    for name, proc in stack.named.items():
        part = next((p for p in parts if name.startswith(p.rstrip("s"))), "other")
        parts[part].update({pid: _cpu(pid) for pid in _children({proc.pid})})
    with psycopg.connect(libpq(database_url), autocommit=True) as conn:
        backends = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        ).fetchall()
    parts["postgres"] = {pid: _cpu(pid) for (pid,) in backends}
    parts["driver"] = {os.getpid(): _cpu(os.getpid())}
    return parts


def cpu_used(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]
) -> dict[str, float]:
    return {
        part: sum(t - before.get(part, {}).get(pid, 0.0) for pid, t in pids.items())
        for part, pids in after.items()
    }


def make_due(url: str, first: int, last: int, at: datetime) -> None:
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute(
            "UPDATE messages SET due_at = %s WHERE id BETWEEN %s AND %s", (at, first, last)
        )
        conn.execute("VACUUM ANALYZE messages")


def count(url: str, sql: str, *params: object) -> int:
    with psycopg.connect(libpq(url)) as conn:
        row = conn.execute(sql, params).fetchone()
        return int(row[0]) if row else 0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--rate-limit", type=float, default=None, help="SMS per second")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (Celery parents)")
    parser.add_argument("--concurrency", type=int, default=2, help="pool children per worker")
    parser.add_argument(
        "--web-workers", type=int, default=2, help="notifier serve --workers (as docker-compose)"
    )
    parser.add_argument(
        "--callbacks-in-flight", type=int, default=128, help="the fake's callback threads"
    )
    parser.add_argument(
        "--access-log", action="store_true", help="notifier serve with its access log"
    )
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait at most")
    parser.add_argument("--logs", type=Path, default=ROOT / "var" / "bench-dispatch")
    args = parser.parse_args(argv)
    n, warm = args.messages, args.warmup

    url = os.environ.get("NOTIFIER_DATABASE_URL") or DEFAULT_URL
    say(f"database {url.rsplit('@', 1)[-1]} (re-created); broker {BROKER} (flushed)")
    fresh_database(url)
    redis.Redis.from_url(BROKER).flushdb()
    version = publish_mini(url)
    started = time.perf_counter()
    load_messages(url, warm + n, version, datetime.now(UTC) + timedelta(days=1))
    say(f"loaded {warm + n:,} messages ({warm} warm-up) in {time.perf_counter() - started:.1f} s")

    stack = Stack(args.logs)
    try:
        fake = stack.fake_twilio(free_port(), callback_threads=args.callbacks_in_flight)
        web_port = free_port()
        web = f"http://127.0.0.1:{web_port}"
        extra = {"NOTIFIER_SMS_PER_SECOND": str(args.rate_limit)} if args.rate_limit else {}
        env = notifier_env(url, BROKER, web, fake.url, args.logs / "var", **extra)
        web_options = ["--workers", str(args.web_workers)]
        stack.web(
            web_port, env, *web_options, "--access-log" if args.access_log else "--no-access-log"
        )
        for k in range(args.workers):
            stack.notifier(f"worker-{k}", ["worker", "--concurrency", str(args.concurrency)], env)
        probe = Celery(broker=BROKER)  # the workers log at WARNING: ask them, not their logs
        if not wait_until(lambda: len(probe.control.ping(timeout=0.5)) >= args.workers, 60):
            raise RuntimeError("workers did not start:\n" + stack.log_tail("worker-0"))
        say(
            f"fake Twilio {fake.url}, web {web} ({args.web_workers} process(es)), "
            f"{args.workers} worker(s) x {args.concurrency}"
        )

        settings = Settings(
            _env_file=None,
            database_url=url,
            broker_url=BROKER,
            public_url=web,
            var_dir=args.logs / "var",
            schedules_dir=ROOT / "tests/fixtures/mini/schedules",
            templates_dir=ROOT / "tests/fixtures/mini/templates",
            quiet_start="00:00",
            quiet_end="23:59",
            default_send_time="00:00",
        )
        app = build(settings)
        publisher = CeleryPublisher(make_celery(BROKER))
        delivered_sql = (
            "SELECT count(*) FROM messages WHERE status = 'delivered' AND id BETWEEN %s AND %s"
        )

        if warm:
            make_due(url, 1, warm, datetime.now(UTC))
            scheduler_tick(app, datetime.now(UTC), publisher)
            if not wait_until(lambda: count(url, delivered_sql, 1, warm) == warm, 120, 0.2):
                raise RuntimeError(f"warm-up did not finish: {count(url, delivered_sql, 1, warm)}")
            wait_until(lambda: fake.stats()["callbacks_delivered"] >= 2 * warm, 10)
            fake.reset()
            say(f"warm-up: {warm} messages delivered")

        cpu_before = cpu_snapshot(stack, url)
        t0 = datetime.now(UTC)
        make_due(url, warm + 1, warm + n, t0)
        begin = time.monotonic()
        tick = scheduler_tick(app, datetime.now(UTC), publisher)
        ticked = time.monotonic() - begin
        accepted_at = delivered_at = None
        deadline = begin + args.timeout
        while time.monotonic() < deadline and delivered_at is None:
            if accepted_at is None and fake.stats()["messages"] >= n:
                accepted_at = time.monotonic() - begin
            if count(url, delivered_sql, warm + 1, warm + n) >= n:
                delivered_at = time.monotonic() - begin
                accepted_at = accepted_at or delivered_at
            time.sleep(0.05 if accepted_at is None else 0.2)
        seconds = delivered_at or (time.monotonic() - begin)
        cpu = cpu_used(cpu_before, cpu_snapshot(stack, url))
        say(f"tick: {tick.enqueued} enqueued in {ticked:.2f} s")

        with psycopg.connect(libpq(url)) as conn:
            rows = conn.execute(
                "SELECT extract(epoch FROM sent_at - due_at), extract(epoch FROM sent_at) "
                "FROM messages WHERE id > %s AND sent_at IS NOT NULL",
                (warm,),
            ).fetchall()
            statuses = dict(
                conn.execute(
                    "SELECT status, count(*) FROM messages WHERE id > %s GROUP BY 1", (warm,)
                ).fetchall()
            )
        latencies = [float(r[0]) * 1000 for r in rows]
        sent = sorted(float(r[1]) for r in rows)
        lo, hi = percentile(sent, 0.10), percentile(sent, 0.90)
        steady = (0.8 * len(sent)) / (hi - lo) if hi > lo else 0.0
        fake_messages = fake.messages()
        dup = duplicates(fake_messages, {phone(i) for i in range(warm + 1, warm + n + 1)})
        lost = n - sum(c for s, c in statuses.items() if s in FINAL)
        say(f"statuses: {statuses}")
        say(
            f"accepted by the fake: all {n} after {accepted_at or float('nan'):.2f} s "
            f"({n / accepted_at if accepted_at else 0:.0f}/s); all delivered after "
            f"{seconds:.2f} s ({n / seconds:.0f}/s end to end)"
        )
        say(
            f"send rate over the steady part (p10..p90 of sent_at): {steady:.1f}/s"
            + (
                f" (limit {args.rate_limit:g}/s, {100 * (steady / args.rate_limit - 1):+.1f}%)"
                if args.rate_limit
                else ""
            )
        )
        say(
            f"latency due -> accepted: p50 {percentile(latencies, 0.5):.0f} ms, "
            f"p90 {percentile(latencies, 0.9):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms, "
            f"max {max(latencies, default=0):.0f} ms"
        )
        say(
            "CPU per message (ms): "
            + ", ".join(f"{part} {1000 * t / n:.2f}" for part, t in cpu.items() if t)
            + f"; total {1000 * sum(cpu.values()) / n:.2f} ms = "
            f"{100 * sum(cpu.values()) / seconds:.0f}% of one core over {seconds:.1f} s"
        )
        say(f"fake Twilio: {len(fake_messages)} messages, {fake.stats()}; duplicates {dup}")
        result: dict[str, object] = {
            "messages": n,
            "seconds": round(seconds, 2),
            "per_second": round(n / seconds, 1),
            "p50_ms": round(percentile(latencies, 0.5)),
            "p99_ms": round(percentile(latencies, 0.99)),
            "duplicates": dup["by_number"] + dup["strays"],
            "lost": lost,
        }
        if args.rate_limit:
            result["rate_limit"] = args.rate_limit
            result["measured_rate"] = round(steady, 1)
        app.engine.dispose()
    finally:
        stack.close()
    print(json.dumps(result), flush=True)
    return 0 if result["duplicates"] == 0 and result["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
