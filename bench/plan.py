"""Benchmark of the daily planning tick on PostgreSQL.

    python bench/plan.py [--enrollments N] [--keep] [--sample S] [--history-days D] [--profile F]

Loads N families (COPY, not the ORM) spread over pregnancy and the first two years, builds the
steady state (the nudge history the real planner writes when it runs on each of the D days
before today), then times ONE tick of the set-based planner (``notifier.services.planning.plan``
in a unit of work, ``now`` = today 00:05 Europe/Amsterdam) in a fresh subprocess, and the same
day with a naive baseline (every family through the pure core ``plan_family``), measured on a
sample and scaled linearly to N. After measuring, the database is put back in its pre-tick state,
so ``--keep`` can time the same day again without reloading.

The database: ``NOTIFIER_DATABASE_URL`` (its tables are dropped and re-created by the alembic
migration), or else a database ``notifier_bench`` on the local server, dropped and re-created.
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time as clock
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

from notifier.adapters.db.engine import make_engine, session_factory, unit_of_work  # noqa: E402
from notifier.adapters.db.migrate import upgrade  # noqa: E402
from notifier.adapters.db.tables import Base  # noqa: E402
from notifier.domain.planner import CapRule  # noqa: E402
from notifier.domain.timing import SendHours  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/notifier_bench"
HOURS = SendHours()  # the settings' defaults: 09:00-20:30, 10:00 when no preferred time
CAP = CapRule()  # the settings' default weekly cap: 3 nudges per 7 days
TICK_AT = time(0, 5)
PLANNABLE = ("active", "lost")

FIRST_NAMES = ["Sanne", "Fatima", "Emma", "Noor", "Ayse", "Lisa", "Mohamed", "Daan", "Priya",
               "Kevin", "Julia", "Youssef", "Anouk", "Sem", "Maria", "Tom", "Iris", "Omar"]
CHILD_NAMES = ["Lotte", "Noah", "Mila", "Liam", "Sara", "Adam", "Yara", "Finn", "Zoe", "Ali"]


# --------------------------------------------------------------------------- helpers


def say(*args: Any) -> None:
    print(*args, flush=True)


def proc_status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def rss_mb() -> float:
    return proc_status_mb("VmRSS")


def peak_rss_mb() -> float:
    """The peak RSS of this process image: ru_maxrss, unless it still holds the parent's.

    Linux carries ru_maxrss across fork+exec (it starts at the parent's RSS at fork time), so
    a worker started by the loader inherits the loader's peak. VmHWM is the high-water mark of
    this process since exec; when it is lower, ru_maxrss is the parent's and VmHWM is the answer.
    """
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    hwm = proc_status_mb("VmHWM")
    return min(maxrss, hwm) if hwm else maxrss


def backend_cpu(pid: int) -> float | None:
    """CPU seconds used so far by a PostgreSQL backend on this machine (None if not local)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def local_today() -> date:
    return HOURS.today(datetime.now(UTC))


def tick_now(day: date) -> datetime:
    return HOURS.local(day, TICK_AT)


# --------------------------------------------------------------------------- database setup


def prepare_database(url: str, given: bool) -> None:
    """A migrated, empty database: recreate notifier_bench, or drop the tables of a given URL."""
    target = make_url(url)
    name = target.database
    if not given:
        admin = libpq_url(url.rsplit("/", 1)[0] + "/postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        try:
            psycopg.connect(libpq_url(url)).close()
        except psycopg.OperationalError as error:
            if "does not exist" not in str(error):
                raise
            admin = libpq_url(url.rsplit("/", 1)[0] + "/postgres")
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
        names = [t.name for t in Base.metadata.sorted_tables]
        names += ["alembic_version", "bench_meta", "bench_births", "bench_deferred"]
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            for table in names:
                conn.execute(f'DROP TABLE IF EXISTS "{table}" CASCADE')
    upgrade(url)


def meta(conn: psycopg.Connection[Any]) -> dict[str, str]:
    exists = conn.execute("SELECT to_regclass('bench_meta') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return {}
    return dict(conn.execute("SELECT key, value FROM bench_meta").fetchall())


def set_meta(conn: psycopg.Connection[Any], **values: Any) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text)")
    for key, value in values.items():
        conn.execute(
            "INSERT INTO bench_meta VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, str(value)),
        )


# --------------------------------------------------------------------------- data


def publish_programme(engine: Engine, day: date) -> str:
    from notifier.domain.errors import ScheduleError
    from notifier.services.publishing import load_checked, publish

    try:
        programme = load_checked(ROOT / "schedules", ROOT / "templates", day)
        which = "default programme (schedules/, templates/)"
    except ScheduleError as error:
        say(f"the default programme does not validate, falling back to tests/fixtures/mini:\n"
            f"{error}")
        mini = ROOT / "tests" / "fixtures" / "mini"
        programme = load_checked(mini / "schedules", mini / "templates", day)
        which = "FALLBACK tests/fixtures/mini (the default programme does not validate)"
    with unit_of_work(session_factory(engine)) as session:
        publish(session, programme, "bench")
    return f"{which}: {len(programme.steps)} steps"


def location_keys() -> list[str]:
    import yaml

    data = yaml.safe_load((ROOT / "schedules" / "locations.yaml").read_text())
    return [loc["key"] for loc in data.get("locations", [])] or ["den-haag"]


class Population:
    """Deterministic fake families; rows as COPY text lines."""

    def __init__(self, n: int, day: date, sim_days: int, seed: int) -> None:
        self.n, self.day, self.seed = n, day, seed
        self.cutoff = day - timedelta(days=sim_days + 1)  # births before it are known at start
        self.locations = location_keys()
        self.counts: dict[str, int] = {}

    def rows(self, batch: int = 50_000) -> Iterator[tuple[list[str], ...]]:
        rng = random.Random(self.seed)
        day, cutoff = self.day, self.cutoff
        iso: dict[int, str] = {}

        def d(value: date | None) -> str:
            if value is None:
                return "\\N"
            o = value.toordinal()
            s = iso.get(o)
            if s is None:
                s = iso[o] = value.isoformat()
            return s

        counts = self.counts
        for key in ("children", "recipients", "born", "preterm", "expecting", "twins", "lost",
                    "paused", "pending_births", "sms", "email", "both"):
            counts[key] = 0
        child_id = recipient_id = 0
        families: list[str] = []
        children: list[str] = []
        recipients: list[str] = []
        births: list[str] = []
        preterm_weeks = list(range(28, 37))
        preterm_weights = [1, 1, 2, 2, 3, 4, 6, 9, 12]
        for fid in range(1, self.n + 1):
            # due date: from pregnancy week 6 (34 weeks ahead) to two years ago
            due = day + timedelta(days=rng.randint(-730, 238))
            if rng.random() < 0.08:
                weeks = rng.choices(preterm_weeks, preterm_weights)[0]
                birth = due - timedelta(days=(40 - weeks) * 7 - rng.randint(0, 6))
            else:
                birth = due + timedelta(days=rng.randint(-21, 14))
                weeks = 40 + (birth - due).days // 7
            born = birth < day
            status, fstatus, lost_on = ("born" if born else "expecting"), "active", None
            if not born and rng.random() < 0.004:
                status, fstatus = "lost", "lost"
                lost_on = day - timedelta(days=rng.randint(1, 60))
                counts["lost"] += 1
            first_child = "t" if rng.random() < 0.45 else "f"
            twins = 2 if rng.random() < 0.015 else 1
            counts["twins"] += twins == 2
            for _ in range(twins):
                child_id += 1
                counts["children"] += 1
                if status == "born":
                    counts["born"] += 1
                    counts["preterm"] += weeks < 37
                    corrected = birth + timedelta(weeks=40 - weeks) if weeks < 37 else birth
                    name = rng.choice(CHILD_NAMES)
                    if birth >= cutoff:  # reported during the simulated days
                        counts["pending_births"] += 1
                        births.append(f"{child_id}\t{fid}\t{d(birth)}\t{weeks}\t{d(corrected)}")
                        children.append(
                            f"{child_id}\t{fid}\t{name}\t{d(due)}\t\\N\t\\N\texpecting\t\\N\t"
                            f"{first_child}\t{d(due)}\t{d(due)}\t{d(due)} 12:00:00+00"
                        )
                    else:
                        children.append(
                            f"{child_id}\t{fid}\t{name}\t{d(due)}\t{d(birth)}\t{weeks}\tborn\t\\N\t"
                            f"{first_child}\t{d(birth)}\t{d(corrected)}\t{d(due)} 12:00:00+00"
                        )
                else:
                    counts["expecting"] += status == "expecting"
                    children.append(
                        f"{child_id}\t{fid}\t\t{d(due)}\t\\N\t\\N\t{status}\t{d(lost_on)}\t"
                        f"{first_child}\t{d(due)}\t{d(due)}\t{d(due)} 12:00:00+00"
                    )
            paused = None
            if rng.random() < 0.005:
                paused = day + timedelta(days=rng.randint(0, 30))
                counts["paused"] += 1
            created = min(due - timedelta(weeks=33) + timedelta(days=rng.randint(0, 20)), day)
            families.append(
                f"{fid}\t{fid:016x}\t{fstatus}\t{rng.choice(self.locations)}\t{d(paused)}\t"
                f"import\t\\N\tf\t{d(created)} 09:00:00+00\t\\N"
            )
            for _ in range(2 if rng.random() < 0.3 else 1):
                recipient_id += 1
                counts["recipients"] += 1
                r = rng.random()
                channels = "sms" if r < 0.55 else ("email" if r < 0.70 else "sms,email")
                counts[{"sms": "sms", "email": "email"}.get(channels, "both")] += 1
                sms, email = "sms" in channels, "email" in channels
                phone = f"+3161{rng.randint(0, 9_999_999):07d}" if sms else "\\N"
                mail = f"ouder{recipient_id}@example.nl" if email else "\\N"
                language = "en" if rng.random() < 0.15 else "nl"
                preferred = f"{rng.randint(9, 20):02d}:00:00" if rng.random() < 0.2 else "\\N"
                recipients.append(
                    f"{recipient_id}\t{fid}\t{rng.choice(FIRST_NAMES)}\t{phone}\t{mail}\t"
                    f"{language}\t{channels}\t{preferred}\t"
                    f"{'confirmed' if sms else 'none'}\t{'confirmed' if email else 'none'}\t"
                    f"t\tt\t0\t{d(created)} 09:00:00+00"
                )
            if fid % batch == 0 or fid == self.n:
                yield families, children, recipients, births
                families, children, recipients, births = [], [], [], []


COPY_COLUMNS = {
    "families": "id, public_id, status, location_key, paused_until, consent_source, consent_by, "
    "replan, created_at, ended_at",
    "children": "id, family_id, name, due_date, birth_date, weeks_at_birth, status, lost_on, "
    "first_child, anchor_birth, anchor_corrected, created_at",
    "recipients": "id, family_id, first_name, phone, email, language, channels, preferred_time, "
    "sms_consent, email_consent, phone_usable, email_usable, email_bounces, created_at",
    "bench_births": "child_id, family_id, birth_date, weeks_at_birth, anchor_corrected",
}


def copy_lines(conn: psycopg.Connection[Any], table: str, lines: list[str]) -> None:
    if not lines:
        return
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({COPY_COLUMNS[table]}) FROM STDIN") as copy:
        copy.write("\n".join(lines) + "\n")


def bulk_load(url: str, population: Population) -> float:
    started = clock.perf_counter()
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute(
            "CREATE TABLE bench_births (child_id bigint PRIMARY KEY, family_id bigint, "
            "birth_date date, weeks_at_birth int, anchor_corrected date)"
        )
        for families, children, recipients, births in population.rows():
            copy_lines(conn, "families", families)
            copy_lines(conn, "children", children)
            copy_lines(conn, "recipients", recipients)
            copy_lines(conn, "bench_births", births)
            say(f"  loaded {int(families[0].split(chr(9), 1)[0]) + len(families) - 1:,} families")
        conn.execute("CREATE INDEX ON bench_births (birth_date)")
        for table in ("families", "children", "recipients"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        conn.commit()
    analyze(url)
    return clock.perf_counter() - started


def analyze(url: str, tables: str = "") -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(f"VACUUM ANALYZE {tables}".strip())


def memoise_offsets() -> None:
    """Build the history faster: memoise the pure ``Offset.apply`` in THIS (loader) process.

    Its results are the same, so the history is what the planner writes; the timed tick and the
    baseline run in fresh subprocesses that are not patched.
    """
    from functools import lru_cache

    from notifier.domain.offsets import Offset

    if not hasattr(Offset.apply, "cache_info"):
        Offset.apply = lru_cache(maxsize=1 << 16)(Offset.apply)  # type: ignore[method-assign]


def report_births(conn: psycopg.Connection[Any], born_on: date, replan: bool) -> int:
    """Births reported the morning after (as report_birth does, without forgetting nudges)."""
    cur = conn.execute(
        "UPDATE children c SET birth_date = b.birth_date, weeks_at_birth = b.weeks_at_birth, "
        "status = 'born', anchor_birth = b.birth_date, anchor_corrected = b.anchor_corrected "
        "FROM bench_births b WHERE b.child_id = c.id AND b.birth_date <= %s "
        "AND c.status = 'expecting'",
        (born_on,),
    )
    if replan:
        conn.execute(
            "UPDATE families SET replan = true WHERE id IN "
            "(SELECT family_id FROM bench_births WHERE birth_date = %s)",
            (born_on,),
        )
    return cur.rowcount


def simulate_history(url: str, day: date, days: int) -> str:
    """Run the real planner for each of the ``days`` days before ``day``; that is the history."""
    from notifier.services.planning import LAST_PLANNED, plan
    from notifier.services.publishing import current_programme

    memoise_offsets()
    engine = make_engine(url)
    factory = session_factory(engine)
    start = day - timedelta(days=days)
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO planner_state (key, value) VALUES (%s, %s)",
            (LAST_PLANNED, (start - timedelta(days=1)).isoformat()),
        )
    started = clock.perf_counter()
    for i in range(days):
        current = start + timedelta(days=i)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            reported = report_births(conn, current - timedelta(days=1), replan=True)
        t0 = clock.perf_counter()
        with unit_of_work(factory) as session:
            version_id, programme = current_programme(session)
            result = plan(session, programme, version_id, tick_now(current), hours=HOURS, cap=CAP)
        if i % 7 == 0 or i == days - 1:
            say(f"  simulated {current}: {reported} births reported, {result.families:,} families, "
                f"{result.messages:,} messages, {clock.perf_counter() - t0:.2f} s")
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        # the births of yesterday are known this morning; no family is left flagged for re-plan
        late = report_births(conn, day - timedelta(days=1), replan=False)
        conn.execute("UPDATE families SET replan = false WHERE replan")
        conn.execute(
            "INSERT INTO planner_state (key, value) VALUES (%s, %s) ON CONFLICT (key) "
            "DO UPDATE SET value = excluded.value",
            (LAST_PLANNED, (day - timedelta(days=1)).isoformat()),
        )
    engine.dispose()
    say(f"  simulation took {clock.perf_counter() - started:.1f} s; "
        f"{late} births of yesterday reported without a re-plan")
    return history_summary(url, start, day, days)


def history_summary(url: str, start: date, day: date, days: int) -> str:
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            "SELECT status, count(*) FROM nudges GROUP BY status ORDER BY 1"
        ).fetchall()
        messages = conn.execute("SELECT count(*) FROM messages").fetchone()[0]  # type: ignore[index]
    if days == 0:
        return "empty (no nudges, no messages); planner_state last_planned_day = yesterday"
    counts = ", ".join(f"{status} {count:,}" for status, count in rows)
    return (
        f"what the real planner wrote on the {days} days {start} .. {day - timedelta(days=1)} "
        f"(births reported the morning after, each with a re-plan): nudges {counts}; "
        f"{messages:,} messages (left 'scheduled'); last_planned_day = yesterday"
    )


# --------------------------------------------------------------------------- pre-tick state


def snapshot(url: str) -> dict[str, int]:
    """Remember what the tick may change, so the database can be put back afterwards."""
    with psycopg.connect(libpq_url(url)) as conn:
        n0 = conn.execute("SELECT coalesce(max(id), 0) FROM nudges").fetchone()[0]  # type: ignore[index]
        m0 = conn.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]  # type: ignore[index]
        conn.execute("DROP TABLE IF EXISTS bench_deferred")
        # the planner only ever changes records that are deferred
        conn.execute(
            "CREATE TABLE bench_deferred AS SELECT * FROM nudges WHERE status = 'deferred'"
        )
        set_meta(conn, pre_tick=json.dumps({"nudges": n0, "messages": m0}))
        conn.commit()
    return {"nudges": n0, "messages": m0}


