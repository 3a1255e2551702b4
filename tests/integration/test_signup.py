"""The sign-up service: neutral outcome for new and already-enrolled numbers, abuse limits in
real Redis (per number, per IP, in total), mobile numbers only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import func, select

from notifier.adapters.counters import RedisWindowCounter
from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Family
from notifier.domain.enrolment import EnrolmentInput
from notifier.domain.errors import InputError
from notifier.services.signup import request_signup
from tests.integration.parents_support import OTHER_PHONE, PHONE, outbox, parent, today

REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def counter():
    prefix = f"test:parents-sms:{uuid.uuid4().hex[:8]}"
    yield RedisWindowCounter(REDIS, prefix=prefix)
    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def form(*recipients):
    return EnrolmentInput(recipients or (parent(phone="06 12345678"),), "web",
                          due_date=today() + timedelta(weeks=28))


def signup(app, counter, enrolment=None, ip="192.0.2.1"):
    return request_signup(app, enrolment or form(), ip, datetime.now(UTC), today(),
                          counter=counter).status


def families(app):
    with unit_of_work(app.factory) as session:
        return session.scalar(select(func.count()).select_from(Family))


def test_new_and_already_enrolled_numbers_get_the_same_outcome(app, counter):
    assert signup(app, counter) == "accepted"
    assert families(app) == 1 and len(outbox(app)) == 1
    assert signup(app, counter, ip="192.0.2.2") == "accepted"  # pending: asked again, no new family
    assert families(app) == 1 and len(outbox(app)) == 2


def test_a_number_gets_at_most_three_sign_ups_an_hour(app, counter):
    results = [signup(app, counter, ip=f"192.0.2.{n}") for n in range(5)]
    assert results == ["accepted"] * 3 + ["limited"] * 2
    assert len([m for m in outbox(app) if m["to"] == PHONE]) == 3


def test_one_address_gets_at_most_ten_sign_ups_an_hour(app, counter):
    results = [
        signup(app, counter, form(parent(phone=f"06 1234{n:04d}"))) for n in range(12)
    ]
    assert results == ["accepted"] * 10 + ["limited"] * 2
    assert families(app) == 10


def test_the_total_of_confirmation_sms_per_hour_is_capped(app, counter):
    capped = app.settings.model_copy(update={"signup_sms_per_hour": 2})
    app.settings = capped
    results = [signup(app, counter, form(parent(phone=p)), ip=p) for p in (PHONE, OTHER_PHONE,
                                                                            "+31611111111")]
    assert results == ["accepted", "accepted", "limited"]


def test_only_mobile_numbers_from_the_allowed_regions_are_accepted(app, counter):
    for phone in ("070 353 3000", "+32 470 12 34 56", "06 123"):
        with pytest.raises(InputError) as error:
            signup(app, counter, form(parent(phone=phone)))
        assert error.value.field == "phone"
    assert families(app) == 0 and outbox(app) == []
    belgian = app.settings.model_copy(update={"phone_regions": ["NL", "BE"]})
    app.settings = belgian
    assert signup(app, counter, form(parent(phone="+32 470 12 34 56"))) == "accepted"
