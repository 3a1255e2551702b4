"""Email through a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Message, Recipient
from notifier.bootstrap import build
from notifier.domain.enrolment import EnrolmentInput, RecipientInput
from notifier.domain.programme import Channel
from notifier.services.enrolment import enrol
from notifier.services.publishing import current_programme, publish
from notifier.services.ticking import tick
from tests.conftest import make_settings
from tests.integration.mail_support import smtp_server

TODAY = date(2026, 11, 29)
MORNING = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


@pytest.fixture
def smtp():
    with smtp_server() as inbox:
        yield inbox, inbox.url


@pytest.fixture
def mail_app(database_url, tmp_path, mini_programme, smtp):
    _, url = smtp
    settings = make_settings(database_url, tmp_path / "var").model_copy(
        update={"smtp_url": url, "mail_from": "Kansrijke Start <kansrijkestart@denhaag.nl>"}
    )
    app = build(settings)
    with unit_of_work(app.factory) as session:
        publish(session, mini_programme, "tests")
        _, programme = current_programme(session)
        enrol(
            session,
            programme,
            EnrolmentInput(
                (RecipientInput(None, "noel@example.org", "nl", (Channel.EMAIL,), "Noël"),),
                "staff",
                due_date=date(2027, 6, 1),
                confirmed=True,
            ),
            TODAY,
            ["NL"],
        )
    yield app
    app.engine.dispose()


def _messages(app):
    with unit_of_work(app.factory) as session:
        return session.scalars(select(Message)).all()


def test_a_parent_gets_one_multipart_email_with_one_click_unsubscribe(mail_app, smtp):
    inbox, _ = smtp
    tick(mail_app, MORNING, send=True)
    tick(mail_app, MORNING, send=True)

    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    message = _messages(mail_app)[0]
    assert mail["To"] == "noel@example.org"
    assert mail["Subject"] == "kraamzorg"
    assert mail["Message-ID"] == f"<message-{message.id}@kansrijkestart.test>"
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Hallo Noël," in text and "Hallo Noël," in html
    assert '<a href="https://kansrijkestart.test/i/kraamzorg">' in html
    unsubscribe = str(mail["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith("<https://kansrijkestart.test/u/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "noel" not in unsubscribe.lower() and "example.org" not in unsubscribe
    assert message.status == "delivered"


def test_a_temporary_smtp_refusal_is_retried_later_on_the_same_row(mail_app, smtp):
    inbox, _ = smtp
    inbox.reply = "451 4.3.0 try again later"
    tick(mail_app, MORNING, send=True)
    [message] = _messages(mail_app)
    assert message.status == "queued" and message.due_at > MORNING
    assert message.error_code == "451"

    inbox.reply = "250 OK"
    tick(mail_app, message.due_at + timedelta(seconds=1), send=True)
    [message] = _messages(mail_app)
    assert message.status == "delivered" and message.attempts == 2
    assert len(inbox.messages) == 1


def test_permanent_refusals_fail_and_three_hard_bounces_make_the_address_unusable(mail_app, smtp):
    inbox, _ = smtp
    inbox.reply = "550 5.1.1 no such user"
    tick(mail_app, MORNING, send=True)
    [message] = _messages(mail_app)
    assert message.status == "failed" and "550" in message.reason
    with unit_of_work(mail_app.factory) as session:
        recipient = session.scalars(select(Recipient)).one()
        assert recipient.email_bounces == 1 and recipient.email_usable
        recipient.email_bounces = 2
    with unit_of_work(mail_app.factory) as session:  # a third bounce on another message
        message = session.get(Message, message.id)
        message.status, message.step_key = "scheduled", "slapen"
    tick(mail_app, MORNING + timedelta(minutes=1), send=True)
    with unit_of_work(mail_app.factory) as session:
        recipient = session.scalars(select(Recipient)).one()
        assert recipient.email_bounces == 3 and not recipient.email_usable
