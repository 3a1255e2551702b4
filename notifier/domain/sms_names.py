"""Names in an SMS: never the reason a message switches to UCS-2 or costs another segment.

One letter outside GSM-7 in a name (``Zoë``, ``Ayşe``, ``Łucja``) turns the whole SMS into
UCS-2: 70 characters a segment instead of 160, so three times the segments. For an SMS a name
is therefore written in GSM-7 letters: those GSM-7 has stay (``é``, ``ö``, ``ü``, ``Ñ``,
``å``, ``ø``...), other Latin, Greek and Cyrillic letters are transliterated (``anyascii``),
and a name in another script, which has no faithful Latin spelling, is left out. A text that
needs UCS-2 anyway (a Turkish or Arabic template) keeps the names as written. Whatever the
spelling, a name that would still cost a segment is left out of that SMS.

Emails keep the real name: only the SMS path uses this module.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from anyascii import anyascii

from notifier.domain.segments import count_segments

NAME_FIELDS = ("parent_name", "child_name")
# GSM-7 basic letters, digits and punctuation a name may keep; not the Greek capitals (a Greek
# name is transliterated whole, not half) and not the control characters.
_KEEP = frozenset(
    "@£$¥èéùìòÇØøÅåÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")  # anyascii spells these faithfully


def gsm_name(name: str) -> str:
    """``name`` in GSM-7 basic characters; empty when it cannot be written in them."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", name):
        if char in _KEEP:
            out.append(char)
            continue
        category = unicodedata.category(char)
        if category.startswith("M") or category.startswith("S") or category.startswith("C"):
            continue  # a stray accent, an emoji, a control character: nothing to spell
        if category.startswith("L") and not unicodedata.name(char, "").startswith(_SCRIPTS):
            return ""  # Arabic, Chinese...: no spelling in GSM-7 the family would recognise
        out.extend(c for c in anyascii(char) if c in _KEEP)
    return " ".join("".join(out).split())


def _with(context: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    return {**context, **names}


def sms_with_names(
    render: Callable[[dict[str, Any]], str],
    context: Mapping[str, Any],
    *,
    leave_out: bool = True,
) -> str:
    """The SMS ``render`` makes of ``context``, names spelled as above.

    With ``leave_out``, names that would cost a segment more than the text without them are
    left out (the templates render an empty name as no name). Without it (the schedule check),
    the spelled names stay, so the check can tell an author that a name does not fit."""
    names = {f: str(context.get(f) or "") for f in NAME_FIELDS if f in context}
    if not any(names.values()):
        return render(dict(context))
    named = render(_with(context, {f: gsm_name(v) for f, v in names.items()}))
    info = count_segments(named)
    if info.encoding == "UCS-2":  # the text needs UCS-2 anyway: the names as written
        named = render(dict(context))
        info = count_segments(named)
    if not leave_out or info.segments <= 1:  # one segment: nothing to save
        return named
    nameless = render(_with(context, dict.fromkeys(names, "")))
    return nameless if count_segments(nameless).segments < info.segments else named
