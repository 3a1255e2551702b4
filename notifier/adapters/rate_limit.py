"""A provider's rate limit honoured across all workers: a token bucket in Redis (one Lua script,
atomic), or in-process when there is no Redis (the embedded default)."""

from __future__ import annotations

import threading
import time
from typing import Protocol

import redis

# KEYS[1] bucket; ARGV: rate per second, capacity, now (seconds, float). Returns seconds to wait
# (0 when a token was taken).
_TAKE = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
if now < at then now = at end  -- clients read TIME before running this: never go back in time
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('EXPIRE', KEYS[1], 60)
return tostring(wait)
"""


class RateLimiter(Protocol):
    def acquire(self) -> None: ...


class RedisTokenBucket:
    def __init__(
        self,
        url: str,
        name: str,
        per_second: float,
        capacity: float | None = None,
        client: redis.Redis | None = None,
    ) -> None:
        self.client = client or redis.Redis.from_url(url)
        self.key = f"notifier:ratelimit:{name}"
        self.rate = per_second
        self.capacity = capacity if capacity is not None else max(1.0, per_second / 10)
        self._take = self.client.register_script(_TAKE)
        self._turn = threading.Lock()  # one waiter per process asks Redis, the others queue here

    def try_acquire(self) -> float:
        """Take a token if there is one; else how long to wait before trying again."""
        now = self.client.time()
        wait = float(
            self._take(keys=[self.key], args=[self.rate, self.capacity, now[0] + now[1] / 1e6])
        )
        return wait

    def acquire(self) -> None:
        """Wait for a token. The send threads of a process take turns: without that, each of them
        polled Redis for every token (dozens of round trips per message under the limit)."""
        with self._turn:
            while (wait := self.try_acquire()) > 0:
                time.sleep(wait)


class LocalTokenBucket:
    def __init__(self, per_second: float, capacity: float | None = None) -> None:
        self.rate = per_second
        self.capacity = capacity if capacity is not None else max(1.0, per_second / 10)
        self.tokens = self.capacity
        self.at = time.monotonic()
        self.lock = threading.Lock()

    def acquire(self) -> None:
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
                self.at = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                wait = (1 - self.tokens) / self.rate
            time.sleep(wait)
