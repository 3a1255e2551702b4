"""SMS through the official twilio client to a fake Twilio on loopback, with signed status
callbacks coming back into our web app."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Event, Message, Recipient
from notifier.domain.enrolment import EnrolmentInput, RecipientInput
from notifier.domain.programme import Channel
from notifier.services.enrolment import enrol
from notifier.services.publishing import current_programme, publish
from notifier.services.scheduling import reconcile_in_process, scheduler_tick
from notifier.services.ticking import tick
from notifier.testing.fake_twilio import FakeTwilio
from tests.integration.delivery_support import app_on_fake_twilio

TODAY = date(2026, 11, 29)
MORNING = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
PHONE = "+31612345678"


@pytest.fixture
def fake():
    with FakeTwilio() as twilio:
        yield twilio


@pytest.fixture
def sms_app(database_url, tmp_path, mini_programme, fake):
    with app_on_fake_twilio(database_url, tmp_path / "var", mini_programme, fake, 1.0) as app:
        yield app


def enrol_parent(app, due_date=date(2027, 6, 1), channels=(Channel.SMS,), email=None,
                 phone=PHONE, name="Samira"):
    with unit_of_work(app.factory) as session:
        _, programme = current_programme(session)
        family = enrol(session, programme, EnrolmentInput(
            (RecipientInput(phone, email, "nl", channels, name),), "staff",
            due_date=due_date, confirmed=True), TODAY, ["NL"])
        return family.id


def messages(app, channel="sms"):
    with unit_of_work(app.factory) as session:
        return session.scalars(select(Message).where(Message.channel == channel)
                               .order_by(Message.id)).all()


def test_an_sms_is_sent_once_with_callback_and_validity_and_ends_delivered(sms_app, fake):
    enrol_parent(sms_app)
    tick(sms_app, MORNING, send=True)
    tick(sms_app, MORNING, send=True)
    assert fake.wait_for(1) and fake.wait_idle()

    [sent] = fake.messages
    [message] = messages(sms_app)
    assert sent["to"] == PHONE and sent["body"].startswith("Hoi Samira, kraamzorg")
    assert sent["status_callback"] == f"{sms_app.web_url}/webhooks/twilio/status?m={message.id}"
    window_end = message.expires_at
    assert 0 < int(sent["validity_period"]) <= (window_end - MORNING).total_seconds()
    assert message.provider_ref == sent["sid"]
    assert message.status == "delivered"  # the signed callbacks came back through the webhook
    assert fake.stats()["callbacks_delivered"] >= 2


def test_a_rate_limited_send_is_retried_on_the_same_row(sms_app, fake):
    enrol_parent(sms_app)
    fake.script(PHONE, "429", times=1)
    tick(sms_app, MORNING, send=True)
    [message] = messages(sms_app)
    assert message.status == "queued" and message.error_code == "20429"
    assert fake.messages == []
    tick(sms_app, message.due_at + timedelta(seconds=1), send=True)
    [message] = messages(sms_app)
    assert len(fake.messages) == 1 and message.attempts == 2
    assert message.status in ("sent", "delivered")


def _assert_sms_consent_withdrawn_by_21610(app):
    """The one message is suppressed with 21610, and the provider withdrew SMS consent."""
    [message] = messages(app)
    assert message.status == "suppressed" and message.error_code == "21610"
    with unit_of_work(app.factory) as session:
        assert session.scalars(select(Recipient)).one().sms_consent == "withdrawn"
        kinds = session.scalars(select(Event.kind).where(Event.source == "provider")).all()
    assert kinds == ["consent.withdrawn"]


def test_21610_withdraws_sms_consent_and_nothing_more_is_sent(sms_app, fake):
    enrol_parent(sms_app)
    fake.script(PHONE, "21610")
    tick(sms_app, MORNING, send=True)
    _assert_sms_consent_withdrawn_by_21610(sms_app)
    for days in range(1, 200, 7):  # the rest of the programme: no SMS planned, none sent
        tick(sms_app, MORNING + timedelta(days=days), send=True)
    assert len(messages(sms_app)) == 1 and fake.messages == []


def test_an_invalid_number_is_marked_unusable_and_the_family_keeps_getting_email(sms_app, fake):
    enrol_parent(sms_app, channels=(Channel.SMS, Channel.EMAIL), email="samira@example.org")
    fake.script(PHONE, "21614")
    tick(sms_app, MORNING, send=True)
    [sms] = messages(sms_app)
    assert sms.status == "failed" and sms.error_code == "21614"
    with unit_of_work(sms_app.factory) as session:
        assert not session.scalars(select(Recipient)).one().phone_usable
        assert session.scalars(select(Event.kind).where(Event.source == "provider")).all() == [
            "phone.unusable"]
    assert [m.status for m in messages(sms_app, "email")] == ["delivered"]  # no second copy
    for days in range(1, 260):
        tick(sms_app, MORNING + timedelta(days=days), send=True)
    assert [m.step_key for m in messages(sms_app)] == ["kraamzorg"]  # no SMS planned any more
    assert "slapen" in [m.step_key for m in messages(sms_app, "email")]  # sms + email step


def test_an_sms_only_step_with_an_email_text_falls_back_to_email(sms_app, fake, tmp_path):
    import shutil

    from notifier.services.publishing import load_checked
    from tests.conftest import MINI

    variant = tmp_path / "programme"
    shutil.copytree(MINI, variant)
    for lang in ("nl", "en"):
        shutil.copy(variant / "templates" / lang / "kraamzorg.email.j2",
                    variant / "templates" / lang / "cursus.email.j2")
    with unit_of_work(sms_app.factory) as session:
        publish(session, load_checked(variant / "schedules", variant / "templates", TODAY), "t")
    enrol_parent(sms_app, due_date=TODAY + timedelta(weeks=10),
                 channels=(Channel.SMS, Channel.EMAIL), email="samira@example.org")
    fake.script(PHONE, "21614")
    tick(sms_app, MORNING, send=True)  # 'cursus' is an SMS-only step
    tick(sms_app, MORNING + timedelta(minutes=1), send=True)
    [fallback] = messages(sms_app, "email")
    assert fallback.step_key == "cursus" and fallback.status == "delivered"


def test_a_timeout_after_acceptance_is_reconciled_never_resent(sms_app, fake):
    enrol_parent(sms_app)
    fake.callbacks_enabled = False
    fake.timeout_seconds = 3
    fake.script(PHONE, "timeout_after_accept", times=1)
    tick(sms_app, MORNING, send=True)
    [message] = messages(sms_app)
    assert message.status == "sending" and "ambiguous" in message.reason
    assert len(fake.messages) == 1

    for minutes in (1, 2, 3):  # later ticks do not resend it
        tick(sms_app, MORNING + timedelta(minutes=minutes), send=True)
    reconcile_in_process(sms_app, MORNING + timedelta(minutes=20))
    [message] = messages(sms_app)
    assert message.status == "sent" and "reconciled" in message.reason
    assert message.provider_ref == fake.messages[0]["sid"]
    tick(sms_app, MORNING + timedelta(minutes=21), send=True)
    assert len(fake.messages) == 1


def test_a_timeout_after_acceptance_is_also_resolved_by_its_status_callback(sms_app, fake):
    enrol_parent(sms_app)
    fake.timeout_seconds = 3
    fake.script(PHONE, "timeout_after_accept", times=1)
    tick(sms_app, MORNING, send=True)
    assert fake.wait_idle()
    [message] = messages(sms_app)
    assert message.status == "delivered" and message.provider_ref == fake.messages[0]["sid"]


def test_a_send_the_provider_never_accepted_is_sent_again_after_reconciling(sms_app, fake):
    enrol_parent(sms_app)
    tick(sms_app, MORNING - timedelta(hours=2), send=False)
    with unit_of_work(sms_app.factory) as session:  # as if a worker died before the request
        message = session.scalars(select(Message)).one()
        message.status, message.updated_at = "sending", MORNING - timedelta(minutes=30)
        message.body = "Hoi Samira, kraamzorg"
    reconcile_in_process(sms_app, MORNING)
    tick(sms_app, MORNING + timedelta(minutes=1), send=True)
    [message] = messages(sms_app)
    assert len(fake.messages) == 1 and message.status in ("sent", "delivered")


def _signed(app, params, url):
    signature = RequestValidator(app.settings.twilio_auth_token).compute_signature(url, params)
    return {"X-Twilio-Signature": signature}


def _sent_awaiting_callbacks(app, fake):
    """Today's messages, sent, with Twilio's callbacks held back so a test posts its own."""
    fake.callbacks_enabled = False
    tick(app, MORNING, send=True)
    return messages(app)


def _status_url(app, message):
    return f"{app.web_url}/webhooks/twilio/status?m={message.id}"


def _callback(app, message, status, code=None, account_sid=None):
    """Posts a correctly signed status callback for ``message``; returns the HTTP status."""
    url = _status_url(app, message)
    params = {"MessageSid": message.provider_ref, "MessageStatus": status}
    if code:
        params["ErrorCode"] = code
    if account_sid:
        params["AccountSid"] = account_sid
    return httpx.post(url, data=params, headers=_signed(app, params, url)).status_code


def test_forged_or_unsigned_callbacks_get_403_and_change_nothing(sms_app, fake):
    enrol_parent(sms_app)
    [message] = _sent_awaiting_callbacks(sms_app, fake)
    url = _status_url(sms_app, message)
    params = {"MessageSid": message.provider_ref, "MessageStatus": "failed", "ErrorCode": "30007"}
    forged = dict(params, MessageStatus="delivered")
    responses = [
        httpx.post(url, data=params),  # unsigned
        httpx.post(url, data=params, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}),
        httpx.post(url, data=forged, headers=_signed(sms_app, params, url)),  # tampered
    ]
    assert [r.status_code for r in responses] == [403, 403, 403]
    assert responses[0].json() == {"detail": "invalid Twilio signature"}
    assert httpx.get(url).status_code == 405  # only POST is a callback
    assert messages(sms_app)[0].status == "sent"


def test_callbacks_are_idempotent_and_never_move_a_status_backwards(sms_app, fake):
    enrol_parent(sms_app)
    [message] = _sent_awaiting_callbacks(sms_app, fake)

    def callback(status, code=None):
        return _callback(sms_app, message, status, code, fake.account_sid)

    assert callback("delivered") == 204
    assert callback("delivered") == 204
    assert callback("sent") == 204
    assert callback("undelivered", "30003") == 204
    [message] = messages(sms_app)
    assert message.status == "delivered" and message.error_code is None
    with unit_of_work(sms_app.factory) as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 1


def test_nothing_is_sent_outside_allowed_hours(sms_app, fake):
    enrol_parent(sms_app)
    night = datetime.combine(TODAY, time(22, 0), tzinfo=sms_app.hours.zone).astimezone(UTC)
    tick(sms_app, night, send=True)
    assert fake.messages == []
    [message] = messages(sms_app)
    assert message.due_at.astimezone(sms_app.hours.zone).time() == time(10, 0)


def test_a_callback_reporting_21610_withdraws_consent_like_a_refused_send(sms_app, fake):
    enrol_parent(sms_app)
    [message] = _sent_awaiting_callbacks(sms_app, fake)
    assert _callback(sms_app, message, "undelivered", "21610", fake.account_sid) == 204
    _assert_sms_consent_withdrawn_by_21610(sms_app)


def test_callbacks_arriving_together_are_each_applied_once_and_in_rank(sms_app, fake):
    """Many callbacks at the same moment (they are written in groups): every message ends
    delivered or failed with its ErrorCode, whatever order its callbacks came in."""
    for n in range(12):
        enrol_parent(sms_app, phone=f"+316123450{n:02d}", name="Ouder")
    sent = _sent_awaiting_callbacks(sms_app, fake)
    assert len(sent) == 12 and {m.status for m in sent} == {"sent"}

    calls = []
    for n, message in enumerate(sent):
        final = ("delivered", None) if n % 2 else ("undelivered", "30003")
        calls += [(message, *final), (message, "sent", None), (message, *final)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(lambda c: _callback(sms_app, *c), calls))
    assert codes == [204] * len(calls)
    for n, message in enumerate(messages(sms_app)):
        if n % 2:
            assert (message.status, message.error_code) == ("delivered", None)
            assert message.delivered_at is not None
        else:
            assert (message.status, message.error_code) == ("failed", "30003")
            assert message.reason == "provider reports undelivered (30003)"


def test_a_final_status_that_never_came_back_is_asked_of_twilio(sms_app, fake):
    """Our web app missed the callbacks (say, down during a deploy: Twilio does not resend
    them). Two hours on, the tick asks Twilio: one message ends delivered, the other failed
    with its error code. Each is asked once, and not before its two hours."""
    other = "+31687654321"
    enrol_parent(sms_app)
    enrol_parent(sms_app, phone=other, name="Ouder")
    fake.script(other, "undelivered")
    fake.callbacks_enabled = False
    tick(sms_app, MORNING, send=True)
    assert fake.wait_idle()
    assert [m.status for m in messages(sms_app)] == ["sent", "sent"]

    assert scheduler_tick(sms_app, MORNING + timedelta(hours=1), None).asking_final_status == 0
    assert [m.status for m in messages(sms_app)] == ["sent", "sent"]
    later = scheduler_tick(sms_app, MORNING + timedelta(hours=2, minutes=1), None)
    assert later.asking_final_status == 2
    delivered, failed = messages(sms_app)
    assert (delivered.status, delivered.error_code) == ("delivered", None)
    assert delivered.delivered_at is not None
    assert (failed.status, failed.error_code) == ("failed", "30003")
    assert failed.reason == "provider reports undelivered (30003)"
    assert scheduler_tick(sms_app, MORNING + timedelta(hours=5), None).asking_final_status == 0
    asked = [r for r in fake.recent_requests
             if r["method"] == "GET" and "/Messages/SM" in r["path"]]
    assert len(asked) == 2


def test_a_sent_sms_is_not_asked_about_after_three_days(sms_app, fake):
    enrol_parent(sms_app)
    fake.callbacks_enabled = False
    tick(sms_app, MORNING, send=True)
    assert fake.wait_idle()
    report = scheduler_tick(sms_app, MORNING + timedelta(days=3, hours=1), None)
    assert report.asking_final_status == 0
    assert messages(sms_app)[0].status == "sent"
