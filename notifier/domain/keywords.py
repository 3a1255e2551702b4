"""What a parent's SMS reply means: STOP, START, HELP, PAUZE, GEBOREN <date>, UITGEREKEND <date>,
JA. Case- and accent-insensitive; anything else is kept for CJG staff to read."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Command(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"
    PAUSE = "pause"
    BORN = "born"
    DUE = "due"
    CONFIRM = "confirm"
    BAD_DATE = "bad_date"  # a known keyword with a date we cannot read
    UNKNOWN = "unknown"


WORDS: dict[str, tuple[Command, str]] = {
    "STOP": (Command.STOP, "en"),
    "STOPPEN": (Command.STOP, "nl"),
    "AFMELDEN": (Command.STOP, "nl"),
    "UNSUBSCRIBE": (Command.STOP, "en"),
    "START": (Command.START, "en"),
    "AANMELDEN": (Command.START, "nl"),
    "HELP": (Command.HELP, "en"),
    "HULP": (Command.HELP, "nl"),
    "INFO": (Command.HELP, "nl"),
    "PAUZE": (Command.PAUSE, "nl"),
    "PAUSE": (Command.PAUSE, "en"),
    "GEBOREN": (Command.BORN, "nl"),
    "BORN": (Command.BORN, "en"),
    "UITGEREKEND": (Command.DUE, "nl"),
    "DUE": (Command.DUE, "en"),
    "JA": (Command.CONFIRM, "nl"),
    "YES": (Command.CONFIRM, "en"),
}
_DATE = re.compile(r"^(\d{1,2})[-/.\s](\d{1,2})[-/.\s](\d{4})$")


@dataclass(frozen=True)
class Reply:
    command: Command
    language: str  # the language the keyword was written in
    day: date | None = None
    text: str = ""


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def parse(text: str) -> Reply:
    plain = _plain(text).strip()
    words = re.split(r"\s+", re.sub(r"[!?,;:]+$", "", plain), maxsplit=1) if plain else [""]
    keyword = words[0].strip(".!?,")
    rest = words[1].strip() if len(words) > 1 else ""
    if keyword not in WORDS:
        return Reply(Command.UNKNOWN, "nl", text=text.strip())
    command, language = WORDS[keyword]
    if command in (Command.BORN, Command.DUE):
        day = _date(rest)
        if day is None:
            return Reply(Command.BAD_DATE, language, text=text.strip())
        return Reply(command, language, day)
    if rest and command is not Command.STOP:  # "stop" with anything after it still stops
        return Reply(Command.UNKNOWN, language, text=text.strip())
    return Reply(command, language)


def _date(text: str) -> date | None:
    match = _DATE.match(text.strip().rstrip("."))
    if match is None:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None
