from __future__ import annotations

from datetime import UTC, date, datetime

from notifier.adapters.channels.outbox import read_outbox
from notifier.adapters.db.engine import unit_of_work
from notifier.domain.enrolment import EnrolmentInput, RecipientInput
from notifier.domain.programme import Channel
from notifier.services.enrolment import enrol
from notifier.services.publishing import current_programme
from notifier.services.ticking import tick


def test_an_enrolled_family_gets_its_first_nudge_once(app):
    today = date(2026, 11, 29)
    with unit_of_work(app.factory) as session:
        _, programme = current_programme(session)
        enrol(session, programme, EnrolmentInput(
            (RecipientInput("06 12345678", None, "nl", (Channel.SMS,), "Samira"),),
            "staff", due_date=date(2027, 6, 1), confirmed=True), today, ["NL"])
    now = datetime(2026, 11, 29, 11, 0, tzinfo=UTC)
    first = tick(app, now, send=True)
    second = tick(app, now, send=True)
    assert first.plan.placed == 1
    assert second.plan.placed == 0 and second.sent.attempted == 0
    sent = read_outbox(app.settings.outbox_dir)
    assert [m["to"] for m in sent] == ["+31612345678"]
    assert sent[0]["text"].startswith("Hoi Samira, kraamzorg")
