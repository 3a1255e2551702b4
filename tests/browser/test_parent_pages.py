"""Parents in a real browser (Debian chromium), on the default programme: sign up in Dutch and
English, a wrong field, confirm by code and by link, the preferences page, one-click
unsubscribe; axe-core on every page visited."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from notifier.adapters.channels.outbox import read_outbox
from notifier.domain.programme import Programme
from notifier.services.preferences import unsubscribe_token
from tests.browser.conftest import Live, assert_accessible
from tests.integration.parent_pages_support import (
    code_in,
    enrolled,
    link_in,
    prefs_path,
    recipients,
    today_of,
)


@pytest.fixture
def live_programme(default_programme: Programme) -> Programme:
    return default_programme


def _sent(live: Live) -> list[dict[str, str]]:
    return read_outbox(live.app.settings.outbox_dir)


def test_sign_up_in_dutch_on_a_small_phone_with_an_error_then_confirm_by_code(
    live: Live, page: Page
) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live.url}/signup")
    expect(page).to_have_url(f"{live.url}/aanmelden")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.locator(".messages li")).to_have_count(3)  # the real schedule's first three
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # no sideways scroll
    assert_accessible(page)

    due = today_of(live.app) + timedelta(weeks=20)
    page.locator("#due_date").fill(due.isoformat())
    page.locator("#phone").fill("070 345 6789")  # a landline
    page.locator("#channels-sms").check()
    page.locator("#first_name").fill("Sanne")
    page.get_by_role("button", name="Aanmelden").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Dit is geen mobiel nummer")
    expect(summary).to_contain_text("Zet een vinkje")
    expect(page.locator("#phone")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#first_name")).to_have_value("Sanne")
    assert recipients(live.app) == []  # nothing stored
    assert_accessible(page)

    summary.get_by_role("link", name=re.compile("mobiel nummer")).click()
    expect(page.locator("#phone")).to_be_focused()
    page.locator("#phone").fill("06 12345678")
    page.locator("#agree").check()
    page.get_by_role("button", name="Aanmelden").click()
    expect(page).to_have_url(f"{live.url}/aanmelden/verstuurd")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kijk op je telefoon of in je e-mail")
    assert_accessible(page)

    code = code_in(_sent(live)[-1]["text"])
    page.get_by_role("link", name="Code invullen").click()
    page.locator("#phone").fill("0612345678")
    page.locator("#code").fill(code)
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je aanmelding is bevestigd")
    assert_accessible(page)
    assert recipients(live.app)[0].sms_consent == "confirmed"


def test_sign_up_in_english_and_confirm_by_the_email_link(live: Live, page: Page) -> None:
    page.goto(f"{live.url}/aanmelden")
    page.get_by_role("link", name="This page in English").click()
    expect(page).to_have_url(f"{live.url}/en/signup")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page)
    born = today_of(live.app) - timedelta(weeks=6)
    page.locator("#birth_date").fill(born.isoformat())
    page.locator("#preterm").check()
    page.locator("#weeks_at_birth").fill("34")
    page.locator("#email").fill("parent@example.org")
    page.locator("#channels-email").check()
    page.locator("#language").select_option("en")
    page.locator("#preferred_time").select_option("evening")
    page.locator("#location").select_option(label="I don't know")
    page.locator("#agree").check()
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your phone or email")
    assert_accessible(page)

    mail = _sent(live)[-1]
    assert mail["to"] == "parent@example.org"
    page.goto(live.url + link_in(mail["text"], "/en/confirm/"))  # in the parent's language
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert recipients(live.app)[0].email_consent == "pending"  # opening the link is not enough
    assert_accessible(page)
    page.get_by_role("button", name="Yes, I confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your sign-up is confirmed")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page)
    person = recipients(live.app)[0]
    assert (person.email_consent, person.language) == ("confirmed", "en")


def test_preferences_pause_birth_unsubscribe_and_stop(live: Live, page: Page) -> None:
    rid = enrolled(live.app, phone="0612345678", email="ouder@example.org")
    page.goto(live.url + prefs_path(live.app, rid))
    expect(page.get_by_role("heading", level=1)).to_have_text("Je berichten instellen")
    assert_accessible(page)

    page.locator("#pause-4").check()
    page.get_by_role("button", name="Pauze nemen").click()
    expect(page.get_by_role("status")).to_contain_text("op pauze tot en met")
    assert_accessible(page)

    page.locator("#birth_date").fill((today_of(live.app) + timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Geboorte doorgeven").click()
    expect(page.get_by_role("alert")).to_contain_text("De geboortedatum moet tussen")
    assert_accessible(page)
    page.locator("#birth_date").fill((today_of(live.app) - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Geboorte doorgeven").click()
    expect(page.get_by_role("status")).to_contain_text("Gefeliciteerd")
    expect(page.get_by_role("heading", name="Je kindje is geboren")).to_have_count(0)

    page.goto(f"{live.url}/u/{unsubscribe_token(live.app.settings.secret_key, rid)}")
    assert_accessible(page)
    page.get_by_role("button", name="Afmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je bent afgemeld voor e-mail")
    assert_accessible(page)
    assert recipients(live.app)[0].email_consent == "withdrawn"

    page.goto(live.url + prefs_path(live.app, rid))
    page.get_by_role("button", name="Stop alle berichten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je bent afgemeld")
    assert_accessible(page)
    assert recipients(live.app)[0].sms_consent == "withdrawn"


def test_the_loss_path_and_an_expired_link(live: Live, page: Page) -> None:
    rid = enrolled(live.app, email="ouder@example.org")
    page.goto(live.url + prefs_path(live.app, rid))
    page.get_by_role("link", name="Lees wat er dan gebeurt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We zijn ons kindje verloren")
    assert_accessible(page)
    page.get_by_role("button", name="Stop alle berichten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alle berichten zijn gestopt")
    assert_accessible(page)

    page.goto(f"{live.url}/p/not-a-valid-link")
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze link is verlopen")
    assert_accessible(page)
    page.locator("#contact").fill("ouder@example.org")
    page.get_by_role("button", name="Stuur een nieuwe link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kijk op je telefoon of in je e-mail")
    assert_accessible(page)


def test_on_a_390_pixel_phone_the_form_starts_on_the_first_screen(
    live: Live, page: Page, tmp_path
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live.url}/aanmelden")
    shot = tmp_path / "signup-390.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000  # a real picture of the page
    first_field = page.locator("form.stack input:not([type=hidden])").first
    box = first_field.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800, box
    # The sample messages follow the form instead of pushing it down.
    samples = page.locator(".samples").bounding_box()
    assert samples is not None and samples["y"] > box["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The date fields say the format, and the birth-date example is a past date.
    hint = page.locator("#birth_date-hint").inner_text()
    assert "Dag-maand-jaar" in hint
    example = re.search(r"(\d\d)-(\d\d)-(\d{4})", hint)
    assert example is not None
    shown = date(int(example[3]), int(example[2]), int(example[1]))
    assert shown < today_of(live.app)

    # Every page links to the privacy statement and to the CJG's contact page.
    footer = page.locator("footer")
    expect(footer.get_by_role("link", name="Contact met het CJG")).to_have_attribute(
        "href", re.compile(r"^https://www\.cjgdenhaag\.nl"))
    footer.get_by_role("link", name="Privacyverklaring").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacyverklaring Kansrijke Start")
    expect(page.locator("main")).to_contain_text("na 30 dagen")
    assert_accessible(page)
