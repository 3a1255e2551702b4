"""The provider's rate limit holds across workers: one token bucket in Redis."""

from __future__ import annotations

import threading
import time

from notifier.adapters.rate_limit import LocalTokenBucket, RedisTokenBucket
from tests.integration.worker_support import redis_url

RATE = 40.0
TOKENS = 60


def _drain(buckets, per_bucket: int) -> float:
    start = time.monotonic()
    threads = [threading.Thread(target=lambda b=b: [b.acquire() for _ in range(per_bucket)])
               for b in buckets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - start


def test_two_workers_sharing_the_redis_bucket_never_exceed_the_rate_together(worker_id):
    url = redis_url(worker_id)
    workers = [RedisTokenBucket(url, "sms-test", RATE, capacity=4) for _ in range(3)]
    elapsed = _drain(workers, TOKENS // 3)
    # 60 tokens at 40/s with a burst of 4 cannot take less than (60 - 4) / 40 = 1.4 s
    assert elapsed >= (TOKENS - 4) / RATE * 0.97
    assert elapsed < (TOKENS / RATE) * 3  # and it does not stall


def test_an_empty_bucket_says_how_long_to_wait(worker_id):
    bucket = RedisTokenBucket(redis_url(worker_id), "sms-wait", per_second=2, capacity=1)
    assert bucket.try_acquire() == 0
    wait = bucket.try_acquire()
    assert 0.3 < wait <= 0.5


def test_the_in_process_bucket_limits_threads_in_one_process():
    bucket = LocalTokenBucket(RATE, capacity=4)
    elapsed = _drain([bucket, bucket, bucket], TOKENS // 3)
    assert elapsed >= (TOKENS - 4) / RATE * 0.97
