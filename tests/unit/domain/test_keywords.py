from __future__ import annotations

from datetime import date

import pytest

from notifier.domain.keywords import Command, parse

CASES = [
    ("STOP", Command.STOP, "en", None),
    ("stop", Command.STOP, "en", None),
    ("  Stoppen ", Command.STOP, "nl", None),
    ("afmelden", Command.STOP, "nl", None),
    ("stop alsjeblieft", Command.STOP, "en", None),
    ("Start", Command.START, "en", None),
    ("AANMELDEN", Command.START, "nl", None),
    ("hulp", Command.HELP, "nl", None),
    ("Info?", Command.HELP, "nl", None),
    ("pauze", Command.PAUSE, "nl", None),
    ("PAUSE", Command.PAUSE, "en", None),
    ("Geboren 03-07-2027", Command.BORN, "nl", date(2027, 7, 3)),
    ("geboren 3-7-2027", Command.BORN, "nl", date(2027, 7, 3)),
    ("GEBÖREN 03/07/2027", Command.BORN, "nl", date(2027, 7, 3)),
    ("born 03.07.2027", Command.BORN, "en", date(2027, 7, 3)),
    ("uitgerekend 14-02-2027", Command.DUE, "nl", date(2027, 2, 14)),
    ("Due 14-02-2027", Command.DUE, "en", date(2027, 2, 14)),
    ("ja", Command.CONFIRM, "nl", None),
    ("Já!", Command.CONFIRM, "nl", None),
    ("YES", Command.CONFIRM, "en", None),
    ("geboren 31-02-2027", Command.BAD_DATE, "nl", None),
    ("geboren gisteren", Command.BAD_DATE, "nl", None),
    ("born", Command.BAD_DATE, "en", None),
    ("Mijn baby huilt veel, wat kan ik doen?", Command.UNKNOWN, "nl", None),
    ("", Command.UNKNOWN, "nl", None),
    ("ja graag maar hoe", Command.UNKNOWN, "nl", None),
]


@pytest.mark.parametrize(("text", "command", "language", "day"), CASES,
                         ids=[c[0] or "empty" for c in CASES])
def test_a_reply_is_read_case_and_accent_insensitively(text, command, language, day):
    reply = parse(text)
    assert (reply.command, reply.language, reply.day) == (command, language, day)


def test_an_unknown_text_is_kept_word_for_word_for_staff():
    assert parse("  Mijn baby huilt veel  ").text == "Mijn baby huilt veel"
