"""Reading the sign-up form (parents' page and the staff form): every field checked at once, each
problem in plain words next to its field; an ``EnrolmentInput`` only when all is well.

The rules themselves are the domain's (``notifier.domain.enrolment``): this module only says
*which* rule a value broke, in the parent's language, and with the allowed range."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time

import phonenumbers

from notifier.domain.enrolment import (
    MAX_CHILD_AGE,
    MAX_DUE_AHEAD,
    MAX_DUE_PAST,
    EnrolmentInput,
    RecipientInput,
    normalise_email,
    normalise_phone,
)
from notifier.domain.errors import InputError
from notifier.domain.family import PRETERM_BELOW_WEEKS
from notifier.domain.programme import Channel
from notifier.entrypoints.web.parent_texts import Translator

TIMES: dict[str, time | None] = {
    "": None,
    "morning": time(9, 30),
    "afternoon": time(13, 0),
    "evening": time(19, 30),
}
TIME_LABELS = {"": "time.none", "morning": "time.morning", "afternoon": "time.afternoon",
               "evening": "time.evening"}
# Where the error summary's link for a field goes (a group links to its first box).
ANCHORS = {"channels": "channels-sms", "partner_channels": "partner_channels-sms",
           "preferred_time": "preferred_time", "agree": "agree"}
FIELDS = ("due_date", "birth_date", "preterm", "weeks_at_birth", "child_name", "phone", "email",
          "language", "preferred_time", "first_name", "location", "partner_first_name",
          "partner_phone", "partner_email", "partner_language", "agree")
LISTS = ("channels", "partner_channels")


@dataclass
class FormResult:
    values: dict[str, str | list[str]]
    errors: dict[str, str] = field(default_factory=dict)
    enrolment: EnrolmentInput | None = None

    @property
    def summary(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary at the top, in page order."""
        return [(ANCHORS.get(name, name), message) for name, message in self.errors.items()]


def time_key(value: time | None) -> str:
    for key, at in TIMES.items():
        if at == value:
            return key
    return ""


def parse_day(raw: str) -> date | None:
    """ISO (what a date input sends) or day-month-year as people write it; None if neither."""
    raw = raw.strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    found = re.fullmatch(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})", raw)
    if not found:
        return None
    try:
        return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
    except ValueError:
        return None


def phone_problem(raw: str, regions: Sequence[str]) -> tuple[str | None, str | None]:
    """(E.164 number, None) or (None, which problem): not a number, not mobile, not Dutch."""
    try:
        return normalise_phone(raw, regions), None
    except InputError:
        pass
    try:
        number = phonenumbers.parse(raw, regions[0] if regions else "NL")
    except phonenumbers.NumberParseException:
        return None, "err.phone_invalid"
    if not phonenumbers.is_valid_number(number):
        return None, "err.phone_invalid"
    if phonenumbers.region_code_for_number(number) not in regions:
        return None, "err.phone_foreign"
    return None, "err.phone_not_mobile"


def read_values(form: Mapping[str, object]) -> dict[str, str | list[str]]:
    """The raw values, trimmed, for checking and for showing the form again."""
    values: dict[str, str | list[str]] = {}
    for name in FIELDS:
        raw = form.get(name)
        values[name] = raw.strip() if isinstance(raw, str) else ""
    for name in LISTS:
        getlist = getattr(form, "getlist", None)
        raw = getlist(name) if getlist else form.get(name)
        items = raw if isinstance(raw, list | tuple) else [raw] if raw else []
        values[name] = [str(v) for v in items if str(v) in ("sms", "email")]
    return values


