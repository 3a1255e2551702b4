"""``notifier privacy export|erase`` and ``notifier enroll`` starting the confirmation step."""
# ruff: noqa: F811  (the fixtures of test_cli are imported, then named as parameters)

from __future__ import annotations

import json
from datetime import timedelta

from notifier.adapters.channels.outbox import read_outbox
from tests.cli.test_cli import TODAY, cli, env, families, upgraded  # noqa: F401

DUE = ("--due-date", str(TODAY + timedelta(weeks=20)))


def test_staff_enrolment_without_confirmed_sends_the_confirmation(upgraded, tmp_path):
    result = cli("enroll", *DUE, "--phone", "06 12345678", "--consent-source", "staff",
                 "--consent-by", "J. de Vries", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["confirmations"] == ["delivered"]  # the local outbox
    [sms] = read_outbox(tmp_path / "var" / "outbox")
    assert sms["to"] == "+31612345678" and "JA" in sms["text"]


def test_export_and_erase_a_person(upgraded, tmp_path):
    assert cli("enroll", *DUE, "--phone", "06 12345678", "--consent-source", "staff",
               "--confirmed", "--name", "Samira").exit_code == 0
    out = tmp_path / "export.json"
    result = cli("privacy", "export", "--phone", "+31 6 12345678", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    data = json.loads(out.read_text())
    assert data["enrolments"][0]["you"]["first_name"] == "Samira"
    erased = cli("privacy", "erase", "--phone", "06-12345678", "--json")
    assert erased.exit_code == 0 and json.loads(erased.stdout)["families"] == 1
    assert families(upgraded["NOTIFIER_DATABASE_URL"]) == 0


def test_privacy_bad_input_is_one_line_and_exit_2(upgraded):
    for args in (("export",), ("export", "--phone", "06", "--email", "a@b.nl"),
                 ("erase", "--phone", "06 123"), ("erase", "--email", "nobody@example.nl")):
        result = cli("privacy", *args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
