"""Helpers for the parents' tests: enrol through the services, read the local outbox, sign
Twilio webhooks the way Twilio does."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from twilio.request_validator import RequestValidator

from notifier.adapters.channels.outbox import read_outbox
from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Event, Family, Message, Recipient
from notifier.bootstrap import App
from notifier.domain.enrolment import EnrolmentInput, RecipientInput
from notifier.domain.programme import Channel
from notifier.services.signup import enrol_with_confirmation

PHONE = "+31612345678"
OTHER_PHONE = "+31687654321"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"


def today() -> date:
    return datetime.now(UTC).date()


def parent(phone=PHONE, email=None, language="nl", channels=(Channel.SMS,), name="Samira"):
    return RecipientInput(phone, email, language, channels, name)


def enrol_pending(app: App, *recipients: RecipientInput, source="staff", due_in_weeks=28) -> str:
    enrolment = EnrolmentInput(
        recipients or (parent(),), source, due_date=today() + timedelta(weeks=due_in_weeks),
        consent_by="J. de Vries, CJG" if source == "staff" else None,
    )
    return enrol_with_confirmation(app, enrolment, datetime.now(UTC), today()).enrollment_id


def outbox(app: App, channel: str | None = None) -> list[dict]:
    return [m for m in read_outbox(app.settings.outbox_dir) if channel in (None, m["channel"])]


def code_sent_to(app: App, phone: str) -> str:
    texts = [m["text"] for m in outbox(app, "sms") if m["to"] == phone]
    match = re.search(r"\b(\d{6})\b", texts[-1])
    assert match, texts[-1]
    return match.group(1)


def link_sent_to(app: App, email: str) -> str:
    texts = [m["text"] for m in outbox(app, "email") if m["to"] == email]
    match = re.search(r"https://\S+/(?:bevestig|en/confirm)/(\S+)", texts[-1])
    assert match, texts[-1]
    return match.group(1)


def recipient(app: App, phone=PHONE) -> Recipient:
    with unit_of_work(app.factory) as session:
        found = session.scalars(select(Recipient).where(Recipient.phone == phone)).first()
        assert found is not None
        return found


def family(app: App, public_id: str) -> Family:
    with unit_of_work(app.factory) as session:
        found = session.scalars(select(Family).where(Family.public_id == public_id)).first()
        assert found is not None
        return found


def events(app: App, kind_prefix: str = "") -> list[Event]:
    with unit_of_work(app.factory) as session:
        rows = session.scalars(select(Event).order_by(Event.id)).all()
    return [e for e in rows if e.kind.startswith(kind_prefix)]


def nudge_messages(app: App) -> list[Message]:
    with unit_of_work(app.factory) as session:
        return list(session.scalars(select(Message).where(Message.nudge_id.is_not(None))))


def signed(app: App, path: str, params: dict[str, str]) -> dict[str, str]:
    url = app.settings.public_url.rstrip("/") + path
    token = app.settings.twilio_auth_token or ""
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}
