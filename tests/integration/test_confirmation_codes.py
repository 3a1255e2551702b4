"""Confirmation codes (issue 16, #10): the 6-digit SMS code is nowhere in the database (only a
keyed digest; the stored text holds a mark), wrong codes lock after 5 tries per code and 10 per
number a day, and the right code still confirms, typed on the website."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import JSON, String, Text, select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Base, Confirmation, Message
from notifier.entrypoints.web.app import create_app
from notifier.services.delivery import drain
from tests.integration.parents_support import (
    OTHER_PHONE,
    PHONE,
    code_sent_to,
    enrol_pending,
    parent,
    recipient,
)

NATIONAL = "06 12345678"  # PHONE as a parent types it


def web(app) -> TestClient:
    return TestClient(create_app(app), base_url="https://testserver")  # Secure cookies


def every_text_in_the_database(app) -> list[str]:
    found = []
    with unit_of_work(app.factory) as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in session.execute(select(*columns)):
                found.extend(str(v) for v in row if v is not None)
    return found


def type_code(client, code, phone=NATIONAL):
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/bevestig").text)
    data = {"phone": phone, "code": code, "csrf_token": token.group(1)}
    return client.post("/bevestig", data=data)


def wrong(code: str, n: int = 1) -> str:
    return f"{(int(code) + n) % 1_000_000:06d}"


def test_the_code_is_not_readable_in_the_database(app):
    enrol_pending(app)
    code = code_sent_to(app, PHONE)  # what the parent received
    texts = every_text_in_the_database(app)
    assert texts, "the search reads the database"
    assert not [t for t in texts if code in t]
    with unit_of_work(app.factory) as session:
        [request] = session.scalars(select(Confirmation)).all()
        [sms] = session.scalars(select(Message).where(Message.step_key == "confirm")).all()
    assert re.fullmatch(r"[0-9a-f]{64}", request.code_digest or "")
    assert "######" in (sms.body or ""), "the stored text marks where the code went"
    assert web(app).get("/healthz").status_code == 200
    assert type_code(web(app), code).status_code == 200
    assert recipient(app).sms_consent == "confirmed"


def test_a_resent_text_gets_a_new_code_and_only_the_last_one_works(app):
    enrol_pending(app)
    first = code_sent_to(app, PHONE)
    with unit_of_work(app.factory) as session:  # the send is retried (say the first was lost)
        sms = session.scalars(select(Message).where(Message.step_key == "confirm")).one()
        sms.status = "scheduled"
    drain(app.factory, app.channels, app.send_context())
    second = code_sent_to(app, PHONE)
    client = web(app)
    if second != first:
        assert type_code(client, first).status_code == 400
    assert type_code(client, second).status_code == 200


def test_five_wrong_codes_void_the_code_and_the_right_one_then_fails(app):
    enrol_pending(app)
    code = code_sent_to(app, PHONE)
    client = web(app)
    for n in range(1, 6):
        answer = type_code(client, wrong(code, n))
        assert answer.status_code == 400 and "klopt niet" in answer.text
    assert type_code(client, code).status_code == 400, "void after five wrong tries"
    assert recipient(app).sms_consent == "pending"


def test_four_wrong_codes_and_then_the_right_one_confirms(app):
    enrol_pending(app)
    code = code_sent_to(app, PHONE)
    client = web(app)
    for n in range(1, 5):
        assert type_code(client, wrong(code, n)).status_code == 400
    assert type_code(client, code).status_code == 200
    assert recipient(app).sms_consent == "confirmed"


def test_ten_wrong_codes_for_one_number_lock_it_for_new_codes_too(app):
    """Signing up again gives a new code with 5 new tries; the number as a whole gets 10."""
    client = web(app)
    for _ in range(2):
        enrol_pending(app)
        code = code_sent_to(app, PHONE)
        for n in range(1, 6):
            assert type_code(client, wrong(code, n)).status_code == 400
    enrol_pending(app)
    code = code_sent_to(app, PHONE)
    assert type_code(client, code).status_code == 400, "the number is locked for the day"
    enrol_pending(app, parent(phone=OTHER_PHONE))
    other = code_sent_to(app, OTHER_PHONE)
    assert type_code(client, other, phone="06 87654321").status_code == 200, "others unaffected"
