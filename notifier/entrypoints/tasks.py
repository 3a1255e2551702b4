"""Celery tasks: thin. They take ids, call the delivery services, and reschedule retries.

Start a worker with ``notifier worker`` (or ``celery -A notifier.entrypoints.tasks worker``).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import timedelta
from functools import lru_cache
from typing import Any, TypeVar

from celery import Celery, signals
from kombu import Queue

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Message
from notifier.adapters.logs import bind, clear_context, configure_logging
from notifier.adapters.queue import DELIVER, FINAL_STATUS, QUEUES, RECONCILE, CeleryPublisher
from notifier.bootstrap import App, build
from notifier.config import get_settings
from notifier.domain.message_status import MessageStatus
from notifier.services.delivery import send_many
from notifier.services.final_status import ask_final_status
from notifier.services.reconcile import reconcile_stuck

SEND_THREADS = 16
T = TypeVar("T")


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


@signals.setup_logging.connect
def _logging(**_: Any) -> None:
    """Celery leaves logging to us (a receiver here): JSON, masked, like every process."""
    configure_logging("worker", get_settings().log_level)


@signals.task_prerun.connect
def _bind_task(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    clear_context()
    bind(task_id=task_id, task=getattr(task, "name", None))


@signals.task_postrun.connect
def _unbind_task(**_: Any) -> None:
    clear_context()


@lru_cache(maxsize=1)
def _app() -> App:
    return build()


@lru_cache(maxsize=1)
def _senders() -> ThreadPoolExecutor:
    """The send threads of this (pool) process, kept across tasks: each thread keeps its
    Twilio client and so its keep-alive connection (made after the fork, on first use)."""
    return ThreadPoolExecutor(max_workers=SEND_THREADS, thread_name_prefix="send")


def _on_threads(fn: Callable[[T], str], items: list[T]) -> list[str]:
    """``fn`` over ``items`` on the send threads; unlike ``Executor.map``, one failure does not
    cancel the others (each was claimed already): it is raised when all have finished."""
    # Each in a copy of this context: the task id follows the send onto its thread.
    futures = [_senders().submit(contextvars.copy_context().run, fn, item) for item in items]
    wait(futures)
    return [future.result() for future in futures]


@celery_app.task(name=DELIVER, acks_late=True, ignore_result=True)
def deliver(message_ids: list[int]) -> dict[str, int]:
    """Send a batch; a retryable failure comes back on this queue after its backoff."""
    app = _app()
    ctx = app.send_context()
    statuses = send_many(app.factory, message_ids, app.channels, ctx, _on_threads)
    counts: dict[str, int] = {}
    retry: dict[str, list[int]] = {}
    for message_id, status in zip(message_ids, statuses, strict=True):
        counts[status] = counts.get(status, 0) + 1
        if status == MessageStatus.QUEUED:
            retry.setdefault("retry", []).append(message_id)
    if retry:
        _reschedule(app, retry["retry"])
    return counts


def _reschedule(app: App, message_ids: list[int]) -> None:
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
    """Reconcile a stuck send, if it still is one when this task runs (services/reconcile.py
    says how: the guards against a send in flight and a row changed meanwhile are there)."""
    app = _app()
    provider: Any = app.channels.get("sms")
    lookup = provider if hasattr(provider, "sent_since") else None
    stuck_after = timedelta(seconds=app.settings.stuck_after_seconds)
    status = reconcile_stuck(app.factory, message_id, lookup, app.now(), stuck_after)
    if status == MessageStatus.QUEUED:
        with unit_of_work(app.factory) as session:
            channel = session.get(Message, message_id).channel  # type: ignore[union-attr]
        CeleryPublisher(celery_app).deliver(channel, [message_id])
    return status


@celery_app.task(name=FINAL_STATUS, acks_late=True, ignore_result=True)
def final_status(message_ids: list[int]) -> int:
    """Ask the provider for the final status of sent SMS whose callback never came."""
    app = _app()
    provider: Any = app.channels.get("sms")
    if not hasattr(provider, "status_of"):
        return 0
    return ask_final_status(app.factory, provider, message_ids, app.now())
