"""What a staff member typed to find one family: a whole phone number, a whole email address or
an enrolment id. Always an exact value, never a fragment: the search answers "this family", it
never lists families."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from notifier.domain.enrolment import normalise_email, normalise_phone
from notifier.domain.errors import InputError

PUBLIC_ID = re.compile(r"[0-9a-f]{16}")


class SearchBy(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    PUBLIC_ID = "public_id"


@dataclass(frozen=True)
class FamilyQuery:
    by: SearchBy
    value: str  # normalised: E.164, the normalised address, or the lower-case id


def parse_query(raw: str, regions: Sequence[str] = ("NL",)) -> FamilyQuery:
    """The exact value to look up, or InputError saying what a complete value looks like."""
    text = raw.strip()
    if not text:
        raise InputError("give a phone number, an email address or an enrolment id", "q")
    if "@" in text:
        try:
            return FamilyQuery(SearchBy.EMAIL, normalise_email(text))
        except InputError:
            raise InputError("give the whole email address", "q") from None
    if PUBLIC_ID.fullmatch(text.lower()):
        return FamilyQuery(SearchBy.PUBLIC_ID, text.lower())
    if not any(ch.isdigit() for ch in text):
        raise InputError(
            "not a phone number, email address or enrolment id (16 characters 0-9, a-f)", "q"
        )
    try:
        return FamilyQuery(SearchBy.PHONE, normalise_phone(text, regions))
    except InputError:
        raise InputError(
            "give the whole mobile number (for example 06 12345678): parts of numbers are "
            "not searched",
            "q",
        ) from None
