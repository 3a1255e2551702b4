"""``notifier apikeys``: an operator creates a key for a partner, lists keys, revokes one."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest

from notifier.bootstrap import build
from notifier.config import get_settings
from tests.cli.test_cli import cli, env, upgraded  # noqa: F401  (fixtures)
from tests.integration.api_support import api_client, bearer

pytestmark = pytest.mark.usefixtures("upgraded")
KEY = re.compile(r"ks_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def test_a_created_key_is_printed_once_and_works_until_it_is_revoked():
    created = cli("apikeys", "create", "--name", "Verloskundigen West",
                  "--scope", "enrollments:read", "--scope", "enrollments:write")
    assert created.exit_code == 0, created.stderr
    key = created.stdout.strip()
    assert KEY.fullmatch(key)
    assert "not shown again" in created.stderr

    listed = cli("apikeys", "list", "--json")
    (entry,) = json.loads(listed.stdout)
    assert entry["prefix"] == key[:11] and entry["name"] == "Verloskundigen West"
    assert entry["scopes"] == ["enrollments:read", "enrollments:write"]
    assert entry["last_used_at"] is None and entry["revoked_at"] is None
    assert key[12:] not in listed.stdout and key[12:] not in cli("apikeys", "list").stdout

    get_settings.cache_clear()
    app = build()
    family = {"due_date": str(date.today() + timedelta(weeks=20)),
              "recipients": [{"email": "ouder@example.nl"}]}
    with api_client(app) as client:
        assert client.post("/api/v1/enrollments", json=family,
                           headers=bearer(key)).status_code == 201
        revoked = cli("apikeys", "revoke", key[:11])
        assert revoked.exit_code == 0 and "revoked" in revoked.stdout
        assert client.post("/api/v1/enrollments", json=family,
                           headers=bearer(key)).status_code == 401
    app.engine.dispose()
    (entry,) = json.loads(cli("apikeys", "list", "--json").stdout)
    assert entry["last_used_at"] is not None and entry["revoked_at"] is not None
    assert "REVOKED" in cli("apikeys", "list").stdout


@pytest.mark.parametrize(
    "args",
    [
        ("create", "--name", "X", "--scope", "enrollments:delete"),
        ("create", "--name", " ", "--scope", "enrollments:read"),
        ("revoke", "ks_00000000"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(args):
    result = cli("apikeys", *args)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert json.loads(cli("apikeys", "list", "--json").stdout) == []
