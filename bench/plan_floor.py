"""How fast can PostgreSQL alone write one day's plan? The floor under ``bench/plan.py``.

    python bench/plan_floor.py [--url URL] [--repeat K]

Runs on the database ``bench/plan.py --keep`` left behind (1M families with their history, its
day in ``bench_meta``). It does not plan: it asks what the tick could cost at best if Python did
no work at all. For the families whose day is simple (one child, one step due today, not paused,
nothing deferred, no deadline ahead, the tick before 09:00), the decision is written in SQL, in
one ``INSERT ... SELECT`` of the nudges and their messages, the way a pure-SQL planner would.
Those are about 88% of the families and 89% of the messages of the day. It measures the cost of
writing, not the decisions (they are not checked against the pure core). Every variant rolls
back or restores what it changed:

  1. one statement, all foreign keys kept (the schema on main);
  2. the same, split over two connections (two transactions) by family id, run at once;
  3. one statement, without the eight foreign keys of ``nudges`` and ``messages``;
  4. that, split over two connections.

The foreign keys are dropped for variants 3 and 4 and put back (validated) afterwards. The last
line printed is one JSON object with the median seconds and PostgreSQL CPU of each variant.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time as clock
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from plan import CAP, DEFAULT_URL, HOURS, backend_cpu, libpq_url, meta, tick_now

from notifier.adapters.db.engine import make_engine, session_factory, unit_of_work
from notifier.domain.offsets import window_last_day
from notifier.domain.programme import (
    Age,
    Anchor,
    Channel,
    Priority,
    Programme,
    When,
    template_name,
)
from notifier.services.publishing import current_programme

FOREIGN_KEYS = ("nudges", "messages")
USABLE = {
    "sms": "r.channels LIKE '%%sms%%' AND coalesce(r.phone, '') <> '' AND r.phone_usable "
    "AND r.sms_consent = 'confirmed'",
    "email": "r.channels LIKE '%%email%%' AND coalesce(r.email, '') <> '' AND r.email_usable "
    "AND r.email_consent = 'confirmed'",
}


def anchor(step: Any) -> str:
    if step.anchor is Anchor.DUE_DATE:
        return "due_date"
    return "anchor_corrected" if step.age is Age.CORRECTED else "anchor_birth"


def statements(programme: Programme, day: date, part: str) -> list[str]:
    """The SQL of one day for the simple families (``part`` filters on family id)."""
    due, ahead, steps = [], [], []
    horizon = day + timedelta(days=CAP.days - 1)
    for index, step in enumerate(programme.steps):
        if step.anchor is Anchor.LOSS:
            continue
        anchors = step.offset.anchors_for(day, day)
        if anchors:
            due.append(
                f"SELECT family_id, id, {index} AS step FROM children WHERE {anchor(step)} "
                f"BETWEEN '{anchors[0]}' AND '{anchors[1]}' AND status <> 'ended' AND {part}"
            )
        later = step.offset.anchors_for(day + timedelta(days=1), horizon)
        if step.priority is Priority.DEADLINE and later:
            ahead.append(
                f"SELECT family_id FROM children WHERE {anchor(step)} "
                f"BETWEEN '{later[0]}' AND '{later[1]}' AND status <> 'ended'"
            )
        last = window_last_day(day, step.window)
        languages = {
            channel: [
                lang for lang, names in programme.templates.items()
                if template_name(step.key, channel) in names
            ]
            for channel in Channel
        }
        steps.append(
            f"({index}, '{step.key}', {step.anchor is Anchor.DUE_DATE}, "
            f"{step.when is When.EXPECTING}, {step.when is When.BORN}, {step.first_child_only}, "
            f"{step.priority is Priority.DEADLINE}, {Channel.SMS in step.channels}, "
            f"{Channel.EMAIL in step.channels}, {day >= last}, "
            f"'{HOURS.window_end(last).isoformat()}'::timestamptz, "
            f"ARRAY{languages[Channel.SMS]}::text[], ARRAY{languages[Channel.EMAIL]}::text[])"
        )
    ahead_sql = " UNION ALL ".join(ahead) or "SELECT NULL::bigint AS family_id WHERE false"
    return [
        f"CREATE TEMP TABLE plan_due ON COMMIT DROP AS {' UNION ALL '.join(due)}",
        "ANALYZE plan_due",
        f"""
