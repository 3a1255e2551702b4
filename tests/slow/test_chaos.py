"""Chaos: 2,000 SMS through real Celery workers, Redis and PostgreSQL while the fake Twilio
answers 5% 429 and 2% time-out-after-accept, a worker is SIGKILLed mid-batch twice and Redis is
killed and restarted once. Every message must end final, none sent twice, none lost.

The run itself is ``bench/chaos.py`` (``run_chaos``; its docstring tells the whole story). It
needs PostgreSQL (NOTIFIER_TEST_POSTGRES_URL's server) and the ``redis-server`` binary (it runs
a Redis of its own on a free port): without them it fails, it never skips.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.chaos import run_chaos  # noqa: E402

MESSAGES = 2000


@pytest.mark.slow
def test_every_message_ends_final_once_through_faults_kills_and_a_redis_restart(tmp_path):
    result = run_chaos(MESSAGES, seed=20261129, logs=tmp_path / "chaos", budget=240)
    context = json.dumps({"statuses": result.statuses, **result.details}, default=str)
    assert result.details["events"] == ["kill worker-1", "restart redis", "kill worker-2"]
    assert result.lost == 0, f"not final: {context} (logs: {tmp_path / 'chaos'})"
    assert result.final == MESSAGES
    assert result.statuses == {"delivered": MESSAGES}, context
    assert result.duplicates == 0, f"sent twice: {context}"
    assert result.fake_messages == result.sent_or_delivered == MESSAGES, context
