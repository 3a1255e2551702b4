"""The forms a phone number or email address may have been written down in, and replacing
them in a text: what erasure looks for in texts it cannot simply delete (provider errors,
bounces, audit and event details)."""

from __future__ import annotations

import re

import phonenumbers

ERASED = "[gewist]"


def contact_forms(phone: str | None, email: str | None) -> list[str]:
    """Every way the number or address may have been written down, longest first."""
    forms: set[str] = set()
    if phone:
        forms.add(phone)
        try:
            number = phonenumbers.parse(phone, None)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None:
            national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            international = phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
            )
            digits = phone.lstrip("+")
            forms |= {national, national.replace(" ", ""), international, digits, "00" + digits}
    if email:
        forms |= {email, email.lower(), email.upper()}
    return sorted((f for f in forms if len(f) >= 6), key=len, reverse=True)


def scrub(text: str, forms: list[str]) -> str:
    for form in forms:
        text = re.sub(re.escape(form), ERASED, text, flags=re.IGNORECASE)
    return text


