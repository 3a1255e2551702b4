"""Celery tasks: thin. They take ids, call the delivery services, and reschedule retries.

Start a worker with ``notifier worker`` (or ``celery -A notifier.entrypoints.tasks worker``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

from celery import Celery
from kombu import Queue

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.queue import DELIVER, QUEUES, RECONCILE, CeleryPublisher
from notifier.bootstrap import App, build
from notifier.config import get_settings
from notifier.services.delivery import send_one
from notifier.services.reconcile import reconcile as reconcile_message

SEND_THREADS = 16


def make_celery(broker_url: str | None) -> Celery:
    celery = Celery("notifier", broker=broker_url or "memory://")
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_queues=[Queue(name) for name in QUEUES.values()],
        task_default_queue=QUEUES["periodic"],
        task_time_limit=300,
        task_soft_time_limit=240,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 600},
        task_ignore_result=True,
        worker_hijack_root_logger=False,
    )
    return celery


celery_app = make_celery(get_settings().broker_url)


@lru_cache(maxsize=1)
def _app() -> App:
    return build()


@celery_app.task(name=DELIVER, acks_late=True, ignore_result=True)
def deliver(message_ids: list[int]) -> dict[str, int]:
    """Send a batch; a retryable failure comes back on this queue after its backoff."""
    app = _app()
    ctx = app.send_context()
    with ThreadPoolExecutor(max_workers=min(SEND_THREADS, len(message_ids) or 1)) as pool:
        statuses = list(
            pool.map(lambda i: send_one(app.factory, i, app.channels, ctx), message_ids)
        )
    counts: dict[str, int] = {}
    retry: dict[str, list[int]] = {}
    for message_id, status in zip(message_ids, statuses, strict=True):
        counts[status] = counts.get(status, 0) + 1
        if status == "queued":
            retry.setdefault("retry", []).append(message_id)
    if retry:
        _reschedule(app, retry["retry"])
    return counts


def _reschedule(app: App, message_ids: list[int]) -> None:
    from notifier.adapters.db.tables import Message

    publisher = CeleryPublisher(celery_app)
    now = app.now()
    with unit_of_work(app.factory) as session:
        rows = [
            (m.id, m.channel, m.due_at)
            for m in session.query(Message).filter(Message.id.in_(message_ids))
        ]
    for message_id, channel, due_at in rows:
        publisher.deliver(channel, [message_id], countdown=max(0.0, (due_at - now).total_seconds()))


@celery_app.task(name=RECONCILE, acks_late=True, ignore_result=True)
def reconcile(message_id: int) -> str:
    app = _app()
    provider: Any = app.channels.get("sms")
    with unit_of_work(app.factory) as session:
        status = reconcile_message(
            session, message_id, provider if hasattr(provider, "sent_since") else None, app.now()
        )
    if status == "queued":
        with unit_of_work(app.factory) as session:
            from notifier.adapters.db.tables import Message

            channel = session.get(Message, message_id).channel  # type: ignore[union-attr]
        CeleryPublisher(celery_app).deliver(channel, [message_id])
    return status
