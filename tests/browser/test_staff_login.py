"""A CJG staff member signs in and out in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Live, assert_accessible, second_step
from tests.integration.staff_support import PASSWORD, add_user


def test_staff_sign_in_wrong_then_right_then_out(live: Live, page: Page) -> None:
    add_user(live.app, "anna@cjg.example", "admin", name="Anna de Boer")
    page.goto(f"{live.url}/staff/audit")
    expect(page).to_have_url(re.compile(r"/staff/login\?next=/staff/audit$"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    assert_accessible(page)

    page.get_by_label("E-mailadres").fill("anna@cjg.example")
    page.get_by_label("Wachtwoord").fill("not my password")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("alert")).to_contain_text("klopt niet")
    expect(page.get_by_label("E-mailadres")).to_have_value("anna@cjg.example")
    assert_accessible(page)

    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Inlogcode uit uw authenticator-app")).to_be_visible()
    assert_accessible(page)
    second_step(page, "anna@cjg.example")
    expect(page).to_have_url(f"{live.url}/staff/audit")
    expect(page.get_by_role("heading", name="Auditlog")).to_be_visible()
    expect(page.get_by_role("cell", name="login", exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Uitloggen").click()
    expect(page).to_have_url(f"{live.url}/staff/login")
    page.goto(f"{live.url}/staff")
    expect(page).to_have_url(re.compile(r"/staff/login"))
