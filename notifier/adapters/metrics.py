"""Prometheus metrics. Counters and the latency histogram are kept per process; with
``PROMETHEUS_MULTIPROC_DIR`` set (before the process starts) prometheus-client keeps them in
files there and a scrape adds up web, workers and scheduler. Without it, a scrape reports this
process only. Gauges that describe the database or the broker (queue depth, last tick,
enrollments) are not kept anywhere: they are computed at scrape time by ``render``'s snapshot.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
)
from prometheus_client import multiprocess as _multiprocess
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from sqlalchemy import event
from sqlalchemy.orm import Session

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600)

disable_created_metrics()  # type: ignore[no-untyped-call]  # no *_created series: they add nothing to these counters
PROCESS = CollectorRegistry()
MESSAGES = Counter(
    "notifier_messages",
    "Messages reaching a status (sent = accepted by the provider; retry = sent back to the queue)",
    ["channel", "status"],
    registry=PROCESS,
)
SEND_LATENCY = Histogram(
    "notifier_send_latency_seconds",
    "From due to accepted by the provider",
    ["channel"],
    buckets=LATENCY_BUCKETS,
    registry=PROCESS,
)
PROVIDER_ERRORS = Counter(
    "notifier_provider_errors",
    "Errors reported by a provider (Twilio error code, SMTP reply code)",
    ["channel", "code"],
    registry=PROCESS,
)


_PENDING = "notifier.metrics.pending"


def after_commit(session: Session, record: Callable[..., None], *args: object) -> None:
    """Run ``record(*args)`` once ``session`` commits; never if it rolls back. A count must
    not come from a transaction that did not happen (a callback that lost a race and is
    retried would be counted twice)."""
    session.info.setdefault(_PENDING, []).append((record, args))


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for record, args in session.info.pop(_PENDING, []):
        record(*args)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def message_status(channel: str, status: str, count: int = 1) -> None:
    if count:
        MESSAGES.labels(channel=channel, status=status).inc(count)


def send_latency(channel: str, seconds: float) -> None:
    SEND_LATENCY.labels(channel=channel).observe(max(seconds, 0.0))


def provider_error(channel: str, code: str) -> None:
    PROVIDER_ERRORS.labels(channel=channel, code=code).inc()


@dataclass(frozen=True)
class Snapshot:
    """Gauges computed from the database and the broker at scrape time."""

    queue_depth: Mapping[str, int] = field(default_factory=dict)
    last_tick_timestamp: float | None = None
    enrollments: Mapping[str, int] = field(default_factory=dict)


class _SnapshotCollector:
    def __init__(self, snapshot: Callable[[], Snapshot]) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        snap = self.snapshot()
        depth = GaugeMetricFamily(
            "notifier_queue_depth",
            "Tasks waiting in each Celery queue (Redis LLEN)",
            labels=["queue"],
        )
        for queue, n in sorted(snap.queue_depth.items()):
            depth.add_metric([queue], n)
        yield depth
        tick = GaugeMetricFamily(
            "notifier_scheduler_last_tick_timestamp_seconds",
            "When the scheduler leader last finished a tick (Unix time)",
        )
        if snap.last_tick_timestamp is not None:
            tick.add_metric([], snap.last_tick_timestamp)
        yield tick
        stage = GaugeMetricFamily(
            "notifier_enrollments", "Children of active enrollments by stage", labels=["stage"]
        )
        for name, n in snap.enrollments.items():
            stage.add_metric([name], n)
        yield stage


class _ThisProcess:
    def collect(self) -> Iterator[Metric]:
        yield from PROCESS.collect()


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def render(snapshot: Callable[[], Snapshot] | None = None) -> bytes:
    """The exposition text: every process's counters (or this one's) plus the snapshot."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        _multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    if snapshot is not None:
        registry.register(_SnapshotCollector(snapshot))
    return generate_latest(registry)

