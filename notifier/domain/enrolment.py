"""Rules for what an enrolment may contain. Pure: dates are checked against a given today."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta

import phonenumbers
from dateutil.relativedelta import relativedelta
from email_validator import EmailNotValidError, validate_email

from notifier.domain.errors import InputError
from notifier.domain.family import PRETERM_BELOW_WEEKS
from notifier.domain.programme import Channel

CONSENT_SOURCES = ("web", "sms", "staff", "import", "api")
CONFIRMED_SOURCES = ("staff", "import")
MAX_DUE_AHEAD = timedelta(weeks=42)
MAX_DUE_PAST = timedelta(weeks=4)
MAX_CHILD_AGE = relativedelta(years=2)


@dataclass(frozen=True)
class RecipientInput:
    phone: str | None = None
    email: str | None = None
    language: str = "nl"
    channels: tuple[Channel, ...] = ()
    first_name: str = ""
    preferred_time: time | None = None


@dataclass(frozen=True)
class EnrolmentInput:
    recipients: tuple[RecipientInput, ...]
    consent_source: str
    due_date: date | None = None
    birth_date: date | None = None
    weeks_at_birth: int | None = None
    child_name: str = ""
    location: str | None = None
    confirmed: bool = False
    first_child: bool | None = None
    consent_by: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def parse_valid_phone(raw: str, regions: Sequence[str] = ("NL",)) -> phonenumbers.PhoneNumber:
    """Any valid phone number (read in the first region's notation), or InputError."""
    try:
        number = phonenumbers.parse(raw, regions[0] if regions else "NL")
    except phonenumbers.NumberParseException:
        raise InputError(f"{raw!r} is not a phone number", "phone") from None
    if not phonenumbers.is_valid_number(number):
        raise InputError(f"{raw!r} is not a valid phone number", "phone")
    return number


def normalise_phone(raw: str, regions: Sequence[str] = ("NL",)) -> str:
    """A mobile number in E.164, or InputError in plain words."""
    number = parse_valid_phone(raw, regions)
    region = phonenumbers.region_code_for_number(number)
    if region not in regions:
        raise InputError(
            f"{raw!r}: only mobile numbers from {', '.join(regions)} are accepted", "phone"
        )
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise InputError(f"{raw!r} is not a mobile number: SMS needs a mobile number", "phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InputError(f"{raw!r} is not a valid email address: {exc}", "email") from None


def check_dates(enrolment: EnrolmentInput, today: date) -> None:
    if (enrolment.due_date is None) == (enrolment.birth_date is None):
        raise InputError("give either a due date or a birth date", "due_date")
    if enrolment.due_date is not None:
        if enrolment.due_date > today + MAX_DUE_AHEAD:
            raise InputError(
                f"due date {enrolment.due_date} is more than 42 weeks ahead", "due_date"
            )
        if enrolment.due_date < today - MAX_DUE_PAST:
            raise InputError(
                f"due date {enrolment.due_date} is more than 4 weeks ago: "
                "give the birth date instead",
                "due_date",
            )
        if enrolment.weeks_at_birth is not None:
            raise InputError("weeks at birth goes with a birth date", "weeks_at_birth")
    if enrolment.birth_date is not None:
        if enrolment.birth_date > today:
            raise InputError(f"birth date {enrolment.birth_date} is in the future", "birth_date")
        if enrolment.birth_date < today - MAX_CHILD_AGE:
            raise InputError(
                f"birth date {enrolment.birth_date} is more than 2 years ago: "
                "the programme is for children under two",
                "birth_date",
            )
    weeks = enrolment.weeks_at_birth
    if weeks is not None and not 22 <= weeks <= 44:
        raise InputError(f"weeks at birth must be between 22 and 44, got {weeks}", "weeks_at_birth")


def check_enrolment(
    enrolment: EnrolmentInput,
    today: date,
    languages: Sequence[str],
    locations: Sequence[str],
    regions: Sequence[str] = ("NL",),
) -> EnrolmentInput:
    """The enrolment with normalised contact details, or InputError."""
    if enrolment.consent_source not in CONSENT_SOURCES:
        raise InputError(
            f"consent source must be one of {', '.join(CONSENT_SOURCES)}", "consent_source"
        )
    if enrolment.confirmed and enrolment.consent_source not in CONFIRMED_SOURCES:
        raise InputError(
            "--confirmed is only allowed with consent source staff or import", "confirmed"
        )
    check_dates(enrolment, today)
    if enrolment.location and enrolment.location not in locations:
        raise InputError(
            f"unknown CJG location {enrolment.location!r} (one of: {', '.join(locations)})",
            "location",
        )
    if not enrolment.recipients:
        raise InputError("at least one recipient is needed", "phone")
    recipients = []
    for r in enrolment.recipients:
        if r.language not in languages:
            raise InputError(
                f"unknown language {r.language!r} (one of: {', '.join(languages)})", "language"
            )
        phone = normalise_phone(r.phone, regions) if r.phone else None
        email = normalise_email(r.email) if r.email else None
        channels = r.channels or tuple(
            c for c, have in ((Channel.SMS, phone), (Channel.EMAIL, email)) if have
        )
        if not channels:
            raise InputError("give a mobile number or an email address to send to", "phone")
        for channel in channels:
            if channel is Channel.SMS and not phone:
                raise InputError("SMS needs a mobile number", "phone")
            if channel is Channel.EMAIL and not email:
                raise InputError("email needs an email address", "email")
        recipients.append(
            RecipientInput(
                phone, email, r.language, channels, r.first_name.strip(), r.preferred_time
            )
        )
    return EnrolmentInput(**{**enrolment.__dict__, "recipients": tuple(recipients)})


def preterm(weeks_at_birth: int | None) -> bool:
    return weeks_at_birth is not None and weeks_at_birth < PRETERM_BELOW_WEEKS
