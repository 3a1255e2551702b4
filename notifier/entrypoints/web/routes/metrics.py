"""``GET /metrics``: Prometheus exposition (every process's counters in multiprocess mode, plus
gauges computed from the database and the broker at scrape time)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from notifier.adapters import metrics
from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.queue import queue_lengths
from notifier.entrypoints.web.deps import AppDep
from notifier.services.delivery_stats import metrics_snapshot

router = APIRouter(tags=["metrics"])


@router.get("/metrics", response_class=Response)
def scrape(app: AppDep) -> Response:
    def snapshot() -> metrics.Snapshot:
        broker = app.settings.broker_url
        with unit_of_work(app.factory) as session:
            return metrics_snapshot(session, app.now(), queue_lengths(broker) if broker else None)

    return Response(metrics.render(snapshot), media_type=metrics.CONTENT_TYPE)
