"""Fixed-window counters for abuse limits (sign-ups per number, per IP, in total): in Redis,
shared by every web process, or in-process when there is no Redis (the embedded default).

A counter answers "how many hits in the current window, this one included". Windows follow
Redis' clock, so all web processes agree on them."""

from __future__ import annotations

import threading
import time
from typing import Protocol

import redis

# KEYS[1] counter; ARGV[1] window seconds. The first hit sets the expiry: the key never outlives
# its window (plus one, for clock skew between the caller's window index and the expiry).
_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]) + 1) end
return n
"""


class WindowCounter(Protocol):
    def hit(self, name: str, key: str, window_seconds: int) -> int: ...


class RedisWindowCounter:
    def __init__(
        self, url: str, prefix: str = "notifier:limit", client: redis.Redis | None = None
    ) -> None:
        self.client = client or redis.Redis.from_url(url)
        self.prefix = prefix
        self._hit = self.client.register_script(_HIT)

    def hit(self, name: str, key: str, window_seconds: int) -> int:
        seconds, _micro = self.client.time()
        window = int(seconds) // window_seconds
        redis_key = f"{self.prefix}:{name}:{key}:{window}"
        return int(self._hit(keys=[redis_key], args=[window_seconds]))


class LocalWindowCounter:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, int, int], int] = {}
        self.lock = threading.Lock()

    def hit(self, name: str, key: str, window_seconds: int) -> int:
        window = int(time.time()) // window_seconds
        with self.lock:
            now = int(time.time())
            self.counts = {k: v for k, v in self.counts.items() if k[3] >= now // k[2]}
            slot = (name, key, window_seconds, window)
            self.counts[slot] = self.counts.get(slot, 0) + 1
            return self.counts[slot]


def forget(url: str | None, fragments: list[str]) -> int:
    """Delete every key whose name holds one of ``fragments`` (an erased number or address,
    or its keyed digest); returns how many. Nothing to do without Redis."""
    if not url or not url.startswith(("redis://", "rediss://", "unix://")):
        return 0
    client = redis.Redis.from_url(url)
    try:
        doomed = {
            key
            for fragment in fragments
            for key in client.scan_iter(match=f"*{_glob_escape(fragment)}*", count=1000)
        }
        return int(client.delete(*doomed)) if doomed else 0
    finally:
        client.close()


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
