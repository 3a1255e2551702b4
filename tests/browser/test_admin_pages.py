"""An administrator in a real browser: reads the delivery figures of a known history off the
dashboard (a full-page screenshot is kept in var/screenshots/ for CI), then finds one family by
phone number and sees its messages and consent log. Both pages pass axe (WCAG 2.2 AA)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import AuditEntry
from tests.browser.conftest import Live, assert_accessible, second_step
from tests.integration.admin_support import SAMIRA_PHONE, seed_samira
from tests.integration.staff_support import PASSWORD, add_user
from tests.integration.stats_support import NOW, seed_history

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "var" / "screenshots" / "dashboard.png"


@pytest.fixture
def history(live: Live, monkeypatch: pytest.MonkeyPatch) -> Live:
    monkeypatch.setattr(live.app, "now", lambda: NOW)  # the server runs in this process
    with unit_of_work(live.app.factory) as session:
        seed_history(session)
    add_user(live.app, "beheer@cjg.example", "admin", name="Bram Beheer")
    return live


def row(page: Page, table: str, header: str):
    return page.locator(f"#{table} tr").filter(has=page.get_by_role("rowheader", name=header,
                                                                      exact=True))


def test_admin_reads_the_dashboard_and_finds_a_family(history: Live, page: Page) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{history.url}/staff/admin")
    expect(page).to_have_url(re.compile(r"/staff/login\?next=/staff/admin$"))
    page.get_by_label("E-mailadres").fill("beheer@cjg.example")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    second_step(page, "beheer@cjg.example")
    expect(page).to_have_url(f"{history.url}/staff/admin")
    expect(page.get_by_role("heading", level=1, name="Bezorging")).to_be_visible()

    cells = row(page, "totals", "30 dagen").locator("td")
    expect(cells).to_have_text(["11", "6", "4", "2", "1", "1", "1", "1", "66.7%"])
    expect(row(page, "totals", "vandaag").locator("td")).to_have_text(
        ["2", "1", "0", "0", "0", "0", "0", "1", "-"])
    expect(row(page, "channels", "SMS, 30 dagen").locator("td")).to_have_text(
        ["8", "5", "3", "1", "1", "1", "0", "1", "75%"])
    flagged = page.locator("#steps-30 tr.flagged")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("slapen (veel stoppers)")
    expect(flagged.locator("td").last).to_have_text("100%")
    expect(page.locator("#errors")).to_contain_text(
        "onbekend toestel (nummer niet meer in gebruik)")
    expect(row(page, "latency", "SMS, 30 dagen").locator("td")).to_have_text(
        ["30 s (5)", "2 min", "60 s (3)", "5 min"])
    expect(page.locator("#scheduler")).to_contain_text("in orde")
    expect(row(page, "signups", "2026-W45").locator("td").last).to_have_text("3")
    expect(page.locator("svg.chart")).to_have_count(6)
    expect(page.locator("#chart-stops-title")).to_contain_text("STOP-percentage per stap")
    assert_accessible(page)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 20_000

    public_id = seed_samira(history.app)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Gezin opzoeken").click()
    expect(page.get_by_role("heading", level=1, name="Gezin opzoeken")).to_be_visible()
    assert_accessible(page)
    field = page.get_by_label("Telefoonnummer, e-mailadres of inschrijvingsnummer")
    field.fill("06 1234")
    page.get_by_role("button", name="Zoeken").click()
    expect(page.get_by_role("alert")).to_contain_text("op een deel wordt niet gezocht")
    assert_accessible(page)

    field.fill("06 12345678")
    page.get_by_role("button", name="Zoeken").click()
    expect(page).to_have_url(f"{history.url}/staff/families/{public_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Gezin {public_id}")
    messages = page.get_by_role("table", name=re.compile(r"^Berichten \(4\)"))
    expect(row(page, "messages", "oefenhapjes")).to_contain_text(
        "SMS consent withdrawn (21610)")
    expect(messages).to_contain_text("telefoon onbereikbaar")
    events = page.get_by_role("table", name=re.compile("Toestemming en gebeurtenissen"))
    expect(events.locator("tbody tr")).to_have_count(5)
    expect(events).to_contain_text("toestemming ingetrokken")
    expect(page.locator("main")).not_to_contain_text(SAMIRA_PHONE)
    expect(page.locator("main")).to_contain_text("+316******78")
    assert_accessible(page)
    with unit_of_work(history.app.factory) as session:
        viewed = session.query(AuditEntry).filter_by(action="family.view").one()
        assert (viewed.actor, viewed.target) == ("beheer@cjg.example", public_id)
