"""Delivery to the local outbox: once per message, re-checked at send time, final states."""

from __future__ import annotations

import threading
from datetime import date, time, timedelta

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Recipient
from notifier.services.delivery import claim
from notifier.services.ticking import tick

from .planning_support import BOTH, enrol_family, messages, outbox, recipient, run_days

T0 = date(2027, 1, 4)


class Recording:
    """The real outbox channel, counting every hand-over (a file is overwritten, a call is not)."""

    def __init__(self, inner, calls):
        self.inner, self.name, self.calls = inner, inner.name, calls

    def send(self, message):
        self.calls.append(message.id)
        return self.inner.send(message)


def _record_sends(app) -> list[int]:
    calls: list[int] = []
    app.channels = {k: Recording(v, calls) for k, v in app.channels.items()}
    return calls


def _enrol_some(app) -> None:
    enrol_family(app, T0, recipients=[recipient(1, BOTH), recipient(2)],
                 due_date=T0 + timedelta(weeks=30))  # kraamzorg today: 3 messages
    enrol_family(app, T0, recipients=[recipient(3)], birth_date=T0 - timedelta(days=1))  # aangifte


def test_each_message_reaches_the_outbox_once(app):
    calls = _record_sends(app)
    _enrol_some(app)
    for at in (time(11, 0), time(11, 0), time(15, 0)):
        tick(app, app.hours.local(T0, at), send=True)
    run_days(app, T0 + timedelta(days=1), T0 + timedelta(days=3), at=time(12, 0), send=True)
    delivered = [m.id for m in messages(app, status="delivered")]
    assert len(delivered) == 4 == len(messages(app))
    assert sorted(calls) == sorted(delivered)
    assert sorted(r["id"] for r in outbox(app)) == sorted(delivered)
    by_id = {m.id: m for m in messages(app)}
    for record in outbox(app):
        m = by_id[record["id"]]
        assert record["channel"] == m.channel
        assert (record["subject"] is not None) == (m.channel == "email")
        assert m.body and record["text"] in m.body


def test_concurrent_drains_send_each_message_once(app):
    calls = _record_sends(app)
    _enrol_some(app)
    run_days(app, T0, T0)
    now = app.hours.local(T0, time(10, 0))
    errors: list[BaseException] = []

    def drain() -> None:
        try:
            tick(app, now, send=True)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(calls) == sorted(m.id for m in messages(app)) and len(calls) == 4


def test_a_recipient_who_withdrew_after_planning_is_suppressed_with_a_reason(app):
    enrol_family(app, T0, recipients=[recipient(1, BOTH)], due_date=T0 + timedelta(weeks=30))
    run_days(app, T0, T0)  # planned at 00:05 for 10:00
    with unit_of_work(app.factory) as session:
        for r in session.query(Recipient):
            r.sms_consent = "withdrawn"  # e.g. STOP by SMS, between planning and sending
    tick(app, app.hours.local(T0, time(10, 0)), send=True)
    found = {m.channel: (m.status, m.reason) for m in messages(app)}
    assert found == {"sms": ("suppressed", "no consent or no usable address for sms"),
                     "email": ("delivered", None)}
    assert [r["channel"] for r in outbox(app)] == ["email"]


def test_a_message_past_its_window_expires_unsent(app):
    enrol_family(app, T0, birth_date=T0 - timedelta(days=1))  # aangifte: T0 .. T0+2
    run_days(app, T0, T0)
    [planned] = messages(app)
    assert planned.expires_at == app.hours.local(T0 + timedelta(days=2), time(20, 30))
    tick(app, app.hours.local(T0 + timedelta(days=2), time(20, 31)), send=True)
    [after] = messages(app)
    assert (after.status, after.reason) == ("expired", "send window passed")
    assert outbox(app) == [] and after.sent_at is None


def test_claim_succeeds_once(app):
    enrol_family(app, T0, birth_date=T0 - timedelta(days=1))
    run_days(app, T0, T0)
    [planned] = messages(app)
    now = app.hours.local(T0, time(10, 0))
    with unit_of_work(app.factory) as session:
        assert claim(session, planned.id, now) is True
    with unit_of_work(app.factory) as session:
        assert claim(session, planned.id, now) is False
    [after] = messages(app)
    assert (after.status, after.attempts) == ("sending", 1)
    result = tick(app, now, send=True)  # a claimed message is not picked up again
    assert result.sent.attempted == 0 and outbox(app) == []

