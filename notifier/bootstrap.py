"""Wiring: settings -> engine, unit of work, channels, send hours, cap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from notifier.adapters.channels.base import Channel as ChannelPort
from notifier.adapters.channels.outbox import OutboxChannel
from notifier.adapters.db.engine import make_engine, session_factory
from notifier.config import Settings, get_settings
from notifier.domain.planner import CapRule
from notifier.domain.timing import SendHours


@dataclass
class App:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    hours: SendHours
    cap: CapRule
    channels: dict[str, ChannelPort]

    def now(self) -> datetime:
        return datetime.now(UTC)


def channels_for(settings: Settings) -> dict[str, ChannelPort]:
    """Real providers where configured; the local outbox otherwise (and it says so)."""
    outbox_dir = settings.outbox_dir
    return {
        "sms": OutboxChannel(outbox_dir, "outbox-sms"),
        "email": OutboxChannel(outbox_dir, "outbox-email"),
    }


def build(settings: Settings | None = None) -> App:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    return App(
        settings=settings,
        engine=engine,
        factory=session_factory(engine),
        hours=SendHours(settings.quiet_start, settings.quiet_end, settings.default_send_time),
        cap=CapRule(limit=settings.weekly_cap),
        channels=channels_for(settings),
    )
