"""Publishing delivery work to Celery. Task names are explicit; each channel has its queue."""

from __future__ import annotations

from celery import Celery

DELIVER = "notifier.deliver"
RECONCILE = "notifier.reconcile"
QUEUES = {"sms": "sms", "email": "email", "callbacks": "callbacks", "periodic": "periodic"}


class CeleryPublisher:
    def __init__(self, celery: Celery) -> None:
        self.celery = celery

    def deliver(self, channel: str, message_ids: list[int], countdown: float = 0) -> None:
        self.celery.send_task(
            DELIVER, args=[message_ids], queue=QUEUES[channel], countdown=countdown or None
        )

    def reconcile(self, message_id: int, countdown: float = 0) -> None:
        self.celery.send_task(
            RECONCILE, args=[message_id], queue=QUEUES["callbacks"], countdown=countdown or None
        )
