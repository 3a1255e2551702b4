"""Erasure that leaves no copies (issue 16, #9). A parent signs up on the website (SMS and
email), the confirmations go out, the SMS provider refuses one with an error naming the number,
the mail server bounces one naming the address, the parent texts us a question; then an
operator runs ``notifier privacy erase``. Afterwards every text column of every table (read
from the metadata), every Redis key and value, and the local outbox files are searched for the
number and the address in every format: none is left. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import JSON, String, Text, select

from notifier.adapters.channels.outbox import read_outbox
from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Base, Family, InboundMessage, Message
from notifier.bootstrap import build
from notifier.config import get_settings
from notifier.domain.enrolment import EnrolmentInput, RecipientInput
from notifier.domain.limits import contact_key
from notifier.domain.programme import Channel, Programme
from notifier.entrypoints.cli import main
from notifier.entrypoints.web.app import create_app
from notifier.services.publishing import publish
from notifier.services.signup import enrol_with_confirmation
from notifier.testing.fake_twilio import FakeTwilio
from tests.conftest import make_settings
from tests.integration.mail_support import smtp_server
from tests.integration.parent_pages_support import form, post_form
from tests.integration.parents_support import signed

REDIS = os.environ.get("NOTIFIER_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def person():
    digits = f"12{random.randrange(10**6):06d}"
    return {
        "e164": f"+316{digits}",
        "national": f"06 {digits}",
        "national_tight": f"06{digits}",
        "international": f"316{digits}",
        "email": f"Ouder.{uuid.uuid4().hex[:8]}@Example.org",
    }


def forms_of(person) -> list[str]:
    email = person["email"]
    return [person["e164"], person["national"], person["national_tight"],
            person["international"], email, email.lower(), email.upper()]


@pytest.fixture
def twilio():
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def mail_server():
    with smtp_server() as inbox:
        yield inbox, inbox.url


@pytest.fixture
def site(database_url, tmp_path, mini_programme: Programme, monkeypatch):
    """The app on the local outbox (no Twilio, no SMTP), with Redis for the sign-up limits;
    the CLI reads the same settings from the environment."""
    settings = make_settings(database_url, tmp_path / "var").model_copy(update={
        "secret_key": f"test-{uuid.uuid4().hex}", "redis_url": REDIS})
    app = build(settings)
    with unit_of_work(app.factory) as session:
        publish(session, mini_programme, "tests")
    env = {"DATABASE_URL": database_url, "ENVIRONMENT": "test", "SECRET_KEY": settings.secret_key,
           "REDIS_URL": REDIS, "VAR_DIR": str(settings.var_dir),
           "SCHEDULES_DIR": str(settings.schedules_dir),
           "TEMPLATES_DIR": str(settings.templates_dir)}
    for name, value in env.items():
        monkeypatch.setenv("NOTIFIER_" + name, value)
    get_settings.cache_clear()
    yield app
    get_settings.cache_clear()
    app.engine.dispose()


def database_texts(app) -> list[tuple[str, str]]:
    """(table.column, value) for every string, text and JSON value in every table."""
    found = []
    with unit_of_work(app.factory) as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            for row in session.execute(select(*columns)) if columns else []:
                found += [(f"{table.name}.{c.name}", str(v))
                          for c, v in zip(columns, row, strict=True) if v is not None]
    return found


def redis_texts(client) -> list[str]:
    texts = []
    for key in client.scan_iter(count=1000):
        texts.append(key.decode("utf-8", "replace"))
        kind = client.type(key).decode()
        if kind == "string":
            texts.append((client.get(key) or b"").decode("utf-8", "replace"))
        elif kind == "hash":
            texts += [str(v) for v in client.hgetall(key).items()]
        elif kind == "list":
            texts += [str(v) for v in client.lrange(key, 0, -1)]
        elif kind in ("set", "zset"):
            texts += [str(v) for v in (client.smembers(key) if kind == "set"
                                       else client.zrange(key, 0, -1))]
    return texts


def copies(texts, person) -> list:
    wanted = [f.lower() for f in forms_of(person)]
    return [t for t in texts if any(w in str(t).lower() for w in wanted)]


def test_after_erasure_no_copy_of_the_number_or_address_is_left(
    site, person, twilio, mail_server
):
    # Signed up on the website while Twilio refuses the number and the mail server bounces the
    # address, each with a text that names it (as real providers do).
    inbox, smtp_url = mail_server
    inbox.reply = f"550 5.1.1 <{person['email'].upper()}>: Recipient address rejected"
    twilio.script(person["e164"], "21211")
    live = build(site.settings.model_copy(update={
        "smtp_url": smtp_url, "twilio_account_sid": twilio.account_sid,
        "twilio_auth_token": twilio.auth_token, "twilio_from": "+3197010000000",
        "twilio_base_url": twilio.url}))
    client = TestClient(create_app(live), base_url="https://testserver")
    answer = post_form(client, "/aanmelden", form(live, phone=person["national"],
                                                  email=person["email"],
                                                  channels=["sms", "email"]))
    assert answer.status_code in (200, 303), answer.text
    with unit_of_work(live.factory) as session:
        failed = session.scalars(select(Message).order_by(Message.id)).all()
    assert [(m.channel, m.status) for m in failed] == [("sms", "failed"), ("email", "failed")]
    # The parent texts us a question (kept for staff, with the number).
    path = "/webhooks/twilio/inbound"
    params = {"From": person["e164"], "To": "+3197010000000", "MessageSid": "SM" + "3" * 32,
              "Body": f"Mijn nummer is {person['national_tight']}, mail {person['email']}"}
    assert client.post(path, data=params, headers=signed(live, path, params)).status_code == 200
    live.engine.dispose()
    # Signed up again for a second child, on a server with the local outbox: files.
    app = site
    enrolment = EnrolmentInput(
        (RecipientInput(person["e164"], person["email"], "nl", (Channel.SMS, Channel.EMAIL),
                        "Sanne"),), "staff",
        due_date=app.hours.today(app.now()) + timedelta(weeks=30), consent_by="CJG")
    enrol_with_confirmation(app, enrolment, datetime.now(UTC), app.hours.today(app.now()))
    assert len(read_outbox(app.settings.outbox_dir)) == 2, "an SMS code and an email link"

    store = redis.Redis.from_url(REDIS)
    keyed = [contact_key(app.settings.secret_key, f) for f in (person["e164"], person["email"])]
    before = database_texts(app)
    assert {c.split(".")[0] for c, _ in copies(before, person)} >= {
        "recipients", "messages", "inbound_messages"}, "the scenario left copies to find"
    assert any(k in t for t in redis_texts(store) for k in keyed), "the sign-up limits counted"
    assert copies(read_outbox(app.settings.outbox_dir), person)

    result = CliRunner().invoke(main, ["privacy", "erase", "--phone", person["national"],
                                       "--json"])
    assert result.exit_code == 0, result.output

    assert copies(database_texts(app), person) == []
    assert copies(redis_texts(store), person) == []
    assert not any(k in t for t in redis_texts(store) for k in keyed)
    assert copies(read_outbox(app.settings.outbox_dir), person) == []
    with unit_of_work(app.factory) as session:
        assert session.scalars(select(Family)).all() == []
        assert session.scalars(select(InboundMessage)).all() == []
        kept = session.scalars(select(Message).where(Message.status == "failed")
                               .order_by(Message.id)).all()
    assert [m.channel for m in kept] == ["sms", "email"], "statistics stay, without identity"
    assert all("[gewist]" in (m.reason or "") for m in kept), [m.reason for m in kept]
