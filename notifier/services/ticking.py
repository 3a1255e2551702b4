"""Plan today in one unit of work, then send what is due in-process: the planning and sending
half of the scheduler's tick, for the demo's simulated days and for tests. Operators run the
whole tick (`notifier tick`, `notifier scheduler`: services/scheduling.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from notifier.adapters.db.engine import unit_of_work
from notifier.services.delivery import DrainResult, drain
from notifier.services.planning import PlanResult, plan
from notifier.services.ports import Runtime
from notifier.services.publishing import current_programme


@dataclass
class TickResult:
    plan: PlanResult
    sent: DrainResult | None


def tick(
    app: Runtime, now: datetime, *, send: bool, clock: Callable[[], datetime] | None = None
) -> TickResult:
    with unit_of_work(app.factory) as session:
        version_id, programme = current_programme(session)
        planned = plan(session, programme, version_id, now, hours=app.hours, cap=app.cap)
    sent = None
    if send:
        sent = drain(app.factory, app.channels, app.send_context(clock or (lambda: now)))
    return TickResult(planned, sent)
