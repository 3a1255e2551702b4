"""Alert rules: pure functions of what was measured and the thresholds.

Each rule looks at one figure and says whether it is firing, with the value and one line an
administrator can read (in Dutch, like the staff pages it is shown on). The service
(``services/alerts.py``) measures, keeps incidents and notifies; nothing here touches a
database or a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

DELIVERY_RATE = "delivery_rate"
STUCK_SENDING = "stuck_sending"
SCHEDULER_STALE = "scheduler_stale"
QUEUE_STALE = "queue_stale"
PROVIDER_ERRORS = "provider_errors"
RULES = (DELIVERY_RATE, STUCK_SENDING, SCHEDULER_STALE, QUEUE_STALE, PROVIDER_ERRORS)


@dataclass(frozen=True)
class Thresholds:
    delivery_rate: float = 0.90
    delivery_min_messages: int = 50
    sending_for: timedelta = timedelta(minutes=15)
    tick_every: timedelta = timedelta(minutes=5)
    queued_for: timedelta = timedelta(minutes=10)
    provider_errors_per_hour: int = 20


@dataclass(frozen=True)
class Measurements:
    """What the service measured at one instant (ages in seconds; None: nothing there)."""

    delivered_last_hour: int = 0
    failed_last_hour: int = 0
    oldest_sending_age: float | None = None
    sending_too_long: int = 0
    last_tick_age: float | None = None
    oldest_queued_age: float | None = None
    provider_errors_last_hour: int = 0


@dataclass(frozen=True)
class Firing:
    rule: str
    value: float
    summary: str


def _percent(share: float, decimals: int) -> str:
    """``0.8`` -> ``80,0%``: the Dutch decimal comma."""
    return f"{share * 100:.{decimals}f}%".replace(".", ",")


def delivery_rate(m: Measurements, t: Thresholds) -> Firing | None:
    finished = m.delivered_last_hour + m.failed_last_hour
    if finished < t.delivery_min_messages:
        return None
    rate = m.delivered_last_hour / finished
    if rate >= t.delivery_rate:
        return None
    return Firing(
        DELIVERY_RATE,
        rate,
        f"{_percent(rate, 1)} afgeleverd in het afgelopen uur ({m.delivered_last_hour} van "
        f"{finished}; alarm onder {_percent(t.delivery_rate, 0)})",
    )


def stuck_sending(m: Measurements, t: Thresholds) -> Firing | None:
    if m.oldest_sending_age is None or m.oldest_sending_age <= t.sending_for.total_seconds():
        return None
    minutes = m.oldest_sending_age / 60
    return Firing(
        STUCK_SENDING,
        m.oldest_sending_age,
        f"{m.sending_too_long} bericht(en) langer dan {t.sending_for.total_seconds() / 60:.0f} "
        f"min in 'versturen' (het oudste {minutes:.0f} min)",
    )


def scheduler_stale(m: Measurements, t: Thresholds) -> Firing | None:
    limit = t.tick_every.total_seconds()
    if m.last_tick_age is not None and m.last_tick_age <= limit:
        return None
    if m.last_tick_age is None:
        return Firing(SCHEDULER_STALE, -1, "de planner heeft nog nooit gedraaid")
    return Firing(
        SCHEDULER_STALE,
        m.last_tick_age,
        f"de planner heeft {m.last_tick_age / 60:.0f} min niet gedraaid "
        f"(alarm na {limit / 60:.0f} min)",
    )


def queue_stale(m: Measurements, t: Thresholds) -> Firing | None:
    if m.oldest_queued_age is None or m.oldest_queued_age <= t.queued_for.total_seconds():
        return None
    return Firing(
        QUEUE_STALE,
        m.oldest_queued_age,
        f"het oudste wachtende bericht had {m.oldest_queued_age / 60:.0f} min geleden weg "
        f"moeten gaan (alarm na {t.queued_for.total_seconds() / 60:.0f} min)",
    )


def provider_errors(m: Measurements, t: Thresholds) -> Firing | None:
    if m.provider_errors_last_hour <= t.provider_errors_per_hour:
        return None
    return Firing(
        PROVIDER_ERRORS,
        m.provider_errors_last_hour,
        f"{m.provider_errors_last_hour} fouten van de provider in het afgelopen uur "
        f"(alarm boven {t.provider_errors_per_hour})",
    )


def firing(m: Measurements, t: Thresholds, rules: tuple[str, ...] = RULES) -> list[Firing]:
    """Every rule in ``rules`` that fires, in rule order."""
    checks = {
        DELIVERY_RATE: delivery_rate,
        STUCK_SENDING: stuck_sending,
        SCHEDULER_STALE: scheduler_stale,
        QUEUE_STALE: queue_stale,
        PROVIDER_ERRORS: provider_errors,
    }
    found = (checks[rule](m, t) for rule in rules)
    return [f for f in found if f is not None]


@dataclass(frozen=True)
class Transition:
    """What evaluating does to one rule: open an incident, keep it, resolve it, or nothing."""

    rule: str
    action: str  # "open" | "update" | "resolve"
    firing: Firing | None


def transitions(open_rules: set[str], now_firing: list[Firing]) -> list[Transition]:
    """Compare the open incidents with what fires now."""
    by_rule = {f.rule: f for f in now_firing}
    result = [
        Transition(f.rule, "update" if f.rule in open_rules else "open", f) for f in now_firing
    ]
    result += [Transition(rule, "resolve", None) for rule in sorted(open_rules - set(by_rule))]
    return result
