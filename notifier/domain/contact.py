"""Finding a person by the number or address they give (export, erasure): any valid number,
not only the mobile numbers sign-up accepts, so a number enrolled under older rules is found."""

from __future__ import annotations

from collections.abc import Sequence

import phonenumbers

from notifier.domain.enrolment import normalise_email, normalise_phone, parse_valid_phone
from notifier.domain.errors import InputError


def lookup_phone(raw: str, regions: Sequence[str] = ("NL",)) -> str:
    """``raw`` in E.164 (the form numbers are stored in), or InputError."""
    try:
        return normalise_phone(raw, regions)
    except InputError:
        pass
    number = parse_valid_phone(raw, regions)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def lookup_email(raw: str) -> str:
    return normalise_email(raw)


def mask_phone(phone: str | None) -> str:
    """For display (the parent's own page, the partner API): ``+316*****678``, enough to
    recognise one's number. Logs mask harder (``domain/masking.py``: ``+316******78``)."""
    if not phone:
        return ""
    return phone[:4] + "*" * max(0, len(phone) - 7) + phone[-3:]


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return ""
    local, domain = email.rsplit("@", 1)
    return f"{local[:1]}***@{domain}"
