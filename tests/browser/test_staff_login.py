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


def test_a_new_admin_sets_up_the_authenticator_and_keeps_the_recovery_codes(
    live: Live, page: Page
) -> None:
    import pyotp

    from notifier.adapters.db.engine import unit_of_work
    from notifier.services.staff_accounts import create_user

    with unit_of_work(live.app.factory) as session:  # as `notifier users create` does
        create_user(session, email="nieuw@cjg.example", role="admin", password=PASSWORD)
    page.goto(f"{live.url}/staff/login")
    page.get_by_label("E-mailadres").fill("nieuw@cjg.example")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Stel uw authenticator-app in")).to_be_visible()
    qr = page.get_by_role("img", name="QR-code met de sleutel voor uw authenticator-app")
    expect(qr).to_be_visible()
    assert_accessible(page)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code die de app nu laat zien (6 cijfers)").fill("000000")
    page.get_by_role("button", name="Instellen").click()
    expect(page.get_by_role("alert")).to_contain_text("klopt niet")
    page.get_by_label("Code die de app nu laat zien (6 cijfers)").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Instellen").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("link", name="Ik heb de codes bewaard, verder").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()

    page.goto(f"{live.url}/staff/password")
    expect(page.get_by_role("heading", name="Wachtwoord wijzigen")).to_be_visible()
    assert_accessible(page)
