"""SMS segment counting: GSM-7 (160/153 characters) versus UCS-2 (70/67).

One character outside the GSM 03.38 alphabet (``ë``, ``ï``, curly quotes, emoji...) switches
the whole message to UCS-2; ``é``, ``è``, ``ü``, ``ä`` and ``ö`` are GSM-7. Characters from the
GSM extension table (``€``, ``[``...) take two septets.
"""

from __future__ import annotations

from dataclasses import dataclass

_GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = "^{}\\[~]|€\f"
GSM_CHARS = frozenset(_GSM_BASIC) | frozenset(_GSM_EXTENDED)


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    non_gsm: tuple[str, ...]  # the characters that forced UCS-2, in order of appearance

    @property
    def per_segment(self) -> int:
        return (
            (160 if self.segments <= 1 else 153)
            if self.encoding == "GSM-7"
            else (70 if self.segments <= 1 else 67)
        )


def count_segments(text: str) -> SegmentInfo:
    # set and str.count work in C: this runs for every SMS a worker renders
    outside = set(text) - GSM_CHARS
    non_gsm = tuple(dict.fromkeys(c for c in text if c in outside)) if outside else ()
    if not non_gsm:
        units = len(text) + sum(text.count(c) for c in _GSM_EXTENDED)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    segments = 1 if units <= single else -(-units // multi)
    return SegmentInfo(encoding, units, segments if text else 0, non_gsm)


def append_if_room(text: str, addition: str) -> str:
    """``text`` with ``addition`` on a new line when that costs no extra SMS segment."""
    longer = f"{text}\n{addition}"
    return longer if count_segments(longer).segments <= count_segments(text).segments else text
