"""What an SMS costs: GSM-7 (160, then 153 per segment) versus UCS-2 (70, then 67)."""

from __future__ import annotations

import pytest

from notifier.domain.segments import count_segments


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("a" * 459, "GSM-7", 459, 3),
        ("a" * 460, "GSM-7", 460, 4),
        ("ë" + "a" * 69, "UCS-2", 70, 1),
        ("ë" + "a" * 70, "UCS-2", 71, 2),
        ("a" * 133 + "ï", "UCS-2", 134, 2),
        ("a" * 134 + "ï", "UCS-2", 135, 3),
        ("€" * 80, "GSM-7", 160, 1),
        ("a" * 159 + "€", "GSM-7", 161, 2),
        ("[{}]" + "a" * 156, "GSM-7", 164, 2),
        ("é" * 160, "GSM-7", 160, 1),
        ("Geboren? Doe aangifte: é à ü ñ Ä Ö Ü ß @ £ $", "GSM-7", 44, 1),
        ("\U0001f476" + "a" * 68, "UCS-2", 70, 1),  # an emoji is two UTF-16 units
        ("\U0001f476" + "a" * 69, "UCS-2", 71, 2),
    ],
    ids=[
        "empty", "160-gsm=1", "161-gsm=2", "306-gsm=2", "307-gsm=3", "459-gsm=3", "460-gsm=4",
        "70-with-e-trema=1", "71-with-e-trema=2", "134-with-i-trema=2", "135-with-i-trema=3",
        "80-euro=160-septets", "euro-tips-over", "brackets-are-two-septets", "e-acute-is-gsm",
        "accents-in-gsm", "emoji-70-units", "emoji-71-units",
    ],
)
def test_segments_follow_the_encoding(text, encoding, units, segments):
    info = count_segments(text)
    assert (info.encoding, info.units, info.segments) == (encoding, units, segments)


@pytest.mark.parametrize(
    ("text", "non_gsm"),
    [
        ("Gefeliciteerd met de baby!", ()),
        ("Geëmigreerd naar Den Haag", ("ë",)),
        ("naïef", ("ï",)),
        ("Hoi, we’re here", ("’",)),
        ("ïë ï ë", ("ï", "ë")),
        ("café, à la carte", ()),
    ],
    ids=["plain-dutch", "e-trema", "i-trema", "curly-quote", "each-once-in-order", "e-acute"],
)
def test_the_characters_that_force_ucs2_are_reported(text, non_gsm):
    info = count_segments(text)
    assert info.non_gsm == non_gsm
    assert info.encoding == ("UCS-2" if non_gsm else "GSM-7")


@pytest.mark.parametrize(
    ("text", "per_segment"),
    [("a" * 10, 160), ("a" * 200, 153), ("ë" * 10, 70), ("ë" * 100, 67)],
    ids=["gsm-single", "gsm-multi", "ucs2-single", "ucs2-multi"],
)
def test_per_segment_is_the_room_each_segment_has(text, per_segment):
    assert count_segments(text).per_segment == per_segment


def test_one_trema_turns_a_one_segment_text_into_three():
    """What a CJG author sees: the same 150 characters cost 1 segment, or 3 with one 'ë'."""
    plain = "Tip: " + "x" * 145
    assert count_segments(plain).segments == 1
    assert count_segments(plain.replace("x", "ë", 1)).segments == 3
