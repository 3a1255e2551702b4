"""An author changes a Dutch SMS text in the browser, a colleague approves and publishes it, and
the next planned message carries the new text."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from playwright.sync_api import Page, expect

from notifier.domain.programme import Programme
from notifier.services.ticking import tick
from tests.browser.conftest import Live, assert_accessible, second_step
from tests.integration.planning_support import SMS, enrol_family, outbox, recipient
from tests.integration.staff_support import PASSWORD, SECRETS, add_user

BIRTH = date(2027, 3, 1)
VACCINATIONS_DAY = BIRTH + timedelta(weeks=4)  # step 'vaccinaties' is birth +4w, window 2w
SLOW = 30_000  # a check of the whole programme takes seconds on a busy CI machine
NEW_TEXT = "Prikken voor je baby: het CJG nodigt jullie zelf uit. Ideeën of vragen? {{ link }}"


@pytest.fixture
def live_programme(default_programme: Programme) -> Programme:
    return default_programme


def sign_in(page: Page, live: Live, email: str) -> None:
    page.goto(f"{live.url}/staff/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    if email in SECRETS:  # admins and reviewers: the authenticator code
        second_step(page, email)
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible(timeout=SLOW)


def test_author_edits_reviewer_publishes_and_the_next_message_has_the_new_text(
    live: Live, page: Page
) -> None:
    page.set_default_timeout(SLOW)
    add_user(live.app, "auteur@cjg.example", "author", name="Aisha Auteur")
    add_user(live.app, "beoordelaar@cjg.example", "reviewer", name="Bram Beoordelaar")
    enrol_family(live.app, VACCINATIONS_DAY, recipients=[recipient(1, SMS)], birth_date=BIRTH)

    page.goto(f"{live.url}/staff/programme")
    expect(page).to_have_url(re.compile(r"/staff/login\?next=/staff/programme$"))
    sign_in(page, live, "auteur@cjg.example")
    page.goto(f"{live.url}/staff/programme")
    expect(page.get_by_role("heading", name="Onderhoud van de inhoud")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Waar gaat de wijziging over?").fill("Vaccinatietekst")
    page.get_by_role("button", name="Nieuw concept").click()
    expect(page.get_by_role("heading", name=re.compile("Concept 1"))).to_be_visible()
    expect(page.locator("#draft-status")).to_have_text("concept", timeout=SLOW)
    assert_accessible(page)

    page.get_by_role("link", name="vaccinaties", exact=True).click()
    expect(page.get_by_role("heading", name="Stap vaccinaties")).to_be_visible(timeout=SLOW)
    text = page.locator("#src-nl-sms")
    counter = page.locator("#count-nl-sms")
    expect(counter).to_contain_text("GSM-7")
    text.fill("Prikken voor je baby {{ babynaam }}: het CJG nodigt jullie uit. Ideeën? {{ link }}")
    expect(counter).to_contain_text("UCS-2")  # the live counter, before saving
    expect(counter).to_contain_text("ë dwingt UCS-2 af")
    page.locator("#text-nl-sms").get_by_role("button", name="Tekst opslaan (nl)").click()
    expect(page.locator("#errs-nl-sms")).to_contain_text(
        "unknown variable 'babynaam'", timeout=SLOW
    )
    expect(page.locator("#src-nl-sms")).to_have_value(re.compile("babynaam"))  # kept
    assert_accessible(page)

    page.locator("#src-nl-sms").fill(NEW_TEXT)
    page.locator("#text-nl-sms").get_by_role("button", name="Tekst opslaan (nl)").click()
    expect(page.get_by_role("status")).to_have_text("Opgeslagen.", timeout=SLOW)
    expect(page.locator("#count-nl-sms")).to_contain_text("UCS-2")  # the server's count
    expect(page.locator("#count-nl-sms")).to_contain_text("Ingevuld voorbeeld")
    expect(page.locator("#errs-nl-sms")).to_have_count(0)

    page.goto(f"{live.url}/staff/preview?draft=1")
    _preview(page, BIRTH)
    expect(page.get_by_role("row").filter(has_text="vaccinaties").first).to_contain_text(
        "Ideeën of vragen?"
    )
    expect(page.get_by_role("heading", name="Verschil met de versie in gebruik")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live.url}/staff/drafts/1")
    page.get_by_role("button", name="Indienen ter beoordeling").click()
    expect(page.locator("#draft-status")).to_have_text("ter beoordeling", timeout=SLOW)
    expect(page.get_by_role("button", name="Goedkeuren")).to_have_count(0)
    page.get_by_role("button", name="Uitloggen").click()

    sign_in(page, live, "beoordelaar@cjg.example")
    page.goto(f"{live.url}/staff/drafts/1/changes")
    change = page.get_by_role("cell", name=re.compile("Stap vaccinaties, sms"))
    expect(change).to_be_visible(timeout=SLOW)
    assert_accessible(page)
    page.goto(f"{live.url}/staff/drafts/1")
    page.get_by_role("button", name="Goedkeuren").click()
    expect(page.locator("#draft-status")).to_have_text("goedgekeurd", timeout=SLOW)
    page.get_by_role("button", name="Publiceren").click()
    expect(page.locator("#draft-status")).to_have_text("gepubliceerd", timeout=SLOW)

    page.goto(f"{live.url}/staff/preview")
    _preview(page, BIRTH)
    expect(page.get_by_role("row").filter(has_text="vaccinaties").first).to_contain_text(
        "Ideeën of vragen?"
    )

    # The planner, for the family enrolled before the change: its vaccination message has the
    # new text (it may wait a few days behind the other messages of these weeks: the cap).
    for day in range(14):
        tick(live.app, live.app.hours.local(VACCINATIONS_DAY + timedelta(days=day), time(10, 0)),
             send=True)
    texts = [str(m["text"]) for m in outbox(live.app)]
    assert any("Ideeën of vragen?" in t for t in texts), texts


def _preview(page: Page, birth: date) -> None:
    page.get_by_label("geboortedatum").check()
    page.get_by_label("Datum (JJJJ-MM-DD)").fill(birth.isoformat())
    page.get_by_label("Inschrijving op").fill(birth.isoformat())
    page.get_by_label("Kanaal").select_option("sms")
    page.get_by_role("button", name="Toon het voorbeeld").click()
    expect(page.get_by_role("heading", name=re.compile("Kalender"))).to_be_visible(timeout=SLOW)
