"""Masking phone numbers, email addresses and link tokens in log text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifier.domain.masking import mask_text, mask_value


@pytest.mark.parametrize(("text", "masked"), [
    ("+31612345678", "+316******78"),
    ("to +31612345678.", "to +316******78."),
    ("0612345678", "06******78"),
    ("06-12345678", "06-******78"),
    ("bel 06 12345678 graag", "bel 06 ******78 graag"),
    ("0031612345678", "00316******78"),
    ("To=%2B31612345678&Body=x", "To=%2B316******78&Body=x"),
    ("samira@example.nl", "s***@example.nl"),
    ("<samira.el-amrani+ks@mail.example.co.uk>", "<s***@mail.example.co.uk>"),
    ("samira%40example.nl", "s***%40example.nl"),
    ("SMa0612345678b3c", "SMa0612345678b3c"),  # inside a Twilio SID: not a number
    ("id 1234567 at 2026-11-29T10:00:00+00:00", "id 1234567 at 2026-11-29T10:00:00+00:00"),
    ("", ""),
    # the tokens in the parents' links (issue 16, weakness 3)
    ('"GET /p/eyJyIjoxfQ.axT4kw.9thqbF/instellingen?x=1 HTTP/1.1" 200',
     '"GET /p/***/instellingen?x=1 HTTP/1.1" 200'),
    ("https://ks.example/bevestig/eyJjIjoiYSJ9.Zx.y", "https://ks.example/bevestig/***"),
    ("/en/confirm/abc.def-_1", "/en/confirm/***"),
    ("/u/eyJy.aa.bb?lang=en", "/u/***?lang=en"),
    ("zie https://ks.example/k/1.9f.03jmxmzf24 .", "zie https://ks.example/k/*** ."),
    ("next=%2Fp%2FeyJy.aa.bb", "next=%2Fp%2F***"),
    ("/bevestig", "/bevestig"),
    ("/i/step-1 /static/site.css /staff/programme", "/i/step-1 /static/site.css /staff/programme"),
])
def test_mask_text(text, masked):
    assert mask_text(text) == masked


def test_mask_value_goes_into_mappings_and_lists():
    event = {"to": "+31612345678", "params": {"To": ["0612345678"], "n": 3}, "ok": True}
    assert mask_value(event) == {
        "to": "+316******78", "params": {"To": ["06******78"], "n": 3}, "ok": True}


@given(st.from_regex(r"\+31 ?6[0-9]{8}", fullmatch=True), st.text(max_size=20))
def test_no_dutch_mobile_survives(number, noise):
    compact = number.replace(" ", "")
    masked = mask_text(f"{noise} {compact} {noise}")
    assert compact not in masked and compact[1:] not in masked


@given(st.emails())
def test_an_email_keeps_only_its_first_letter_and_domain(address):
    local, _, domain = address.rpartition("@")
    assert mask_text(f"mail {address} now") == f"mail {local[0]}***@{domain} now"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("number 0031 6 12345678 unreachable", "number 00316******78 unreachable"),
        ("The 'To' number +31 6 1234 5678 is not valid", "The 'To' number +316******78 is not valid"),
        ("bel 06-12 34 56 78", "bel 06-******78"),
        ("bel 06 12345678", "bel 06 ******78"),
        ("CJG 0800 285 40 70 op 2026-12-06 10:00", "CJG 0800 285 40 70 op 2026-12-06 10:00"),
    ],
)
def test_numbers_written_with_spaces_or_dashes_are_masked_too(text: str, masked: str) -> None:
    assert mask_text(text) == masked
