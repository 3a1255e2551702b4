"""Leader election for the scheduler: only the holder of the lock ticks.

PostgreSQL: a session-level advisory lock held on a dedicated connection (released by the
server if the process dies). Redis: ``SET NX PX`` with an expiry, renewed while held. SQLite (the
embedded default, one machine): an exclusive file lock.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from pathlib import Path
from typing import IO, Protocol

import redis
from sqlalchemy import Connection, Engine, text

LOCK_KEY = 0x6B73_6E6F  # "ksno": the scheduler's advisory lock id


class LeaderLock(Protocol):
    name: str

    def acquire(self) -> bool: ...

    def release(self) -> None: ...


class PostgresAdvisoryLock:
    name = "postgresql-advisory"

    def __init__(self, engine: Engine, key: int = LOCK_KEY) -> None:
        self.engine, self.key = engine, key
        self.conn: Connection | None = None

    def acquire(self) -> bool:
        if self.conn is not None:
            try:  # still ours as long as the connection lives
                self.conn.execute(text("SELECT 1"))
                return True
            except Exception:
                self.conn = None
        conn = self.engine.connect()
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
        conn.commit()
        if got:
            self.conn = conn
        else:
            conn.close()
        return got

    def release(self) -> None:
        if self.conn is not None:
            try:
                self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self.conn.commit()
            finally:
                self.conn.close()
                self.conn = None


class RedisLock:
    name = "redis"

    def __init__(self, url: str, key: str = "notifier:scheduler:leader", ttl_ms: int = 90_000):
        self.client = redis.Redis.from_url(url)
        self.key, self.ttl = key, ttl_ms
        self.token = uuid.uuid4().hex
        self._renew = self.client.register_script(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end"
        )
        self._drop = self.client.register_script(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            "return redis.call('DEL', KEYS[1]) else return 0 end"
        )

    def acquire(self) -> bool:
        if self._renew(keys=[self.key], args=[self.token, self.ttl]):
            return True
        return bool(self.client.set(self.key, self.token, nx=True, px=self.ttl))

    def release(self) -> None:
        self._drop(keys=[self.key], args=[self.token])


class FileLock:
    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: IO[str] | None = None

    def acquire(self) -> bool:
        if self.handle is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return True

    def release(self) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None
