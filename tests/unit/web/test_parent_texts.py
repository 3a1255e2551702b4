"""Every word on the parents' pages exists in both languages, and every key a template or a
route asks for is in the table."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from notifier.entrypoints.web import parent_texts
from notifier.entrypoints.web.parent_texts import TEXTS, Translator
from notifier.entrypoints.web.signup_form import check_day, parse_day, phone_problem

WEB = Path(parent_texts.__file__).parent


def test_every_text_has_dutch_and_english_and_the_same_placeholders() -> None:
    for key, (dutch, english) in TEXTS.items():
        assert dutch.strip() and english.strip(), key
        assert set(re.findall(r"{(\w+)}", dutch)) == set(re.findall(r"{(\w+)}", english)), key


def test_every_key_used_in_templates_and_routes_exists() -> None:
    sources = [*WEB.glob("templates/parent/*.html"), *WEB.glob("routes/parent_*.py"),
               WEB / "signup_form.py", WEB / "routes/staff_enrol.py"]
    used = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bt\("([a-z_]+\.[a-z_0-9.]+)"', text))
        used |= set(re.findall(r'"((?:err|prefs|loss|link|unsub|confirm|stopped|erased|sent|'
                               r'limited|code|signup|site|time|pause)\.[a-z_0-9]+)"', text))
    missing = sorted(k for k in used if k not in TEXTS)
    assert not missing, missing


def test_dates_are_written_out_in_each_language() -> None:
    assert Translator("nl").day(date(2027, 3, 4)) == "4 maart 2027"
    assert Translator("en").day(date(2027, 3, 4)) == "4 March 2027"
    assert Translator("xx").lang == "nl"


def test_dates_as_people_type_them() -> None:
    assert parse_day("2027-05-24") == parse_day("24-05-2027") == parse_day("24/5/2027")
    assert parse_day("31-02-2027") is None and parse_day("soon") is None
    day, problem = check_day("01-01-2030", "due", date(2026, 11, 29), Translator("en"))
    assert day is None and problem and "between 1 November 2026 and 19 September 2027" in problem


def test_which_phone_rule_was_broken() -> None:
    assert phone_problem("06 12345678", ["NL"]) == ("+31612345678", None)
    assert phone_problem("070 345 6789", ["NL"]) == (None, "err.phone_not_mobile")
    assert phone_problem("+44 7911 123456", ["NL"]) == (None, "err.phone_foreign")
    assert phone_problem("12", ["NL"]) == (None, "err.phone_invalid")
