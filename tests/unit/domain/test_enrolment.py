"""What an enrolment may contain: each refusal names the field a parent or staff member fixes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from notifier.domain.enrolment import (
    EnrolmentInput,
    RecipientInput,
    check_enrolment,
    normalise_phone,
    preterm,
)
from notifier.domain.errors import InputError
from notifier.domain.programme import Channel

TODAY = date(2027, 3, 1)
LANGUAGES = ("nl", "en")
LOCATIONS = ("den-haag", "escamp")
MOBILE = "06 12345678"
SMS, EMAIL = (Channel.SMS,), (Channel.EMAIL,)


def parent(**kw) -> RecipientInput:
    return RecipientInput(**{"phone": MOBILE, **kw})


def enrolment(**kw) -> EnrolmentInput:
    fields = {"recipients": (parent(),), "consent_source": "web",
              "due_date": TODAY + timedelta(weeks=20), **kw}
    return EnrolmentInput(**fields)


def check(value: EnrolmentInput, regions=("NL",)) -> EnrolmentInput:
    return check_enrolment(value, TODAY, LANGUAGES, LOCATIONS, regions)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("06 12345678", "+31612345678"), ("06-1234 5678", "+31612345678"),
     ("+31 6 1234 5678", "+31612345678"), ("0031612345678", "+31612345678")],
    ids=["local", "dashes", "international", "double-zero"],
)
def test_a_dutch_mobile_number_is_stored_in_e164(raw, expected):
    assert normalise_phone(raw) == expected
    assert check(enrolment(recipients=(parent(phone=raw),))).recipients[0].phone == expected


@pytest.mark.parametrize(
    ("recipient", "regions", "message"),
    [
        (parent(phone="hallo"), ("NL",), "'hallo' is not a phone number"),
        (parent(phone="06 1234"), ("NL",), "'06 1234' is not a valid phone number"),
        (parent(phone="070 353 3000"), ("NL",), "is not a mobile number: SMS needs a mobile"),
        (parent(phone="0800 0230"), ("NL",), "is not a mobile number"),
        (parent(phone="+32 470 12 34 56"), ("NL",), "only mobile numbers from NL are accepted"),
        (parent(phone=None, email="ouder@example.nl", channels=SMS), ("NL",),
         "SMS needs a mobile number"),
        (parent(phone=None), ("NL",), "give a mobile number or an email address"),
    ],
    ids=["not-a-number", "too-short", "landline-070", "free-number-0800", "belgian-mobile",
         "sms-without-phone", "no-channel"],
)
def test_a_number_we_cannot_text_is_refused_on_the_phone_field(recipient, regions, message):
    with pytest.raises(InputError, match=message) as caught:
        check(enrolment(recipients=(recipient,)), regions)
    assert caught.value.field == "phone"


def test_a_belgian_mobile_is_accepted_where_belgium_is_allowed():
    found = check(enrolment(recipients=(parent(phone="+32 470 12 34 56"),)), ("NL", "BE"))
    assert found.recipients[0].phone == "+32470123456"


AHEAD, PAST = timedelta(weeks=42), timedelta(weeks=4)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (dict(due_date=TODAY + AHEAD + timedelta(days=1)), "due_date", "more than 42 weeks ahead"),
        (dict(due_date=TODAY - PAST - timedelta(days=1)), "due_date",
         "more than 4 weeks ago: give the birth date instead"),
        (dict(due_date=None, birth_date=TODAY + timedelta(days=1)), "birth_date",
         "is in the future"),
        (dict(due_date=None, birth_date=TODAY - relativedelta(years=2) - timedelta(days=1)),
         "birth_date", "more than 2 years ago"),
        (dict(due_date=None, birth_date=TODAY, weeks_at_birth=21), "weeks_at_birth",
         "between 22 and 44, got 21"),
        (dict(due_date=None, birth_date=TODAY, weeks_at_birth=45), "weeks_at_birth",
         "between 22 and 44, got 45"),
        (dict(weeks_at_birth=36), "weeks_at_birth", "weeks at birth goes with a birth date"),
        (dict(due_date=None), "due_date", "give either a due date or a birth date"),
        (dict(birth_date=TODAY), "due_date", "give either a due date or a birth date"),
        (dict(recipients=(parent(language="tr"),)), "language", "unknown language 'tr'"),
        (dict(recipients=(parent(email="ouder@", channels=EMAIL),)), "email",
         "'ouder@' is not a valid email address"),
        (dict(recipients=(parent(channels=(Channel.SMS, Channel.EMAIL)),)), "email",
         "email needs an email address"),
        (dict(recipients=()), "phone", "at least one recipient"),
        (dict(confirmed=True), "confirmed", "only allowed with consent source staff or import"),
        (dict(consent_source="phone"), "consent_source", "consent source must be one of"),
        (dict(location="scheveningen"), "location", "unknown CJG location 'scheveningen'"),
    ],
    ids=[
        "due-43-weeks-ahead", "due-4-weeks-past", "birth-in-future", "birth-over-2-years",
        "weeks-21", "weeks-45", "weeks-without-birth", "no-date", "both-dates",
        "unknown-language", "bad-email", "email-channel-without-address", "no-recipient",
        "confirmed-from-web", "unknown-consent-source", "unknown-location",
    ],
)
def test_an_enrolment_that_breaks_a_rule_names_the_field(changes, field, message):
    with pytest.raises(InputError, match=message) as caught:
        check(enrolment(**changes))
    assert caught.value.field == field


@pytest.mark.parametrize(
    "changes",
    [
        dict(due_date=TODAY + AHEAD),
        dict(due_date=TODAY - PAST),
        dict(due_date=None, birth_date=TODAY),
        dict(due_date=None, birth_date=TODAY - relativedelta(years=2)),
        dict(due_date=None, birth_date=TODAY, weeks_at_birth=22),
        dict(due_date=None, birth_date=TODAY, weeks_at_birth=44),
        dict(confirmed=True, consent_source="staff"),
        dict(confirmed=True, consent_source="import"),
        dict(location="escamp"),
    ],
    ids=["due-42-weeks-ahead", "due-4-weeks-past", "born-today", "exactly-2-years",
         "weeks-22", "weeks-44", "confirmed-by-staff", "confirmed-import", "known-location"],
)
def test_the_edges_of_each_rule_are_accepted(changes):
    assert check(enrolment(**changes)).consent_source == changes.get("consent_source", "web")


def test_channels_follow_the_contact_details_given_and_names_are_trimmed():
    both = parent(email=" Ouder@Example.NL ", first_name="  Samira ", preferred_time=time(8, 0))
    found = check(enrolment(recipients=(both, parent(phone=None, email="b@example.nl"))))
    first, second = found.recipients
    assert (first.phone, first.email) == ("+31612345678", "Ouder@example.nl")
    assert first.channels == (Channel.SMS, Channel.EMAIL)
    assert (first.first_name, first.preferred_time) == ("Samira", time(8, 0))
    assert second.channels == (Channel.EMAIL,)
    assert found == replace(enrolment(), recipients=found.recipients)  # nothing else changed


@pytest.mark.parametrize(("weeks", "expected"), [(None, False), (32, True), (36, True),
                                                 (37, False), (41, False)],
                         ids=["unknown", "32", "36", "37", "41"])
def test_preterm_means_born_before_37_weeks(weeks, expected):
    assert preterm(weeks) is expected
