"""The alert banner on every staff page: the active alerts (services/alerts.py), in words.

A small ASGI middleware puts a lazy list in ``request.state.alerts`` for requests under
/staff; the layout (staff/base.html) iterates it while rendering, by which time the page's
dependencies know whether someone is signed in. Only then are the alerts read (one short query
on the incidents table): a visitor on the sign-in page sees none.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from notifier.adapters.db.engine import unit_of_work
from notifier.bootstrap import App
from notifier.domain import alerts as rules
from notifier.domain.timing import AMSTERDAM
from notifier.services.alerts import ActiveAlert, active_alerts, thresholds_from
from notifier.services.delivery_stats import scheduler_health

TITLES = {
    rules.DELIVERY_RATE: "Te weinig berichten afgeleverd",
    rules.STUCK_SENDING: "Berichten blijven hangen bij versturen",
    rules.SCHEDULER_STALE: "De planner loopt niet",
    rules.QUEUE_STALE: "De wachtrij loopt achter",
    rules.PROVIDER_ERRORS: "Veel fouten bij de provider",
}


def banner_text(alert: ActiveAlert) -> str:
    title = TITLES.get(alert.rule, alert.rule)
    since = f" (sinds {alert.since.astimezone(AMSTERDAM):%Y-%m-%d %H:%M})" if alert.since else ""
    return f"{title}{since}: {alert.summary}"


def current_banner(app: App) -> list[str]:
    """The open incidents, and a scheduler that stopped ticking even if no incident was opened
    (it is the scheduler that opens them). One that never ticked (a fresh or embedded set-up)
    is not a banner on every page: the dashboard says so."""
    now = app.now()
    with unit_of_work(app.factory) as session:
        ticked = scheduler_health(session, now).last_tick_at is not None
        found = active_alerts(session, now if ticked else None, thresholds_from(app.settings))
    return [banner_text(a) for a in found]


class BannerAlerts:
    """Read once, on first use, and only for a signed-in staff member."""

    def __init__(self, app: App, state: MutableMapping[str, Any]) -> None:
        self._app = app
        self._state = state
        self._texts: list[str] | None = None

    def _load(self) -> list[str]:
        if self._texts is None:
            self._texts = current_banner(self._app) if self._state.get("staff") else []
        return self._texts

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __bool__(self) -> bool:
        return bool(self._load())


class StaffAlertsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/staff"):
            state = scope.setdefault("state", {})
            state["alerts"] = BannerAlerts(scope["app"].state.notifier, state)
        await self.app(scope, receive, send)