CREATE TEMP TABLE plan_fast ON COMMIT DROP AS
WITH steps(step, key, due_anchored, expecting, born_only, first_only, deadline, sms, email,
           closing, expires_at, sms_langs, email_langs) AS (VALUES {', '.join(steps)}),
single AS (SELECT family_id, min(id) AS child_id, min(step) AS step FROM plan_due
           GROUP BY family_id HAVING count(*) = 1),
simple AS (
  SELECT s.family_id, s.child_id, s.step, c.birth_date, c.first_child
  FROM single s JOIN families f ON f.id = s.family_id JOIN children c ON c.id = s.child_id
  WHERE f.status = 'active' AND NOT f.replan
    AND (f.paused_until IS NULL OR f.paused_until < %(day)s)
    AND c.status IN ('expecting', 'born')
    AND NOT EXISTS (SELECT 1 FROM children o WHERE o.family_id = s.family_id
                    AND o.id <> s.child_id AND o.status <> 'ended')
    AND NOT EXISTS (SELECT 1 FROM nudges n WHERE n.family_id = s.family_id
                    AND n.status = 'deferred')
    AND s.family_id NOT IN (SELECT family_id FROM ({ahead_sql}) a WHERE family_id IS NOT NULL)
)
SELECT simple.family_id, simple.child_id, st.step, st.key, st.deadline, st.sms, st.email,
  st.expires_at, st.sms_langs, st.email_langs,
  CASE
    WHEN st.first_only AND simple.first_child IS FALSE THEN 'skipped'
    WHEN simple.birth_date IS NOT NULL AND st.due_anchored AND %(day)s > simple.birth_date
      THEN 'cancelled'
    WHEN simple.birth_date IS NOT NULL AND st.expecting THEN 'cancelled'
    WHEN st.born_only AND simple.birth_date IS NULL THEN 'deferred'
    WHEN NOT EXISTS (SELECT 1 FROM recipients r WHERE r.family_id = simple.family_id
                     AND ((st.sms AND {USABLE['sms']}) OR (st.email AND {USABLE['email']})))
      THEN CASE WHEN st.closing THEN 'skipped' ELSE 'deferred' END
    WHEN st.deadline OR (SELECT count(*) FROM nudges n WHERE n.family_id = simple.family_id
                         AND n.status = 'placed'
                         AND n.planned_on BETWEEN %(cap_from)s AND %(cap_to)s) < %(cap)s
      THEN 'placed'
    WHEN st.closing THEN 'skipped' ELSE 'deferred'
  END AS status
FROM simple JOIN steps st ON st.step = simple.step""",
        "ANALYZE plan_fast",
        f"""
WITH ins AS (
  INSERT INTO nudges (family_id, child_id, step_key, day, priority, programme_version_id,
                      status, planned_on, created_at, updated_at)
  SELECT family_id, child_id, key, %(day)s, CASE WHEN deadline THEN 'deadline' ELSE 'normal' END,
         %(version)s, status, CASE WHEN status = 'placed' THEN %(day)s::date END, %(now)s, %(now)s
  FROM plan_fast ON CONFLICT DO NOTHING
  RETURNING id, family_id, child_id, step_key, status
)
INSERT INTO messages (nudge_id, family_id, child_id, recipient_id, step_key, channel, language,
                      programme_version_id, due_at, expires_at, status, attempts, created_at,
                      updated_at)
SELECT ins.id, ins.family_id, ins.child_id, r.id, ins.step_key, ch.channel,
  CASE WHEN r.language = ANY(CASE ch.channel WHEN 'sms' THEN f.sms_langs ELSE f.email_langs END)
       THEN r.language ELSE 'nl' END,
  %(version)s,
  (%(day)s::date + LEAST(GREATEST(coalesce(r.preferred_time, %(default)s::time), %(start)s::time),
                         %(latest)s::time)) AT TIME ZONE %(zone)s,
  f.expires_at, 'scheduled', 0, %(now)s, %(now)s
