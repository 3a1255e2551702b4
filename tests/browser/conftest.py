"""Real-browser tests: Debian's chromium driven by Playwright against our app served by uvicorn
on loopback, on PostgreSQL. The browser is the machine's (/usr/bin/chromium, installed by
.ci/run), never one downloaded by Playwright; when it is missing these tests fail.

`live` serves the app (the fixture programme by default; override `live_programme` for the
default one); `page` is a fresh browser context per test; `assert_accessible(page)` runs the
vendored axe-core (tests/browser/vendor/axe.min.js, MPL-2.0) and fails on serious violations.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from notifier.adapters.db.engine import unit_of_work
from notifier.bootstrap import App, build
from notifier.domain.programme import Programme
from notifier.services.publishing import publish
from tests.conftest import make_settings
from tests.integration.delivery_support import free_port, serve_web
from tests.integration.staff_support import totp_code

CHROMIUM = os.environ.get("NOTIFIER_TEST_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@dataclass
class Live:
    url: str
    app: App


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """Browser tests run on PostgreSQL only (the production database)."""
    return postgres_url


@pytest.fixture
def live_programme(mini_programme: Programme) -> Programme:
    return mini_programme


@pytest.fixture
def live(database_url: str, tmp_path: Path, live_programme: Programme) -> Iterator[Live]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = make_settings(database_url, tmp_path / "var").model_copy(
        update={"public_url": url}
    )
    app = build(settings)
    with unit_of_work(app.factory) as session:
        publish(session, live_programme, "tests")
    with serve_web(app, port) as base:
        yield Live(base, app)
    app.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="nl-NL")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def second_step(page: Page, email: str) -> None:
    """The authenticator code an admin or reviewer types after the password (from the secret
    the test helpers enrolled for them)."""
    page.wait_for_url(re.compile(r"/staff/login/code$"))
    page.get_by_label("Code (6 cijfers, of een herstelcode)").fill(totp_code(email))
    page.get_by_role("button", name="Controleren").click()


def assert_accessible(page: Page) -> None:
    """axe-core on the page as it is now: no serious or critical WCAG 2.2 AA violation."""
    # evaluated through the DevTools protocol: the pages' CSP forbids an inline <script>
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in bad
    )
    assert not bad, f"accessibility violations on {page.url}:\n{report}"
