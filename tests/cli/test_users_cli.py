"""``notifier users``: the first admin account comes from the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from notifier.adapters.db.engine import unit_of_work
from notifier.config import get_settings
from notifier.entrypoints.cli import main
from notifier.services.staff_accounts import sign_in
from tests.integration.staff_support import PASSWORD


@pytest.fixture
def cli(app, monkeypatch):
    monkeypatch.setenv("NOTIFIER_DATABASE_URL", app.settings.database_url)
    monkeypatch.setenv("NOTIFIER_ENVIRONMENT", "test")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_create_list_and_disable_an_account(cli, app):
    created = cli.invoke(
        main,
        ["users", "create", "--email", "Beheer@CJG.example", "--role", "admin", "--name",
         "Beheer", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert created.exit_code == 0, created.output
    assert "created beheer@cjg.example (admin)" in created.output
    listed = json.loads(cli.invoke(main, ["users", "list", "--json"]).output)
    assert [(u["email"], u["role"], u["disabled"]) for u in listed] == [
        ("beheer@cjg.example", "admin", False)
    ]
    assert cli.invoke(main, ["users", "disable", "--email", "beheer@cjg.example"]).exit_code == 0
    with unit_of_work(app.factory) as session:
        assert sign_in(session, "beheer@cjg.example", PASSWORD, datetime.now(UTC)).user is None


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--email", "a@x.nl", "--role", "boss", "--password-stdin"], PASSWORD, "unknown role"),
        (["--email", "a@x.nl", "--role", "author", "--password-stdin"], "short", "at least 12"),
        (["--email", "a@cjg.example", "--role", "author"], "", "--password-stdin"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_and_creates_nothing(cli, args, stdin, message):
    result = cli.invoke(main, ["users", "create", *args], input=stdin + "\n")
    assert result.exit_code == 2
    assert message in result.output
    assert json.loads(cli.invoke(main, ["users", "list", "--json"]).output) == []


def test_disabling_an_unknown_account_is_exit_2(cli):
    result = cli.invoke(main, ["users", "disable", "--email", "nobody@cjg.example"])
    assert result.exit_code == 2 and "no staff account" in result.output
