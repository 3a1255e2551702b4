"""Masking personal data in free text: phone numbers and email addresses, and the tokens in
the parents' links (``/bevestig/<token>``, ``/en/confirm/<token>``, ``/p/<token>``,
``/u/<token>``, ``/k/<code>`` -> ``/p/***``): whoever holds such a link acts as the parent.

Used on every log event, so that a log line can say *which* recipient without saying who:
``+31612345678 -> +316******78``, ``0612345678 -> 06******78``,
``samira@example.nl -> s***@example.nl``. URL-encoded forms (``%2B316...``, ``name%40host``) are
masked too: query strings and form bodies end up in access logs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# E.164 (with "+", "%2B" or "00"), then the Dutch national mobile form 06 with optional separator.
# Written with spaces or dashes between the digits too ("+31 6 1234 5678", "06-12 34 56 78").
_INTERNATIONAL = re.compile(r"(?<![\w%])(\+|%2[Bb]|00)([1-9](?:[ -]?\d){7,14})(?!\d)")
_DUTCH_MOBILE = re.compile(r"(?<![\w+%])06([-\s]?)(\d(?:[ -]?\d){7})(?!\d)")
_LOCAL = r"[\w.!#$%&'*+/=?^`{|}~-]"  # what RFC 5322 allows unquoted before the @
_EMAIL = re.compile(
    rf"(?<!{_LOCAL})({_LOCAL}){_LOCAL}*(@|%40)((?:[A-Za-z0-9-]+\.)+[A-Za-z][A-Za-z0-9-]+)"
)

# A token in a parent's link path, also URL-encoded (a ``next=`` or ``Referer`` value).
_SLASH = r"(?:/|%2[Ff])"
_LINK = re.compile(rf"({_SLASH}(?:bevestig|en{_SLASH}confirm|p|u|k){_SLASH})([^/%?#&\s\"'<>]+)")


def _stars(n: int) -> str:
    return "*" * max(n, 1)


def _international(match: re.Match[str]) -> str:
    prefix, digits = match.group(1), re.sub(r"[ -]", "", match.group(2))
    if len(digits) < 5:
        return match.group(0)
    return f"{prefix}{digits[:3]}{_stars(len(digits) - 5)}{digits[-2:]}"


def _dutch(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group(2))
    return f"06{match.group(1)}{_stars(len(digits) - 2)}{digits[-2:]}"


def _email(match: re.Match[str]) -> str:
    return f"{match.group(1)}***{match.group(2)}{match.group(3)}"


def mask_text(text: str) -> str:
    """``text`` with every phone number, email address and link token masked."""
    if not text:
        return text
    if "/" in text or "%2" in text:
        text = _LINK.sub(r"\1***", text)
    text = _EMAIL.sub(_email, text)
    text = _INTERNATIONAL.sub(_international, text)
    return _DUTCH_MOBILE.sub(_dutch, text)


def mask_value(value: Any) -> Any:
    """Masks strings, and the strings inside mappings, lists and tuples (keys included)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {mask_value(k): mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(v) for v in value]
    return value
