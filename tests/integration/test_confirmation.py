"""Double opt-in: nothing is planned or sent until a recipient confirms, each for themselves;
confirmation by code, by the reply JA, by the email link; unconfirmed sign-ups expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Confirmation, Family, Message, Recipient
from notifier.domain.errors import InputError
from notifier.domain.programme import Channel
from notifier.services.confirmation import confirm_by_code, confirm_by_reply, confirm_by_token
from notifier.services.delivery import drain
from notifier.services.privacy import expire_unconfirmed
from notifier.services.ticking import tick
from tests.integration.parents_support import (
    OTHER_PHONE,
    PHONE,
    code_sent_to,
    enrol_pending,
    events,
    family,
    link_sent_to,
    nudge_messages,
    outbox,
    parent,
    recipient,
)


def _code(app, phone, code):
    with unit_of_work(app.factory) as session:
        return confirm_by_code(session, phone, code, datetime.now(UTC),
                               secret=app.settings.secret_key)


def _tick(app):
    return tick(app, datetime.now(UTC).replace(hour=10, minute=0), send=True)


def test_a_pending_enrolment_gets_only_its_confirmation_until_it_confirms(app):
    enrol_pending(app)
    [sms] = outbox(app)
    assert sms["to"] == PHONE and "JA" in sms["text"]
    assert recipient(app).sms_consent == "pending"
    _tick(app)
    assert nudge_messages(app) == []  # planned: nothing; sent: only the confirmation
    assert len(outbox(app)) == 1

    assert _code(app, PHONE, code_sent_to(app, PHONE)).ok
    assert recipient(app).sms_consent == "confirmed"
    _tick(app)
    assert nudge_messages(app), "confirmed: the planner now plans for this family"
    kinds = [(e.kind, e.channel, e.source) for e in events(app, "consent.")]
    assert kinds == [("consent.given", "sms", "staff"), ("consent.confirmed", "sms", "web")]


def test_a_wrong_code_changes_nothing_and_five_wrong_codes_void_it(app):
    enrol_pending(app)
    code = code_sent_to(app, PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert not _code(app, PHONE, wrong).ok
    assert not _code(app, PHONE, code).ok, "void after five wrong tries"
    assert recipient(app).sms_consent == "pending"
    with pytest.raises(InputError):
        _code(app, PHONE, "12ab")


def test_the_reply_ja_confirms_and_an_older_code_is_void_after_a_new_one(app):
    enrol_pending(app)
    first = code_sent_to(app, PHONE)
    with unit_of_work(app.factory) as session:
        assert confirm_by_reply(session, OTHER_PHONE, datetime.now(UTC)) == []
        [done] = confirm_by_reply(session, PHONE, datetime.now(UTC))
        assert done.sms_consent == "confirmed"
    assert not _code(app, PHONE, first).ok  # already confirmed: nothing to confirm
    assert [e.detail for e in events(app, "consent.confirmed")] == [{"how": "reply"}]


def test_email_is_confirmed_by_its_link_once_and_a_forged_link_is_refused(app):
    enrol_pending(app, parent(phone=None, email="ouder@example.nl", channels=(Channel.EMAIL,)))
    [mail] = outbox(app, "email")
    assert mail["subject"] == "Bevestig je aanmelding bij Kansrijke Start"
    token = link_sent_to(app, "ouder@example.nl")
    assert "ouder" not in token and "example" not in token  # an opaque id, no personal data
    now = datetime.now(UTC)
    with unit_of_work(app.factory) as session:
        with pytest.raises(InputError):
            confirm_by_token(session, token[:-2] + "xx", now, secret=app.settings.secret_key)
        first = confirm_by_token(session, token, now, secret=app.settings.secret_key)
        again = confirm_by_token(session, token, now, secret=app.settings.secret_key)
    assert (first.ok, first.already, again.already) == (True, False, True)
    with unit_of_work(app.factory) as session:
        assert session.scalar(select(Recipient.email_consent)) == "confirmed"


def test_each_caregiver_confirms_for_themselves_in_their_own_language(app):
    public_id = enrol_pending(app, parent(), parent(phone=OTHER_PHONE, language="en", name="Tom"))
    texts = {m["to"]: m["text"] for m in outbox(app)}
    assert "stuur JA" in texts[PHONE] and "reply YES" in texts[OTHER_PHONE]
    assert _code(app, PHONE, code_sent_to(app, PHONE)).ok
    assert recipient(app, OTHER_PHONE).sms_consent == "pending"
    _tick(app)
    to = {m.recipient_id for m in nudge_messages(app)}
    assert to == {recipient(app).id}, "only the one who confirmed gets messages"
    assert family(app, public_id).status == "active"


def test_confirmed_staff_enrolment_skips_the_confirmation(app):
    from notifier.domain.enrolment import EnrolmentInput
    from notifier.services.signup import enrol_with_confirmation
    from tests.integration.parents_support import today

    enrolment = EnrolmentInput((parent(),), "staff", due_date=today() + timedelta(weeks=20),
                               confirmed=True, consent_by="J. de Vries")
    enrolled = enrol_with_confirmation(app, enrolment, datetime.now(UTC), today())
    assert enrolled.confirmations == {} and outbox(app) == []
    assert recipient(app).sms_consent == "confirmed"


def test_a_lost_send_is_sent_by_the_next_tick_and_never_twice(app):
    enrol_pending(app)
    with unit_of_work(app.factory) as session:  # as if the process died before sending
        message = session.scalars(select(Message)).one()
        message.status = "scheduled"
    sent = drain(app.factory, app.channels, app.send_context())
    assert sent.by_status == {"delivered": 1}
    assert drain(app.factory, app.channels, app.send_context()).attempted == 0


def test_an_unconfirmed_sign_up_is_deleted_after_7_days_with_its_personal_data(app):
    kept = enrol_pending(app, parent(phone=OTHER_PHONE))
    _code(app, OTHER_PHONE, code_sent_to(app, OTHER_PHONE))
    gone = enrol_pending(app)
    now = datetime.now(UTC)
    with unit_of_work(app.factory) as session:
        assert expire_unconfirmed(session, now + timedelta(days=6)).families == 0
        erased = expire_unconfirmed(session, now + timedelta(days=7, minutes=1))
    assert (erased.families, erased.recipients) == (1, 1)
    with unit_of_work(app.factory) as session:
        ids = set(session.scalars(select(Family.public_id)))
        assert ids == {kept}
        assert gone not in ids
        assert session.scalar(select(func.count()).select_from(Confirmation)) == 1
        # its confirmation SMS stays in the statistics, without identity or text
        orphan = session.scalars(select(Message).where(Message.recipient_id.is_(None))).one()
        assert (orphan.step_key, orphan.body, orphan.family_id) == ("confirm", None, None)
