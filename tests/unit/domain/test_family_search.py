"""What staff type to find a family: a whole number, address or id, or a refusal."""

from __future__ import annotations

import pytest

from notifier.domain.errors import InputError
from notifier.domain.family_search import FamilyQuery, SearchBy, parse_query


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("06 12345678", FamilyQuery(SearchBy.PHONE, "+31612345678")),
        (" +31 6-1234 5678 ", FamilyQuery(SearchBy.PHONE, "+31612345678")),
        ("0031612345678", FamilyQuery(SearchBy.PHONE, "+31612345678")),
        ("Ouder@Example.NL", FamilyQuery(SearchBy.EMAIL, "Ouder@example.nl")),
        ("0A1B2C3D4E5F6789", FamilyQuery(SearchBy.PUBLIC_ID, "0a1b2c3d4e5f6789")),
        ("0123456789012345", FamilyQuery(SearchBy.PUBLIC_ID, "0123456789012345")),
    ],
)
def test_a_whole_value_is_normalised_to_what_is_stored(typed, expected):
    assert parse_query(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "0612", "06 1234567", "12345678", "+316", "samira", "@example.nl",
     "samira@", "example.nl", "%", "0a1b2c3d", "0a1b2c3d4e5f678", "0a1b2c3d4e5f67890",
     "+32 470 12 34 56"],
)
def test_a_fragment_or_anything_else_is_refused(typed):
    with pytest.raises(InputError) as caught:
        parse_query(typed)
    assert caught.value.field == "q"
