"""``notifier demo`` as a CJG colleague first sees it: Dutch by default, step titles instead of
keys, and plain reasons; the cap is named only where the cap moved a message."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

from notifier.domain.programme import Programme, step_title
from tests.integration.delivery_support import free_port

pytestmark = pytest.mark.slow  # whole simulations: in the full suite, not in the quick loop

PROVIDERS = ("NOTIFIER_BROKER_URL", "NOTIFIER_SMTP_URL", "NOTIFIER_DATABASE_URL",
             "NOTIFIER_SCHEDULES_DIR", "NOTIFIER_TEMPLATES_DIR", "TWILIO_ACCOUNT_SID")


def _demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in PROVIDERS}
    env["NOTIFIER_VAR_DIR"] = str(tmp_path / "var")
    result = subprocess.run(
        [sys.executable, "-m", "notifier.entrypoints.cli", "demo", "--months", "9", *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def dutch(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _demo(tmp_path_factory.mktemp("demo-nl")).stdout


def test_the_demo_speaks_dutch_with_titles_and_reasons(
    dutch: str, default_programme: Programme
) -> None:
    assert "gesimuleerd in" in dutch
    for word in ("verstuurd", "afgeleverd", "al voorbij toen u zich aanmeldde",
                 "vervallen: het kind was al geboren"):
        assert word in dutch, word
    sent_titles = [step_title(default_programme, s.key, "nl") for s in default_programme.steps]
    assert sum(title[:40] in dutch for title in sent_titles) >= 15
    # Neither the planner's English nor a step's key reaches the reader.
    for jargon in ("placed", "window passed", "moved by the cap", "frequency cap", "skipped"):
        assert jargon not in dutch, jargon
    for step in default_programme.steps:  # a slug like "kraamzorg-aanmelden" (one-word keys,
        if "-" in step.key:  # like "kinkhoestprik", are words a title may use)
            assert re.search(rf"\s{re.escape(step.key)}\s", dutch) is None, step.key


def test_the_cap_is_named_only_for_a_message_the_cap_moved(dutch: str) -> None:
    moved = [line for line in dutch.splitlines() if "gepland op" in line]
    assert moved, "some messages went later than their day"
    for line in moved:
        planned = date.fromisoformat(re.search(r"gepland op (\d{4}-\d\d-\d\d)", line)[1])
        sent = date.fromisoformat(line.split()[0])
        assert sent > planned
        # Due before enrolment and sent at once is not the cap's doing.
        if "verstuurd bij de aanmelding" in line:
            assert "verschoven" not in line
    cap_lines = [line for line in moved if "verschoven: al 3 berichten deze week" in line]
    assert cap_lines, "the sample families include a week with more than three steps due"


def test_the_demo_speaks_english_when_asked(tmp_path: Path) -> None:
    out = _demo(tmp_path, "--language", "en", "--json").stdout
    report = json.loads(out)
    assert report["language"] == "en"
    lines = "\n".join(line for f in report["families"] for line in f["lines"])
    assert "delivered" in lines and "already past when you signed up" in lines
    assert "afgeleverd" not in lines


def test_demo_serve_opens_the_dashboard_on_the_simulated_delivery(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in PROVIDERS}
    env["NOTIFIER_VAR_DIR"] = str(tmp_path / "var")
    server = subprocess.Popen(
        [sys.executable, "-m", "notifier.entrypoints.cli", "demo", "--months", "3", "--serve",
         "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        printed: dict[str, str] = {}
        assert server.stdout is not None
        for line in server.stdout:
            if match := re.match(r"\s+(e-mail|wachtwoord):\s+(\S+)", line):
                printed[match[1]] = match[2]
            if "wachtwoord" in printed:
                break
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10) as client:
            for _ in range(100):
                try:
                    page = client.get("/staff/login")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
            signed_in = client.post("/staff/login", data={
                "csrf_token": token, "next": "/staff/admin", "email": printed["e-mail"],
                "password": printed["wachtwoord"]}, follow_redirects=True)
            assert signed_in.status_code == 200
            board = client.get("/staff/admin")
            assert board.status_code == 200
            assert "heeft nog nooit gelopen" not in board.text
            assert "afgeleverd" in board.text.lower()
            assert "Geen berichten in deze periode" not in board.text
    finally:
        server.terminate()
        server.wait(timeout=10)
