"""``notifier scheduler``: APScheduler runs the tick every minute in the process that holds the
leader lock; other replicas wait and take over when the leader goes away."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime

from apscheduler.schedulers.blocking import BlockingScheduler

from notifier.adapters.locks import FileLock, LeaderLock, PostgresAdvisoryLock, RedisLock
from notifier.adapters.logs import get_logger
from notifier.adapters.queue import CeleryPublisher
from notifier.bootstrap import App
from notifier.services.scheduling import Publisher, scheduler_tick

log = get_logger("notifier.scheduler")


def leader_lock(app: App) -> LeaderLock:
    if app.engine.dialect.name == "postgresql":
        return PostgresAdvisoryLock(app.engine)
    if app.settings.broker_url and app.settings.broker_url.startswith("redis"):
        return RedisLock(app.settings.broker_url)
    return FileLock(app.settings.var_dir / "scheduler.lock")


def publisher_for(app: App) -> Publisher | None:
    if not app.settings.broker_url:
        return None
    from notifier.entrypoints.tasks import celery_app

    return CeleryPublisher(celery_app)


def tick_if_leader(app: App, lock: LeaderLock, publisher: Publisher | None) -> bool:
    """One scheduled run: tick only when this process holds the lock."""
    if not lock.acquire():
        log.debug("tick.skipped", reason="another replica holds the leader lock")
        return False
    me = f"{socket.gethostname()}:{os.getpid()}"
    scheduler_tick(app, datetime.now(UTC), publisher, leader=me)  # logs its report
    return True


def run(app: App, interval_seconds: int = 60) -> None:
    lock = leader_lock(app)
    publisher = publisher_for(app)
    log.info("scheduler.started", lock=lock.name, interval_seconds=interval_seconds)
    scheduler = BlockingScheduler(timezone=UTC)
    scheduler.add_job(
        tick_if_leader,
        "interval",
        seconds=interval_seconds,
        args=[app, lock, publisher],
        id="tick",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    try:
        scheduler.start()
    finally:
        lock.release()