class _Checker:
    def __init__(self, values: dict[str, str | list[str]], t: Translator, regions: Sequence[str]):
        self.values, self.t, self.regions = values, t, regions
        self.errors: dict[str, str] = {}

    def text(self, name: str) -> str:
        value = self.values.get(name, "")
        return value if isinstance(value, str) else ""

    def items(self, name: str) -> list[str]:
        value = self.values.get(name, [])
        return value if isinstance(value, list) else []

    def fail(self, name: str, key: str, **params: str) -> None:
        self.errors.setdefault(name, self.t(key, **params))

    def contact(self, prefix: str) -> tuple[str | None, str | None]:
        phone = email = None
        if raw := self.text(f"{prefix}phone"):
            phone, problem = phone_problem(raw, self.regions)
            if problem:
                self.fail(f"{prefix}phone", problem)
        if raw := self.text(f"{prefix}email"):
            try:
                email = normalise_email(raw)
            except InputError:
                self.fail(f"{prefix}email", "err.email_invalid")
        return phone, email

    def channels(self, prefix: str, phone: str | None, email: str | None) -> tuple[Channel, ...]:
        chosen = self.items(f"{prefix}channels")
        name = f"{prefix}channels"
        if not chosen:
            self.fail(name, "err.channel_none")
        if "sms" in chosen and not self.text(f"{prefix}phone"):
            self.fail(f"{prefix}phone", "err.sms_needs_phone")
        if "email" in chosen and not self.text(f"{prefix}email"):
            self.fail(f"{prefix}email", "err.email_needs_address")
        return tuple(Channel(c) for c in ("sms", "email") if c in chosen)

    def dates(self, today: date) -> tuple[date | None, date | None, int | None]:
        raw_due, raw_birth = self.text("due_date"), self.text("birth_date")
        due = birth = None
        if not raw_due and not raw_birth:
            self.fail("due_date", "err.date_missing")
        elif raw_due and raw_birth:
            self.fail("due_date", "err.date_both")
        if raw_due:
            due = parse_day(raw_due)
            first, last = today - MAX_DUE_PAST, today + MAX_DUE_AHEAD
            if due is None:
                self.fail("due_date", "err.date_format")
            elif not first <= due <= last:
                self.fail("due_date", "err.due_range", first=self.t.day(first),
                          last=self.t.day(last))
                due = None
        if raw_birth:
            birth = parse_day(raw_birth)
            first = today - MAX_CHILD_AGE
            if birth is None:
                self.fail("birth_date", "err.date_format")
            elif not first <= birth <= today:
                self.fail("birth_date", "err.birth_range", first=self.t.day(first),
                          last=self.t.day(today))
                birth = None
        weeks = None
        raw_weeks = self.text("weeks_at_birth")
        if self.text("preterm") or raw_weeks:
            if raw_due and not raw_birth:
                self.fail("weeks_at_birth", "err.weeks_needs_birth")
            elif not raw_weeks.isdigit() or not 22 <= int(raw_weeks) < PRETERM_BELOW_WEEKS:
                self.fail("weeks_at_birth", "err.weeks")
            else:
                weeks = int(raw_weeks)
        return due, birth, weeks

    def choice(self, name: str, allowed: Sequence[str]) -> str:
        value = self.text(name)
        if value not in allowed:
            self.fail(name, "err.choice")
        return value


def check_signup(
    form: Mapping[str, object],
    *,
    t: Translator,
    today: date,
    languages: Sequence[str],
    locations: Sequence[str],
    regions: Sequence[str],
    consent_source: str = "web",
    consent_by: str | None = None,
    confirmed: bool = False,
    need_agreement: bool = True,
) -> FormResult:
    values = read_values(form)
    c = _Checker(values, t, regions)
    due, birth, weeks = c.dates(today)
    phone, email = c.contact("")
    if not c.text("phone") and not c.text("email"):
        c.fail("phone", "err.contact_missing")
    channels = c.channels("", phone, email)
    language = c.choice("language", languages)
    preferred = TIMES.get(c.choice("preferred_time", list(TIMES)))
    location = c.choice("location", ["", *locations]) or None
    partner_named = any(
        c.text(f"partner_{n}") for n in ("first_name", "phone", "email")
    ) or bool(c.items("partner_channels"))
    partner = None
    if partner_named:
        p_phone, p_email = c.contact("partner_")
        if not c.text("partner_phone") and not c.text("partner_email"):
            c.fail("partner_phone", "err.partner_contact")
        p_channels = c.channels("partner_", p_phone, p_email)
        p_language = c.choice("partner_language", languages)
        partner = RecipientInput(p_phone, p_email, p_language, p_channels,
                                 c.text("partner_first_name")[:80], preferred)
    if need_agreement and not c.text("agree"):
        c.fail("agree", "err.agree")
    order = {name: i for i, name in enumerate(
        ("due_date", "birth_date", "weeks_at_birth", "phone", "email", "channels", "language",
         "preferred_time", "location", "partner_phone", "partner_email", "partner_channels",
         "partner_language", "agree"))}
    errors = dict(sorted(c.errors.items(), key=lambda item: order.get(item[0], 99)))
    result = FormResult(values, errors)
    if errors:
        return result
    me = RecipientInput(phone, email, language, channels, c.text("first_name")[:80], preferred)
    result.enrolment = EnrolmentInput(
        recipients=(me, partner) if partner else (me,),
        consent_source=consent_source,
        due_date=due,
        birth_date=birth,
        weeks_at_birth=weeks,
        child_name=c.text("child_name")[:80],
        location=location,
        confirmed=confirmed,
        consent_by=consent_by,
    )
    return result


def blank_values(language: str) -> dict[str, str | list[str]]:
    values: dict[str, str | list[str]] = {name: "" for name in FIELDS}
    values.update({name: [] for name in LISTS})
    values["language"] = language
    values["partner_language"] = language
    return values


def check_day(raw: str, kind: str, today: date, t: Translator) -> tuple[date | None, str | None]:
    """One date on its own (``kind`` due or birth): the day, or the plain-words problem."""
    day = parse_day(raw)
    if day is None:
        return None, t("err.date_format")
    if kind == "due":
        first, last, key = today - MAX_DUE_PAST, today + MAX_DUE_AHEAD, "err.due_range"
    else:
        first, last, key = today - MAX_CHILD_AGE, today, "err.birth_range"
    if not first <= day <= last:
        return None, t(key, first=t.day(first), last=t.day(last))
    return day, None