def restore(url: str, day: date) -> None:
    from notifier.services.planning import LAST_PLANNED

    with psycopg.connect(libpq_url(url)) as conn:
        state = json.loads(meta(conn)["pre_tick"])
        # the messages that point at the new nudges go first; without an index on
        # messages.nudge_id the foreign-key trigger would scan messages once per deleted nudge
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute("DELETE FROM messages WHERE id > %s", (state["messages"],))
        conn.execute("DELETE FROM nudges WHERE id > %s", (state["nudges"],))
        conn.execute(
            "UPDATE nudges n SET status = s.status, reason = s.reason, planned_on = s.planned_on, "
            "updated_at = s.updated_at FROM bench_deferred s WHERE n.id = s.id"
        )
        conn.execute("UPDATE families SET replan = false WHERE replan")
        conn.execute(
            "UPDATE planner_state SET value = %s WHERE key = %s",
            ((day - timedelta(days=1)).isoformat(), LAST_PLANNED),
        )
        conn.execute("DROP TABLE bench_deferred")
        conn.execute("DELETE FROM bench_meta WHERE key = 'pre_tick'")
        conn.commit()
    analyze(url, "nudges, messages")


def sample_ids(n: int, size: int, seed: int) -> list[int]:
    return sorted(random.Random(seed + 1).sample(range(1, n + 1), min(size, n)))


