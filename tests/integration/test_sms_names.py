"""Every SMS of the default programme, sent through the official twilio client to the fake
Twilio for parents and children named Zoë, Ayşe, Chloë, Łucja and Maximiliaan: each goes out
in GSM-7 and costs no more segments than the same SMS for Samira and Noor."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Family, Message, StaffUser
from notifier.domain.context import HARD_NAMES
from notifier.domain.enrolment import EnrolmentInput, RecipientInput
from notifier.domain.programme import Channel
from notifier.domain.segments import GSM_CHARS, count_segments
from notifier.domain.sms_names import gsm_name
from notifier.services import drafts
from notifier.services.delivery import drain
from notifier.services.enrolment import enrol
from notifier.services.publishing import current_programme
from notifier.testing.fake_twilio import FakeTwilio
from tests.integration.delivery_support import app_on_fake_twilio
from tests.integration.staff_support import add_user

TODAY = date(2026, 11, 29)
MORNING = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
ORDINARY = "Samira"  # the budget: what the SMS costs for a family with a short GSM-7 name
NAMES = (ORDINARY, *HARD_NAMES)
LANGUAGES = ("nl", "en")


@pytest.fixture
def fake():
    with FakeTwilio() as twilio:
        yield twilio


@pytest.fixture
def sms_app(database_url, tmp_path, default_programme, fake):
    with app_on_fake_twilio(database_url, tmp_path / "var", default_programme, fake, 2.0) as app:
        yield app
    app.engine.dispose()


def phone(n: int) -> str:
    return f"+316123456{n:02d}"


def enrol_named(app, name: str, language: str, n: int) -> None:
    """A family whose parent and baby (born a month ago) are both called ``name``, and a message
    due now for every SMS step of the programme."""
    with unit_of_work(app.factory) as session:
        version_id, programme = current_programme(session)
        family = enrol(session, programme, EnrolmentInput(
            (RecipientInput(phone(n), None, language, (Channel.SMS,), name),), "staff",
            birth_date=TODAY - timedelta(days=30), child_name=name, confirmed=True),
            TODAY, ["NL"])
        session.flush()
        family = session.get(Family, family.id)
        [recipient], [child] = family.recipients, family.children
        for step in programme.steps:
            if Channel.SMS in step.channels:
                session.add(Message(
                    family_id=family.id, child_id=child.id, recipient_id=recipient.id,
                    step_key=step.key, channel="sms", language=language,
                    programme_version_id=version_id, due_at=MORNING,
                    expires_at=MORNING + timedelta(days=1), status="scheduled"))


@pytest.mark.slow  # (a real process, or a sweep of every case: full suite and CI)
def test_every_sms_stays_within_its_budget_and_in_gsm7_for_every_name(sms_app, fake,
                                                                      default_programme):
    sms_steps = [s.key for s in default_programme.steps if Channel.SMS in s.channels]
    people = [(name, lang) for name in NAMES for lang in LANGUAGES]
    for n, (name, lang) in enumerate(people):
        enrol_named(sms_app, name, lang, n)
    drain(sms_app.factory, sms_app.channels, sms_app.send_context(lambda: MORNING))
    assert fake.wait_for(len(people) * len(sms_steps), timeout=30) and fake.wait_idle()

    with unit_of_work(sms_app.factory) as session:
        rows = session.execute(select(Message.recipient_id, Message.step_key, Message.status,
                                      Message.provider_ref)).all()
    assert {r.status for r in rows} <= {"sent", "delivered"}, {r.status for r in rows}
    sent = {m["sid"]: m for m in fake.messages}
    by_phone = {phone(n): who for n, who in enumerate(people)}
    segments: dict[tuple[str, str, str], int] = {}  # (name, language, step) -> billed segments
    for row in rows:
        twilio = sent[row.provider_ref]
        name, lang = by_phone[twilio["to"]]
        body = twilio["body"]
        assert set(body) <= GSM_CHARS, (name, lang, row.step_key, body)
        assert count_segments(body).encoding == "GSM-7"
        segments[(name, lang, row.step_key)] = int(twilio["num_segments"])  # Twilio's count
    assert len(segments) == len(people) * len(sms_steps)

    over = [(name, lang, step, billed, segments[(ORDINARY, lang, step)])
            for (name, lang, step), billed in segments.items()
            if billed > segments[(ORDINARY, lang, step)]]
    assert over == [], "(name, language, step, segments, segments for Samira)"
    for name in HARD_NAMES:
        bodies = [m["body"] for m in fake.messages if by_phone[m["to"]][0] == name]
        assert any(gsm_name(name) in b for b in bodies), name  # the name is there, spelled
        assert not any(name in b for b in bodies if name != gsm_name(name))


def test_the_editor_refuses_a_text_without_room_for_a_long_name(app):
    add_user(app, "auteur@cjg.example", "author")
    edge = "Hoi{% if parent_name %} {{ parent_name }}{% endif %}! {{ link }} " + "x" * 101
    with unit_of_work(app.factory) as session:
        author = session.scalars(select(StaffUser)).one()
        draft = drafts.start_draft(session, author, "")
        with pytest.raises(drafts.ChangeRefused) as refused:
            drafts.set_text(session, draft, author, "cursus", "sms", "nl", edge)
        [problem] = refused.value.problems
        assert problem.message.startswith("SMS is 2 segments with the name 'Maximiliaan' (161 ")
        assert drafts.set_text(session, draft, author, "cursus", "sms", "nl", edge[:-1]) == []
        saved = drafts.programme_of_draft(draft).templates["nl"]["cursus.sms.j2"]
        assert saved == edge[:-1] + "\n"
