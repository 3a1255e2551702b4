"""Wiring: settings -> engine, unit of work, channels, send hours, cap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from notifier.adapters.channels.base import Channel as ChannelPort
from notifier.adapters.channels.outbox import OutboxChannel
from notifier.adapters.channels.smtp_email import SmtpConfig, SmtpEmailChannel
from notifier.adapters.channels.twilio_sms import TwilioConfig, TwilioSmsChannel
from notifier.adapters.db.engine import make_engine, session_factory
from notifier.adapters.rate_limit import LocalTokenBucket, RateLimiter, RedisTokenBucket
from notifier.adapters.tokens import Tokens
from notifier.config import Settings, get_settings
from notifier.domain.planner import CapRule
from notifier.domain.timing import SendHours
from notifier.services.delivery import SendContext


@dataclass
class App:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    hours: SendHours
    cap: CapRule
    channels: dict[str, ChannelPort]
    sms_limiter: RateLimiter | None = None

    def now(self) -> datetime:
        return datetime.now(UTC)

    def send_context(self, clock: Callable[[], datetime] | None = None) -> SendContext:
        return SendContext(
            self.hours,
            self.settings.public_url,
            Tokens(self.settings.secret_key),
            clock or self.now,
            self.limiter,
        )

    def limiter(self, channel: str) -> None:
        if channel == "sms" and self.sms_limiter is not None:
            self.sms_limiter.acquire()


def channels_for(settings: Settings) -> dict[str, ChannelPort]:
    """Real providers where configured; the local outbox otherwise (and it says so)."""
    channels: dict[str, ChannelPort] = {
        "sms": OutboxChannel(settings.outbox_dir, "outbox-sms"),
        "email": OutboxChannel(settings.outbox_dir, "outbox-email"),
    }
    if settings.twilio_configured:
        channels["sms"] = TwilioSmsChannel(
            TwilioConfig(
                account_sid=settings.twilio_account_sid or "",
                auth_token=settings.twilio_auth_token or "",
                from_number=settings.twilio_from,
                messaging_service_sid=settings.twilio_messaging_service_sid,
                base_url=settings.twilio_base_url,
                timeout=settings.twilio_timeout_seconds,
            )
        )
    if settings.smtp_url:
        domain = urlsplit(settings.public_url).hostname or "kansrijkestart.local"
        channels["email"] = SmtpEmailChannel(
            SmtpConfig.from_url(settings.smtp_url, settings.mail_from, domain)
        )
    return channels


def sms_limiter_for(settings: Settings) -> RateLimiter | None:
    if not settings.sms_per_second:
        return None
    if settings.broker_url and settings.broker_url.startswith("redis"):
        return RedisTokenBucket(settings.broker_url, "sms", settings.sms_per_second)
    return LocalTokenBucket(settings.sms_per_second)


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
        sms_limiter=sms_limiter_for(settings),
    )
