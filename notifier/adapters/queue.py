"""Publishing delivery work to Celery. Task names are explicit; each channel has its queue."""

from __future__ import annotations

from celery import Celery

DELIVER = "notifier.deliver"
RECONCILE = "notifier.reconcile"
FINAL_STATUS = "notifier.final_status"
QUEUES = {"sms": "sms", "email": "email", "callbacks": "callbacks", "periodic": "periodic"}


def queue_lengths(broker_url: str, timeout: float = 2.0) -> dict[str, int] | None:
    """Tasks waiting in each queue (Redis LLEN of the list Celery keeps per queue); None when
    the broker is not Redis or does not answer."""
    if not broker_url.startswith(("redis://", "rediss://", "unix://")):
        return None
    import redis

    try:
        client = redis.Redis.from_url(broker_url, socket_timeout=timeout)
        with client.pipeline(transaction=False) as pipe:
            for queue in QUEUES.values():
                pipe.llen(queue)
            lengths = pipe.execute()
    except redis.RedisError:
        return None
    return {queue: int(n) for queue, n in zip(QUEUES.values(), lengths, strict=True)}


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

    def final_status(self, message_ids: list[int]) -> None:
        self.celery.send_task(FINAL_STATUS, args=[message_ids], queue=QUEUES["callbacks"])
