"""The group commit of the status callbacks: what each caller is told, and when."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from notifier.adapters.batching import GroupCommit


def test_items_waiting_together_are_handled_in_one_batch_and_each_caller_is_answered():
    started, gate = threading.Event(), threading.Event()
    batches: list[list[int]] = []

    def handle(items: Sequence[int]) -> None:
        started.set()
        gate.wait(5)
        batches.append(list(items))

    writer: GroupCommit[int] = GroupCommit(handle)
    first = writer.submit(0)  # holds the thread while the others queue up
    assert started.wait(5)
    others = [writer.submit(n) for n in range(1, 6)]
    gate.set()
    assert first.result(5) is None and [f.result(5) for f in others] == [None] * 5
    assert batches == [[0], [1, 2, 3, 4, 5]]


def test_a_failing_item_fails_alone():
    def handle(items: Sequence[int]) -> None:
        if 3 in items:
            raise ValueError("bad item")

    started, gate = threading.Event(), threading.Event()
    writer: GroupCommit[int] = GroupCommit(
        lambda items: (started.set(), gate.wait(5), handle(items))
    )
    held = writer.submit(0)
    assert started.wait(5)
    futures = {n: writer.submit(n) for n in range(1, 6)}
    gate.set()
    assert held.result(5) is None
    for n, future in futures.items():
        if n == 3:
            with pytest.raises(ValueError, match="bad item"):
                future.result(5)
        else:
            assert future.result(5) is None


def test_the_thread_ends_when_idle_and_the_next_item_starts_another():
    seen: list[str] = []
    writer: GroupCommit[int] = GroupCommit(
        lambda items: seen.append(threading.current_thread().name), idle_seconds=0.05
    )
    writer.submit(1).result(5)
    deadline = time.monotonic() + 5
    while writer._running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not writer._running
    writer.submit(2).result(5)
    assert len(seen) == 2
