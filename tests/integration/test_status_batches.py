"""Status callbacks written together (one transaction, pipelined on PostgreSQL) end exactly as
the same callbacks written one at a time: same statuses, error codes, reasons, consent."""

from __future__ import annotations

from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Message, Recipient
from notifier.services.status_callbacks import StatusCallback, apply_statuses
from notifier.services.ticking import tick
from tests.integration.test_sms_delivery import MORNING, enrol_parent, fake, sms_app  # noqa: F401

# per message: the callbacks it gets, in arrival order
SCRIPTS = [
    [("sent", None), ("delivered", None)],
    [("delivered", None), ("sent", None)],  # a late "sent" changes nothing
    [("undelivered", "30003"), ("delivered", None)],  # the first final state stays
    [("sent", None), ("sent", None)],  # a repeat
    [("undelivered", "21610")],  # the parent replied STOP: consent withdrawn
    [("failed", "21614"), ("sent", None)],  # not a mobile number
    [("bogus", None), ("delivered", None)],  # a status we do not know is ignored
    [("queued", None)],
]


def _sent_messages(app, first: int, count: int) -> list[Message]:
    for n in range(first, first + count):
        enrol_parent(app, phone=f"+316123451{n:02d}", name="Ouder")
    tick(app, MORNING, send=True)
    with unit_of_work(app.factory) as session:
        found = session.scalars(select(Message).order_by(Message.id)).all()
        return [m for m in found if m.provider_ref and m.status == "sent"][-count:]


def _outcome(app, messages: list[Message]) -> list[tuple]:
    with unit_of_work(app.factory) as session:
        result = []
        for sent in messages:
            message = session.get(Message, sent.id)
            recipient = session.get(Recipient, message.recipient_id)
            result.append((message.status, message.error_code, message.reason,
                           message.delivered_at is not None, recipient.sms_consent,
                           recipient.phone_usable))
        return result


def test_a_batch_of_callbacks_ends_as_the_same_callbacks_one_by_one(sms_app, fake):  # noqa: F811
    fake.callbacks_enabled = False
    together = _sent_messages(sms_app, 0, len(SCRIPTS))
    alone = _sent_messages(sms_app, 50, len(SCRIPTS))
    assert len(together) == len(alone) == len(SCRIPTS)

    def callbacks(messages):
        return [StatusCallback(m.id, m.provider_ref, status, code)
                for m, script in zip(messages, SCRIPTS, strict=True) for status, code in script]

    with unit_of_work(sms_app.factory) as session:
        moved_together = apply_statuses(session, callbacks(together), MORNING)
    moved_alone = 0
    for callback in callbacks(alone):
        with unit_of_work(sms_app.factory) as session:
            moved_alone += apply_statuses(session, [callback], MORNING)

    assert moved_together == moved_alone == 6
    outcome = _outcome(sms_app, together)
    assert outcome == _outcome(sms_app, alone)
    assert [row[0] for row in outcome] == [
        "delivered", "delivered", "failed", "sent", "suppressed", "failed", "delivered", "sent"]
    assert outcome[4][4] == "withdrawn" and outcome[5][5] is False
    assert outcome[2][1:3] == ("30003", "provider reports undelivered (30003)")
