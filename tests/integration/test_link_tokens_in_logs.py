"""Issue 16, weakness 3: the tokens in the parents' links never reach the log.

`notifier serve --access-log` in a process of its own: a parent signs up (the confirmation
email's /bevestig/ link), and real /p/, /u/ and /k/ links are opened. The whole log the server
wrote (uvicorn's access lines and our request lines) holds none of the tokens, but does hold
the masked paths."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest

from notifier.adapters.db.engine import unit_of_work
from notifier.bootstrap import build
from notifier.services.delivery import short_preferences_link
from notifier.services.preferences import unsubscribe_token
from notifier.services.publishing import publish
from tests.conftest import make_settings
from tests.integration.delivery_support import free_port
from tests.integration.parent_pages_support import (
    enrolled,
    form,
    link_in,
    outbox,
    prefs_path,
    today_of,
)
from tests.integration.served_support import environment, notifier_serve
from tests.integration.staff_support import csrf_of


@pytest.fixture
def database_url(postgres_url: str) -> str:
    return postgres_url


@pytest.mark.slow  # (a real process, or a sweep of every case: full suite and CI)
def test_link_tokens_are_masked_in_every_log_line(database_url, tmp_path, mini_programme):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = make_settings(database_url, tmp_path / "var").model_copy(
        update={"public_url": base, "secret_key": f"test-{uuid.uuid4().hex}"})
    app = build(settings)
    with unit_of_work(app.factory) as session:
        publish(session, mini_programme, "tests")
    recipient = enrolled(app, phone="0612345678")
    preferences = prefs_path(app, recipient)
    unsubscribe = "/u/" + unsubscribe_token(settings.secret_key, recipient)
    short = short_preferences_link(base, settings.secret_key, recipient, today_of(app))
    short = short.removeprefix(base)
    log = tmp_path / "serve.log"
    with notifier_serve(environment(settings), port, log, "--access-log"), \
            httpx.Client(base_url=base, timeout=10) as client:
        token = csrf_of(client.get("/aanmelden").text)
        data = {**form(app, phone="", email="ouder2@example.org", channels="email"),
                "csrf_token": token}
        assert client.post("/aanmelden", data=data).status_code == 303
        confirm = link_in(outbox(app)[-1]["text"], "/bevestig/").removeprefix(base)
        assert client.get(preferences).status_code == 200
        assert client.get(preferences + "/verlies").status_code == 200
        assert client.get(unsubscribe).status_code == 200
        assert client.get(short, follow_redirects=True).status_code == 200  # 303 to /p/
        assert client.get(confirm).status_code == 200
        assert client.get(confirm + "x", params={"lang": "en"}).status_code in (200, 400)
        time.sleep(0.5)  # the access line is written after the answer
    app.engine.dispose()
    text = log.read_text()
    secrets = {path.rsplit("/", 1)[1] for path in (preferences, unsubscribe, short, confirm)}
    assert all(len(s) >= 10 for s in secrets)
    for secret in secrets:
        assert secret not in text, f"a link token is in the log: {secret}"
    events = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    access = [e["event"] for e in events if e.get("logger") == "uvicorn.access"]
    requests = [e["path"] for e in events if e.get("event") == "request"]
    for masked in ("/p/***", "/u/***", "/k/***", "/bevestig/***"):
        assert any(masked in line for line in access), (masked, access)
        assert any(path.startswith(masked) for path in requests), (masked, requests)
