"""``notifier schedules check`` on broken copies of the fixture programme: each problem with its
exact file and line, its severity, and the exit code (2 with an error, 0 with only warnings)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from notifier.config import get_settings
from notifier.entrypoints.cli import main

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "mini"
Expected = list[tuple[str, int, str, str]]  # (file relative to the copy, line, severity, text)


@pytest.fixture
def copy(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "programme"
    shutil.copytree(MINI, root)
    get_settings.cache_clear()
    yield root
    get_settings.cache_clear()


def run_check(root: Path) -> tuple[int, list[dict[str, object]]]:
    result = CliRunner().invoke(main, ["schedules", "check", str(root / "schedules"), "--json"])
    return result.exit_code, json.loads(result.stdout)["problems"]


def edit(root: Path, name: str, old: str, new: str) -> int:
    """Replace ``old`` (once) in a file of the copy; returns the line where ``new`` starts."""
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return text[:at].count("\n") + 1


def step_line(root: Path, key: str) -> int:
    lines = (root / "schedules" / "mini.yaml").read_text().splitlines()
    return lines.index(f"  - key: {key}") + 1


def template(root: Path, lang: str, name: str, text: str) -> str:
    (root / "templates" / lang / name).write_text(text, encoding="utf-8")
    return f"templates/{lang}/{name}"


YAML = "schedules/mini.yaml"
CASES: dict[str, Callable[[Path], Expected]] = {}


def case(fn: Callable[[Path], Expected]) -> Callable[[Path], Expected]:
    CASES[fn.__name__] = fn
    return fn


@case
def unknown_theme(root: Path) -> Expected:
    line = edit(root, YAML, "    theme: sleep", "    theme: slep")
    return [(YAML, line, "error", "unknown theme 'slep' (did you mean 'sleep'?)")]


@case
def unknown_field(root: Path) -> Expected:
    line = edit(root, YAML, "    channels: [sms]\n    first_child_only", "    chanels: [sms]\n"
                "    first_child_only")
    return [(YAML, line, "error", "unknown field 'chanels' (did you mean 'channels'?)"),
            (YAML, step_line(root, "cursus"), "error", "step 'cursus' has no 'channels'")]


@case
def bad_offset(root: Path) -> Expected:
    line = edit(root, YAML, "    offset: -10w", "    offset: -10x")
    return [(YAML, line, "error", "bad offset '-10x'")]


@case
def duplicate_key(root: Path) -> Expected:
    first = step_line(root, "cursus")
    line = edit(root, YAML, "  - key: eerste-dagen", "  - key: cursus")
    where = f"{root / YAML}:{first}"
    return [(YAML, line, "error", f"duplicate key 'cursus' (first at {where})")]


@case
def missing_source(root: Path) -> Expected:
    edit(root, YAML, "    link: https://www.cjgdenhaag.nl/cursus\n    source: CJG Den Haag\n",
         "    link: https://www.cjgdenhaag.nl/cursus\n")
    return [(YAML, step_line(root, "cursus"), "error", "step 'cursus' has no 'source'")]


@case
def missing_review_by(root: Path) -> Expected:
    edit(root, YAML, "    source: https://www.rijksoverheid.nl\n    review_by: 2099-01-01\n",
         "    source: https://www.rijksoverheid.nl\n")
    return [(YAML, step_line(root, "kraamzorg"), "error", "step 'kraamzorg' has no 'review_by'")]


@case
def window_of_zero_days(root: Path) -> Expected:
    line = edit(root, YAML, "    window: 3w", "    window: 0d")
    return [(YAML, line, "error", "window '0d' is shorter than a day")]


@case
def review_by_in_the_past(root: Path) -> Expected:
    edit(root, YAML, "    review_by: 2099-01-01", "    review_by: 2020-01-01")
    return [(YAML, step_line(root, "kraamzorg"), "warning",
             "step 'kraamzorg': review_by 2020-01-01 has passed")]


@case
def missing_dutch_template(root: Path) -> Expected:
    (root / "templates" / "nl" / "tandjes.sms.j2").unlink()
    return [(YAML, step_line(root, "tandjes"), "error",
             "step 'tandjes' has no Dutch sms text (templates/nl/tandjes.sms.j2)")]


@case
def missing_english_template(root: Path) -> Expected:
    (root / "templates" / "en" / "tandjes.sms.j2").unlink()
    return [(YAML, step_line(root, "tandjes"), "warning",
             "step 'tandjes' has no en sms text (templates/en/tandjes.sms.j2); Dutch will be used")]


@case
def template_syntax_error(root: Path) -> Expected:
    name = template(root, "nl", "tandjes.sms.j2", "Tandjes {{ link }}\nen {% endfor %} meer\n")
    return [(name, 2, "error", "template syntax: Encountered unknown tag 'endfor'")]


@case
def unknown_variable(root: Path) -> Expected:
    name = template(root, "nl", "tandjes.sms.j2", "Tandjes {{ link }}\nHoi {{ parnt_name }}\n")
    return [(name, 2, "error", "unknown variable 'parnt_name'")]


@case
def unknown_cjg_field(root: Path) -> Expected:
    name = template(root, "en", "tandjes.sms.j2", "Teeth {{ link }}\n\nCall {{ cjg.phon }}\n")
    return [(name, 3, "error", "unknown variable 'cjg.phon'")]


@case
def unknown_filter(root: Path) -> Expected:
    name = template(root, "nl", "tandjes.sms.j2", "Tandjes {{ link }}\n{{ parent_name | shout }}\n")
    return [(name, 2, "error", "template syntax: No filter named 'shout'")]


@case
def template_that_fails_when_rendered(root: Path) -> Expected:
    name = template(root, "nl", "tandjes.sms.j2", "Tandjes {{ link }}\n\n{{ age_months + 'x' }}\n")
    return [(name, 3, "error", "template does not render: unsupported operand")]


@case
def sms_over_three_segments(root: Path) -> Expected:
    name = template(root, "nl", "tandjes.sms.j2", "{{ link }} " + "tandjes " * 60)
    return [(name, 1, "error", "SMS is 4 segments (")]


@case
def sms_with_e_trema_is_ucs2(root: Path) -> Expected:
    # 250 characters: one GSM-7 segment pair would do, UCS-2 needs 4 (67 per segment)
    name = template(root, "nl", "tandjes.sms.j2", "{{ link }} Geëmigreerd? " + "x" * 180)
    return [(name, 1, "error", "UCS-2 characters; ë forces UCS-2); at most 3")]


LONG_NAME_EDGE = (  # 160 characters with 'Jan-Willem', the longest ordinary sample name
    "Hoi{% if parent_name %} {{ parent_name }}{% endif %}! {{ link }} " + "x" * 100)


@case
def sms_over_budget_with_a_long_name(root: Path) -> Expected:
    name = template(root, "nl", "tandjes.sms.j2", LONG_NAME_EDGE)
    return [(name, 1, "error", "SMS is 2 segments with the name 'Maximiliaan' (161 GSM-7 "
             "characters) but 1 with a short name: leave room for a longer name")]


@case
def sms_over_budget_with_a_long_child_name(root: Path) -> Expected:
    name = template(root, "en", "tandjes.sms.j2",
                    "{{ link }} " + "x" * 103 + " {{ child_name }}")  # 160 with "Noor and Sem"
    return [(name, 1, "error",
             "SMS is 2 segments with the name 'Maximiliaan and Łucja' (169 GSM-7")]


@case
def sms_without_link(root: Path) -> Expected:
    name = template(root, "nl", "tandjes.sms.j2", "Hoi {{ parent_name }}, tandjes.\n")
    return [(name, 1, "error", "an SMS needs a link: add {{ link }}")]


@case
def email_without_subject(root: Path) -> Expected:
    name = template(root, "nl", "slapen.email.j2", "Hallo,\n\nOver slapen.\n\n{{ link }}\n")
    return [(name, 1, "error", "must start with a 'Subject:' line")]


@case
def if_born_early_move_on_a_birth_step(root: Path) -> Expected:
    line = edit(root, YAML, "    when: born\n", "    when: born\n    if_born_early: move\n")
    return [(YAML, line + 1, "error", "if_born_early: move needs anchor due_date")]


@case
def if_born_early_unknown_value(root: Path) -> Expected:
    line = edit(root, YAML, "    when: expecting\n",
                "    when: expecting\n    if_born_early: keep\n")
    return [(YAML, line + 1, "error", "unknown if_born_early 'keep' (one of: cancel, move)")]


@case
def preterm_condition_on_a_pregnancy_step(root: Path) -> Expected:
    line = edit(root, YAML, "    when: expecting\n", "    when: preterm\n")
    return [(YAML, line, "error", "when: preterm needs anchor birth_date")]


@case
def yaml_syntax_error(root: Path) -> Expected:
    line = edit(root, YAML, "  - key: tandjes\n", "  - key: tandjes: x\n")
    return [(YAML, line, "error", "YAML syntax: mapping values are not allowed here")]


@pytest.mark.parametrize("name", CASES)
def test_each_problem_is_reported_at_its_file_and_line(copy: Path, name: str):
    expected = CASES[name](copy)
    code, problems = run_check(copy)
    found = [(str(Path(p["path"]).relative_to(copy)), p["line"], p["severity"], p["message"])
             for p in problems]
    for path, line, severity, text in expected:
        assert any(f[:3] == (path, line, severity) and text in f[3] for f in found), (
            f"{path}:{line}: {severity}: {text} not in {found}")
    expected_errors = {(p, n) for p, n, s, _ in expected if s == "error"}
    assert {(f[0], f[1]) for f in found if f[2] == "error"} == expected_errors
    assert code == (2 if expected_errors else 0)


def test_the_untouched_copy_has_no_problems(copy: Path):
    assert run_check(copy) == (0, [])


def test_the_same_sms_without_the_e_trema_fits(copy: Path):
    template(copy, "nl", "tandjes.sms.j2", "{{ link }} Geemigreerd? " + "x" * 180)
    assert run_check(copy) == (0, [])


def test_the_same_sms_fits_every_name_with_one_character_less(copy: Path):
    # Zoë, Ayşe, Chloë and Łucja as written would make it UCS-2: 3 segments
    template(copy, "nl", "tandjes.sms.j2", LONG_NAME_EDGE[:-1])
    assert run_check(copy) == (0, [])


def test_problems_print_as_file_line_severity_message(copy: Path):
    line = edit(copy, YAML, "    theme: sleep", "    theme: slep")
    result = CliRunner().invoke(main, ["schedules", "check", str(copy / "schedules")])
    assert result.exit_code == 2
    assert result.stdout.splitlines()[0] == (
        f"{copy / YAML}:{line}: error: unknown theme 'slep' (did you mean 'sleep'?)")
    assert result.stderr.startswith("9 steps, 1 errors, ")


def test_a_field_given_twice_in_one_step_is_an_error(tmp_path):
    from notifier.services.schedule_check import check_files as check

    draft = tmp_path / "draft"
    shutil.copytree(MINI, draft)
    path = draft / "schedules" / "mini.yaml"
    text = path.read_text().replace("    window: 4w\n", "    window: 4w\n    window: 1d\n", 1)
    path.write_text(text)
    line = text.splitlines().index("    window: 1d") + 1
    _, problems = check(draft / "schedules", draft / "templates", date(2026, 1, 1))
    assert f"{path}:{line}: error: field 'window' is given twice in this step" in map(
        str, problems)