def decisions_in_db(
    url: str, ids: list[int], state: dict[str, int]
) -> tuple[set[tuple[Any, ...]], int]:
    """The records the tick wrote or changed for the sampled families, and their messages."""
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute("CREATE TEMP TABLE bench_sample (id bigint PRIMARY KEY)")
        with conn.cursor() as cur, cur.copy("COPY bench_sample (id) FROM STDIN") as copy:
            copy.write("".join(f"{i}\n" for i in ids))
        rows = conn.execute(
            "SELECT n.family_id, n.child_id, n.step_key, n.status, n.reason FROM nudges n "
            "JOIN bench_sample s ON s.id = n.family_id LEFT JOIN bench_deferred d ON d.id = n.id "
            "WHERE n.id > %s OR (d.id IS NOT NULL AND (d.status, coalesce(d.reason, '')) "
            "<> (n.status, coalesce(n.reason, '')))",
            (state["nudges"],),
        ).fetchall()
        messages = conn.execute(
            "SELECT count(*) FROM messages m JOIN bench_sample s ON s.id = m.family_id "
            "WHERE m.id > %s",
            (state["messages"],),
        ).fetchone()[0]  # type: ignore[index]
    return {tuple(r) for r in rows}, messages


# --------------------------------------------------------------------------- the two planners


