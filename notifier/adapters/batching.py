"""Group commit: work items from many callers handled together by one thread.

Each caller gets a future that completes when its item's batch is done (committed), or fails
with the batch's error. If a batch of several fails, its items are tried again one by one, so
one bad item fails alone. The thread starts on the first submit (after a fork, in the process
that uses it) and ends after ``idle_seconds`` without work; the next submit starts another.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


class GroupCommit(Generic[T]):
    def __init__(
        self,
        handle: Callable[[Sequence[T]], object],
        max_batch: int = 500,
        idle_seconds: float = 30.0,
        name: str = "group-commit",
    ) -> None:
        self.handle = handle
        self.max_batch = max_batch
        self.idle_seconds = idle_seconds
        self.name = name
        self._pending: deque[tuple[T, Future[None]]] = deque()
        self._cond = threading.Condition()
        self._running = False

    def submit(self, item: T) -> Future[None]:
        done: Future[None] = Future()
        with self._cond:
            self._pending.append((item, done))
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name=self.name, daemon=True).start()
            else:
                self._cond.notify()
        return done

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._pending:
                    self._cond.wait(self.idle_seconds)
                if not self._pending:
                    self._running = False
                    return
                count = min(len(self._pending), self.max_batch)
                batch = [self._pending.popleft() for _ in range(count)]
            self._process(batch)

    def _process(self, batch: list[tuple[T, Future[None]]]) -> None:
        try:
            self.handle([item for item, _ in batch])
        except Exception as exc:
            if len(batch) > 1:
                for one in batch:
                    self._process([one])
                return
            batch[0][1].set_exception(exc)
            return
        for _, done in batch:
            done.set_result(None)