FROM ins JOIN plan_fast f ON f.child_id = ins.child_id AND f.key = ins.step_key
JOIN recipients r ON r.family_id = ins.family_id
JOIN (VALUES ('sms'), ('email')) ch(channel)
  ON (ch.channel = 'sms' AND f.sms AND {USABLE['sms']})
  OR (ch.channel = 'email' AND f.email AND {USABLE['email']})
WHERE ins.status = 'placed'
ON CONFLICT DO NOTHING""",
    ]


def run(url: str, sql: list[str], params: dict[str, Any], out: dict[str, Any]) -> None:
    """Runs the statements in one transaction, rolls back; ``out`` gets what it measured."""
    with psycopg.connect(url) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        cpu0, t0 = backend_cpu(pid), clock.perf_counter()
        with conn.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement, params)
            out["messages"] = cursor.rowcount
            cursor.execute("SELECT count(*) FROM plan_fast")
            out["families"] = cursor.fetchone()[0]  # type: ignore[index]
        out["seconds"] = clock.perf_counter() - t0
        cpu1 = backend_cpu(pid)
        out["server_cpu"] = cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None
        conn.rollback()


def variant(url: str, programme: Programme, params: dict[str, Any], parts: int) -> dict[str, Any]:
    results: list[dict[str, Any]] = [{} for _ in range(parts)]
    filters = ["true"] if parts == 1 else [f"family_id %% {parts} = {i}" for i in range(parts)]
    threads = [
        threading.Thread(target=run, args=(url, statements(programme, params["day"], f),
                                           params, results[i]))
        for i, f in enumerate(filters)
    ]
    t0 = clock.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "seconds": clock.perf_counter() - t0,
        "server_cpu": sum(r["server_cpu"] or 0 for r in results),
        "families": sum(r["families"] for r in results),
        "messages": sum(r["messages"] for r in results),
    }


def drop_foreign_keys(url: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(url, autocommit=True) as conn:
        keys = conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            (list(FOREIGN_KEYS),),
        ).fetchall()
        for table, name, _ in keys:
            conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    return keys


def restore_foreign_keys(url: str, keys: list[tuple[str, str, str]]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for table, name, definition in keys:
            conn.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    url = libpq_url(args.url)
    with psycopg.connect(url) as conn:
        day = date.fromisoformat(meta(conn)["day"])
        settings = dict(conn.execute(
            "SELECT name, current_setting(name) FROM pg_settings "
            "WHERE name IN ('shared_buffers', 'max_wal_size', 'synchronous_commit')"
        ).fetchall())
    engine = make_engine(args.url)
    with unit_of_work(session_factory(engine)) as session:
        version, programme = current_programme(session)
    engine.dispose()
    params = {
        "day": day, "now": datetime.now(UTC), "version": version,
        "cap": CAP.limit, "cap_from": day - timedelta(days=CAP.days - 1),
        "cap_to": day + timedelta(days=CAP.days - 1), "default": HOURS.default_time,
        "start": HOURS.start, "latest": HOURS.latest_slot, "zone": HOURS.zone.key,
    }
    assert tick_now(day) <= HOURS.local(day, HOURS.start)  # every slot is still ahead
    print(f"day {day}; server {settings}", flush=True)

    figures: dict[str, Any] = {}

    def measure(name: str, parts: int) -> None:
        runs = [variant(url, programme, params, parts) for _ in range(args.repeat)]
        seconds = [r["seconds"] for r in runs]
        cpu = [r["server_cpu"] for r in runs]
        print(f"{name}: {runs[0]['families']:,} families, {runs[0]['messages']:,} messages; "
              f"seconds {', '.join(f'{s:.2f}' for s in seconds)}; "
              f"PostgreSQL CPU {', '.join(f'{c:.2f}' for c in cpu)}", flush=True)
        figures[name] = {"seconds": round(statistics.median(seconds), 3),
                         "server_cpu": round(statistics.median(cpu), 3)}
        figures["families"], figures["messages"] = runs[0]["families"], runs[0]["messages"]

    measure("one_statement_foreign_keys", 1)
    measure("two_connections_foreign_keys", 2)
    keys = drop_foreign_keys(url)
    try:
        measure("one_statement_no_foreign_keys", 1)
        measure("two_connections_no_foreign_keys", 2)
    finally:
        restore_foreign_keys(url, keys)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