def worker(args: argparse.Namespace) -> None:
    """Runs in a fresh interpreter: ``tick`` (the set-based planner) or ``baseline``."""
    from notifier.services.publishing import current_programme

    day = date.fromisoformat(args.day)
    now = tick_now(day)
    engine = make_engine(args.url)
    factory = session_factory(engine)
    with engine.connect() as conn:  # a warm pool, as in the scheduler
        conn.execute(text("SELECT 1"))
    t0 = clock.perf_counter()
    with unit_of_work(factory) as session:
        version_id, programme = current_programme(session)
    programme_seconds = clock.perf_counter() - t0
    before = {"rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb()}
    if args.worker == "tick":
        from notifier.services.planning import plan

        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        t0, cpu0 = clock.perf_counter(), clock.process_time()
        with unit_of_work(factory) as session:
            backend = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            server0 = backend_cpu(backend)
            result = plan(session, programme, version_id, now, hours=HOURS, cap=CAP)
        seconds = clock.perf_counter() - t0
        python_cpu = clock.process_time() - cpu0
        server_cpu = backend_cpu(backend) - server0 if server0 is not None else None
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        out = {
            "seconds": seconds,
            "python_cpu": python_cpu,
            "server_cpu": server_cpu,
            "families": result.families,
            "messages": result.messages,
            "by_status": result.by_status,
        }
    else:
        out = baseline(factory, programme, version_id, day, now, json.loads(sys.stdin.read()))
    out.update(
        ru_maxrss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        programme_seconds=programme_seconds,
        rss_before_mb=before["rss_mb"],
        peak_before_mb=before["peak_rss_mb"],
        peak_rss_mb=peak_rss_mb(),
    )
    engine.dispose()
    print(json.dumps(out))


def baseline(factory: Any, programme: Any, version_id: int, day: date, now: datetime,
             ids: list[int]) -> dict[str, Any]:
    """The naive planner: every family (here: the sample), its full history, plan_family each;
    the decisions are written as the set-based planner writes them, then rolled back."""
    from sqlalchemy import select

    from notifier.adapters.db.family_repository import chunks, load_facts, load_history
    from notifier.adapters.db.tables import Family
    from notifier.domain.planner import plan_family
    from notifier.services.planning import BATCH, PlanResult, _last_planned, _write

    decisions_seen: list[list[Any]] = []
    result = PlanResult(day)
    t0 = clock.perf_counter()
    with factory() as session, session.begin():
        last = _last_planned(session)
        first = (last + timedelta(days=1)) if last else day
        for part in chunks(ids, BATCH):
            active = list(session.scalars(
                select(Family.id).where(Family.id.in_(part)).where(Family.status.in_(PLANNABLE))
            ))
            facts = load_facts(session, active)
            history, nudge_ids = load_history(session, active, None)
            decisions = []
            for family_id in active:
                for decision in plan_family(programme, facts[family_id],
                                            history.get(family_id, {}), day, now,
                                            hours=HOURS, cap=CAP, since=first):
                    decisions.append((family_id, decision))
                    decisions_seen.append([family_id, decision.slot.lead.id,
                                           decision.slot.step.key, decision.status.value,
                                           decision.reason])
            _write(session, decisions, nudge_ids, version_id, result)
            result.families += len(active)
        seconds = clock.perf_counter() - t0
        session.rollback()
    return {"seconds": seconds, "families": result.families, "messages": result.messages,
            "decisions": decisions_seen}


def run_worker(url: str, day: date, kind: str, ids: list[int] | None = None,
               profile: str | None = None) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind,
               "--url", url, "--day", day.isoformat()]
    if profile:
        command += ["--profile", profile]
    if ids is not None:  # on stdin: too long for one argument
        command += ["--ids", "-"]
    done = subprocess.run(command, capture_output=True, text=True, check=False,
                          input=json.dumps(ids) if ids is not None else None)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {kind} worker failed")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enrollments", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true",
                        help="reuse the database loaded by an earlier run (same N)")
    parser.add_argument("--sample", type=int, default=20_000,
                        help="families the baseline is measured on (scaled linearly to N)")
    parser.add_argument("--history-days", type=int, default=None,
                        help="days of planner history to simulate before today "
                        "(default: the longest step window + the cap period; 0 = empty)")
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--profile", metavar="FILE", help="cProfile the tick into FILE")
    parser.add_argument("--repeat", type=int, default=1,
                        help="time the same tick this many times (the database is put back "
                        "in between) and report the median")
    parser.add_argument("--worker", choices=["tick", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--day", help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    given = os.environ.get("NOTIFIER_DATABASE_URL")
    url = given or DEFAULT_URL
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not url.startswith("postgresql"):
        raise SystemExit("bench/plan.py needs PostgreSQL (it loads with COPY)")
    n = args.enrollments
    say(f"database: {make_url(url).render_as_string(hide_password=True)}")

    info: dict[str, str] = {}
    if args.keep:
        try:
            with psycopg.connect(libpq_url(url)) as conn:
                info = meta(conn)
        except psycopg.OperationalError:
            info = {}
        if info.get("enrollments") != str(n):
            raise SystemExit(f"--keep: no database loaded with {n:,} enrolments at {url}; "
                             "run without --keep first")
        day = date.fromisoformat(info["day"])
        if "pre_tick" in info:
            say("  an earlier run stopped before putting the database back; restoring it")
            restore(url, day)
        say(f"reusing the loaded database (--keep): {n:,} families, planned day {day}")
    else:
        day = local_today()
        prepare_database(url, given is not None)
        engine = make_engine(url)
        programme_text = publish_programme(engine, day)
        from notifier.services.publishing import current_programme

        with unit_of_work(session_factory(engine)) as session:
            programme = current_programme(session)[1]
        engine.dispose()
        max_window = max((s.window.approx_days() for s in programme.steps), default=0)
        days = args.history_days if args.history_days is not None else max_window + CAP.days
        population = Population(n, day, days, args.seed)
        say(f"loading {n:,} families with COPY (day {day}) ...")
        load_seconds = bulk_load(url, population)
        c = population.counts
        composition = (
            f"{n:,} families, {c['children']:,} children ({c['twins']:,} twin births; "
            f"{c['born']:,} born of which {c['preterm']:,} preterm "
            f"({100 * c['preterm'] / max(c['born'], 1):.1f}%), {c['expecting']:,} expecting, "
            f"{c['lost']:,} lost), {c['recipients']:,} recipients "
            f"({c['recipients'] / n:.2f} per family; sms {c['sms']:,}, email {c['email']:,}, "
            f"both {c['both']:,}), {c['paused']:,} families paused; due dates "
            f"{day - timedelta(730)} .. {day + timedelta(238)} (pregnancy week 6 to age ~2)"
        )
        say(f"  load took {load_seconds:.1f} s: {composition}")
        say(f"simulating {days} days of planning to build the nudge history ...")
        history = simulate_history(url, day, days)
        analyze(url)
        with psycopg.connect(libpq_url(url)) as conn:
            set_meta(conn, day=day.isoformat(), enrollments=n, history=history,
                     composition=composition, programme=programme_text,
                     load_seconds=f"{load_seconds:.1f}")
            conn.commit()
        info = {"history": history, "composition": composition, "programme": programme_text}

    say(f"programme: {info.get('programme')}")
    say(f"population: {info.get('composition')}")
    say(f"nudge history before the tick: {info.get('history')}")

    ids = sample_ids(n, args.sample, args.seed)
    ticks = []
    for attempt in range(args.repeat):
        state = snapshot(url)
        try:
            say(f"timing ONE tick for {day} at 00:05 Europe/Amsterdam in a fresh subprocess ...")
            ticks.append(run_worker(url, day, "tick", profile=args.profile))
            if attempt == 0:
                tick_seen, tick_messages = decisions_in_db(url, ids, state)
        finally:
            restore(url, day)
        say(f"  {ticks[-1]['seconds']:.3f} s")
    tick = sorted(ticks, key=lambda t: t["seconds"])[len(ticks) // 2]  # the median
    say(f"timing the naive baseline on {len(ids):,} sampled families (rolled back) ...")
    base = run_worker(url, day, "baseline", ids=ids)
    base_seen = {tuple(d) for d in base["decisions"]}
    scale = n / len(ids)
    baseline_seconds = base["seconds"] * scale
    ratio = baseline_seconds / tick["seconds"] if tick["seconds"] else float("inf")
    agree = base_seen == tick_seen and base["messages"] == tick_messages

    say("")
    say(f"tick ({day}, now {tick_now(day).isoformat()}):")
    if len(ticks) > 1:
        say(f"  {len(ticks)} ticks of the same day (restored in between): "
            + ", ".join(f"{t['seconds']:.3f}" for t in ticks) + " s; the median is reported")
    say(f"  {tick['seconds']:.3f} s for plan() + commit; {tick['families']:,} families looked at; "
        f"nudges {tick['by_status']}; {tick['messages']:,} messages due")
    say(f"  (reading the published programme before it: {tick['programme_seconds']:.3f} s)")
    if tick.get("server_cpu") is not None:
        cpus = ", ".join(f"{t['python_cpu']:.2f}+{t['server_cpu']:.2f}" for t in ticks)
        say(f"  CPU of the tick (Python process + its PostgreSQL backend, seconds): {cpus}; "
            f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on "
            f"{os.cpu_count()} cores (wall-clock above is that much noisier)")
    say(f"  peak RSS of the tick subprocess: {tick['peak_rss_mb']:.1f} MB; "
        f"before the tick (after imports, connect, programme): RSS {tick['rss_before_mb']:.1f} MB, "
        f"peak {tick['peak_before_mb']:.1f} MB")
    if tick["ru_maxrss_mb"] > tick["peak_rss_mb"] + 0.5:
        say(f"  (that is VmHWM; ru_maxrss says {tick['ru_maxrss_mb']:.1f} MB because Linux carries "
            "the parent's RSS at fork time across exec into it)")
    else:
        say("  (ru_maxrss of the subprocess, equal to its VmHWM)")
    say(f"baseline: {base['seconds']:.2f} s for {base['families']:,} sampled families "
        f"({base['messages']:,} messages), scaled linearly x{scale:.1f} to {n:,}: "
        f"{baseline_seconds:.1f} s (measured on a sample of {len(ids):,} and scaled)"
        if scale > 1 else f"baseline: {baseline_seconds:.2f} s for all {n:,} families")
    say(f"  baseline and tick agree on the sampled families: {agree} "
        f"({len(base_seen):,} vs {len(tick_seen):,} decisions, "
        f"{base['messages']:,} vs {tick_messages:,} messages)")
    say(f"ratio baseline / tick: {ratio:.1f}x")
    say(f"targets: tick <= 2 s: {tick['seconds'] <= 2}; >= 20x: {ratio >= 20}; "
        f"peak RSS <= 300 MB: {tick['peak_rss_mb'] <= 300}")
    say("(the database is back in its pre-tick state: `--keep` times the same day again)")
    print(json.dumps({
        "enrollments": n,
        "due_messages": tick["messages"],
        "tick_seconds": round(tick["seconds"], 3),
        "baseline_seconds": round(baseline_seconds, 2),
        "ratio": round(ratio, 1),
        "peak_rss_mb": round(tick["peak_rss_mb"], 1),
    }))


if __name__ == "__main__":
    main()
