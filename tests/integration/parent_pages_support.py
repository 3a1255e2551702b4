"""Helpers for tests of the parents' pages: a client, a valid form, what the outbox received."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from notifier.adapters.channels.outbox import read_outbox
from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Family, Recipient
from notifier.bootstrap import App, build
from notifier.domain.enrolment import EnrolmentInput, RecipientInput
from notifier.domain.programme import Channel, Programme
from notifier.services.preferences import preferences_link
from notifier.services.publishing import publish
from notifier.services.signup import enrol_with_confirmation
from tests.conftest import make_settings
from tests.integration.staff_support import csrf_of


def parents_app(database_url: str, var: Path, programme: Programme) -> App:
    """An app with the programme published and a secret of its own: the in-process sign-up
    limits (keyed with the secret) start from zero for each test."""
    settings = make_settings(database_url, var).model_copy(
        update={"secret_key": f"test-{uuid.uuid4().hex}"}
    )
    app = build(settings)
    with unit_of_work(app.factory) as session:
        publish(session, programme, "tests")
    return app


def today_of(app: App) -> date:
    return app.hours.today(app.now())


def form(app: App, **changes: Any) -> dict[str, Any]:
    """A valid sign-up: 20 weeks pregnant, SMS to a Dutch mobile number, agreement ticked."""
    values: dict[str, Any] = {
        "due_date": (today_of(app) + timedelta(weeks=20)).isoformat(),
        "birth_date": "",
        "phone": "06 12345678",
        "email": "",
        "channels": ["sms"],
        "language": "nl",
        "preferred_time": "",
        "first_name": "Sanne",
        "child_name": "",
        "location": "",
        "agree": "yes",
    }
    values.update(changes)
    return values


def post_form(client: TestClient, path: str, data: dict[str, Any]) -> Any:
    token = csrf_of(client.get(path).text)
    return client.post(path, data={**data, "csrf_token": token})


def families(app: App) -> int:
    with unit_of_work(app.factory) as session:
        return int(session.scalar(select(func.count()).select_from(Family)) or 0)


def recipients(app: App) -> list[Recipient]:
    with unit_of_work(app.factory) as session:
        rows = session.scalars(select(Recipient).order_by(Recipient.id)).all()
        session.expunge_all()
        return list(rows)


def outbox(app: App) -> list[dict[str, Any]]:
    """Every message the local outbox channels wrote, in id order."""
    return read_outbox(app.settings.outbox_dir)


def code_in(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found, f"no code in {text!r}"
    return found.group(1)


def link_in(text: str, path: str) -> str:
    found = re.search(re.escape(path) + r"[A-Za-z0-9_.\-]+", text)
    assert found, f"no {path} link in {text!r}"
    return found.group(0)


def enrolled(app: App, *, email: str | None = "ouder@example.org", phone: str | None = None,
             weeks_pregnant: int = 20, partner_phone: str | None = None) -> int:
    """A confirmed, expecting family (consent taken at the CJG); returns the first recipient id."""
    today = today_of(app)
    channels = tuple(c for c, have in ((Channel.SMS, phone), (Channel.EMAIL, email)) if have)
    people = [RecipientInput(phone, email, "nl", channels, "Sanne")]
    if partner_phone:
        people.append(RecipientInput(partner_phone, None, "en", (Channel.SMS,), "Sam"))
    done = enrol_with_confirmation(
        app,
        EnrolmentInput(tuple(people), "staff", confirmed=True, consent_by="tests",
                       due_date=today + timedelta(weeks=40 - weeks_pregnant)),
        app.now(),
        today,
    )
    with unit_of_work(app.factory) as session:
        family = session.scalars(select(Family).where(Family.public_id == done.enrollment_id)).one()
        return family.recipients[0].id


def prefs_path(app: App, recipient_id: int) -> str:
    link = preferences_link(app.settings.public_url, app.settings.secret_key, recipient_id)
    return link.removeprefix(app.settings.public_url.rstrip("/"))
