"""Settings: the only place that reads the environment (and ``.env``)."""

from __future__ import annotations

import ipaddress
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-insecure-secret-key-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NOTIFIER_", env_file=".env", extra="ignore", populate_by_name=True
    )

    environment: str = "local"  # local | test | production
    database_url: str = "sqlite:///./var/notifier.db"
    broker_url: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str = DEV_SECRET

    twilio_account_sid: str | None = Field(
        None, validation_alias=AliasChoices("TWILIO_ACCOUNT_SID")
    )
    twilio_auth_token: str | None = Field(None, validation_alias=AliasChoices("TWILIO_AUTH_TOKEN"))
    twilio_messaging_service_sid: str | None = Field(
        None, validation_alias=AliasChoices("TWILIO_MESSAGING_SERVICE_SID")
    )
    twilio_from: str | None = Field(None, validation_alias=AliasChoices("TWILIO_FROM"))
    twilio_base_url: str | None = None
    twilio_timeout_seconds: float = 10.0
    sms_per_second: float | None = None  # provider limit across all workers (None: off)
    staff_session_hours: float = 8.0  # a staff sign-in lasts a working day
    # Roles that must sign in with a second factor (TOTP). Production refuses fewer than admin
    # and reviewer; `notifier demo --serve` empties it for its local demo database only.
    staff_totp_roles: Annotated[list[str], NoDecode] = ["admin", "reviewer"]
    # A send in ``sending`` this long is stuck (its worker died, or its outcome was ambiguous)
    # and is reconciled; the reconcile task leaves a younger one alone: it may be on its way.
    stuck_after_seconds: float = Field(900.0, gt=0)
    # A sent SMS with no final status (delivered/failed) this long: its status is asked of the
    # provider, and again after as long while it is still "sent" (services/final_status.py).
    final_status_after_seconds: float = Field(7200.0, gt=0)
    smtp_url: str | None = None
    mail_from: str = "Kansrijke Start Den Haag <kansrijkestart@denhaag.nl>"

    schedules_dir: Path = ROOT / "schedules"
    templates_dir: Path = ROOT / "templates"
    var_dir: Path = Path("var")

    quiet_start: time = time(9, 0)
    quiet_end: time = time(20, 30)
    default_send_time: time = time(10, 0)
    weekly_cap: int = Field(3, ge=1, le=21)
    phone_regions: list[str] = ["NL"]
    log_level: str = "INFO"
    # Abuse limits on sign-up (SMS pumping): fixed one-hour windows in Redis (NOTIFIER_REDIS_URL,
    # else the broker when it is Redis, else in-process).
    redis_url: str | None = None
    signup_per_contact_per_hour: int = Field(3, ge=1)  # per phone number or email address
    signup_per_ip_per_hour: int = Field(10, ge=1)
    signup_sms_per_hour: int = Field(500, ge=1)  # confirmation SMS in total
    # The reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (IPs or CIDRs,
    # comma-separated); empty: none, the peer address is the client (docs/security.md).
    trusted_proxies: Annotated[list[str], NoDecode] = []

    # Alerts (services/alerts.py): who is emailed (comma-separated), and the thresholds.
    alert_emails: str = ""
    alert_delivery_rate: float = Field(0.90, ge=0, le=1)
    alert_delivery_min_messages: int = Field(50, ge=1)
    alert_sending_minutes: float = Field(15, gt=0)
    alert_tick_minutes: float = Field(5, gt=0)
    alert_queue_minutes: float = Field(10, gt=0)
    alert_provider_errors_per_hour: int = Field(20, ge=0)

    @field_validator("database_url")
    @classmethod
    def _psycopg3(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @field_validator("staff_totp_roles", mode="before")
    @classmethod
    def _roles(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            for item in value:  # a typo must stop the start, not trust the world
                ipaddress.ip_network(str(item), strict=False)
            return [str(item) for item in value]
        return value

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("NOTIFIER_SECRET_KEY must be set outside local use")
        if self.environment == "production" and not {"admin", "reviewer"} <= set(
            self.staff_totp_roles
        ):
            raise ValueError("NOTIFIER_STAFF_TOTP_ROLES must include admin and reviewer")
        if self.quiet_start >= self.quiet_end:
            raise ValueError("NOTIFIER_QUIET_START must be before NOTIFIER_QUIET_END")
        return self

    @property
    def outbox_dir(self) -> Path:
        return self.var_dir / "outbox"

    @property
    def alert_recipients(self) -> list[str]:
        return [a.strip() for a in self.alert_emails.split(",") if a.strip()]

    @property
    def twilio_configured(self) -> bool:
        return bool(
            self.twilio_account_sid
            and self.twilio_auth_token
            and (self.twilio_from or self.twilio_messaging_service_sid)
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
