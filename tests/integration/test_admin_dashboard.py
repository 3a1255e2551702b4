"""The delivery dashboard on a known history: the exact figures an administrator reads off the
page (SQLite and PostgreSQL), who may open it, and the alert banner on the staff pages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Incident
from tests.integration.admin_support import tables
from tests.integration.staff_support import add_user, client_for, csrf_of, signed_in
from tests.integration.stats_support import NOW, PERSONAL, seed_history

STATUS_HEAD = ["gepland", "verstuurd", "afgeleverd", "mislukt", "verlopen", "tegengehouden",
               "geannuleerd", "wacht", "bezorgpercentage"]


@pytest.fixture
def history(app, monkeypatch):
    """The observability tests' history (2-4 November 2026), seen at their NOW."""
    monkeypatch.setattr(app, "now", lambda: NOW)
    with unit_of_work(app.factory) as session:
        seed_history(session)
    add_user(app, "beheer@cjg.example", "admin")
    return app


def test_the_dashboard_shows_the_exact_figures_of_the_history(history):
    page = signed_in(history, "beheer@cjg.example").get("/staff/admin")
    assert page.status_code == 200
    t = tables(page.text)
    assert t["totals"] == [
        ["Periode", *STATUS_HEAD],
        # today (4 November): one accepted, one still waiting
        ["vandaag", "2", "1", "0", "0", "0", "0", "0", "1", "-"],
        # 30 days: the three seeded days plus the late-evening message of 1 November
        ["30 dagen", "11", "6", "4", "2", "1", "1", "1", "1", "66.7%"],
    ]
    assert t["channels"][1:] == [
        ["e-mail, vandaag", "0", "0", "0", "0", "0", "0", "0", "0", "-"],
        ["e-mail, 30 dagen", "3", "1", "1", "1", "0", "0", "1", "0", "50%"],
        ["SMS, vandaag", "2", "1", "0", "0", "0", "0", "0", "1", "-"],
        ["SMS, 30 dagen", "8", "5", "3", "1", "1", "1", "0", "1", "75%"],
    ]
    # per step with reach, stops and STOP rate; the step after which Anna stopped is flagged
    assert t["steps-30"][1:] == [
        ["kraamzorg", "4", "3", "2", "1", "0", "0", "1", "0", "66.7%", "1", "0", "0%"],
        ["oud", "1", "1", "1", "0", "0", "0", "0", "0", "100%", "1", "0", "0%"],
        ["slapen (veel stoppers)", "4", "1", "1", "1", "1", "1", "0", "0", "50%", "1", "1",
         "100%"],
        ["voeding", "2", "1", "0", "0", "0", "0", "0", "1", "-", "1", "0", "0%"],
    ]
    assert page.text.count('class="flagged"') == 1
    assert t["steps-today"][1:] == [["voeding", "2", "1", "0", "0", "0", "0", "0", "1", "-"]]
    assert t["errors"][1:] == [
        ["e-mail", "550", "harde bounce: mailbox onbekend of geweigerd", "0", "1"],
        ["SMS", "21610", "de ontvanger antwoordde STOP: sms-toestemming ingetrokken", "0", "1"],
        ["SMS", "30005", "onbekend toestel (nummer niet meer in gebruik)", "0", "1"],
    ]
    # due -> accepted SMS: 5, 30, 30, 60, 120 s; accepted -> delivered: 30, 60, 300 s
    assert t["latency"][1:] == [
        ["SMS, vandaag", "5 s (1)", "5 s", "- (0)", "-"],
        ["e-mail, 30 dagen", "10 s (1)", "10 s", "0 s (1)", "0 s"],
        ["SMS, 30 dagen", "30 s (5)", "2 min", "60 s (3)", "5 min"],
    ]
    # Dirk's SMS was due at 00:30 and is still waiting; no broker in this set-up
    assert t["queues"][1:] == [
        ["SMS", "onbekend", "1", "10 u 30 min"],
        ["e-mail", "onbekend", "0", "-"],
        ["statusberichten", "onbekend", "0", "-"],
        ["periodieke taken", "onbekend", "0", "-"],
    ]
    assert "in orde" in page.text and "host:1" in page.text and "2026-11-04 10:59" in page.text
    assert t["stages"][1:] == [["zwangerschap", "1"], ["0-6 maanden", "1"], ["6-12 maanden", "0"],
                               ["12-24 maanden", "1"], ["24 maanden en ouder", "1"]]
    assert t["signups"][1:] == [
        ["2026-W41", "2026-10-05", "0"], ["2026-W42", "2026-10-12", "0"],
        ["2026-W43", "2026-10-19", "0"], ["2026-W44", "2026-10-26", "1"],
        ["2026-W45", "2026-11-02", "3"],
    ]
    days = {row[0]: row[1:] for row in t["days"][1:]}
    assert len(days) == 30 and days["2026-10-06"] == ["0", "0", "0"]
    assert [days[d] for d in ("2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04")] == [
        ["1", "1", "0"], ["4", "2", "1"], ["4", "1", "1"], ["2", "0", "0"]]
    # charts are inline SVG drawn from the same numbers, with no script or outside resource
    assert page.text.count("<svg") == 6 and "<script" not in page.text
    assert "http://" not in page.text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    # and no personal data anywhere on the page
    for value in [*PERSONAL["phones"], *PERSONAL["emails"], *PERSONAL["names"],
                  *PERSONAL["dates"]]:
        assert value not in page.text, value


def test_a_stopped_scheduler_shows_on_the_dashboard_and_as_a_banner_everywhere(history,
                                                                               monkeypatch):
    monkeypatch.setattr(history, "now", lambda: NOW + timedelta(minutes=20))
    admin = signed_in(history, "beheer@cjg.example")
    page = admin.get("/staff/admin").text
    assert "loopt niet: laatste ronde 21 min geleden" in page
    assert 'class="banner"' in page and "De planner loopt niet" in page
    add_user(history, "auteur@cjg.example", "author")
    author_home = signed_in(history, "auteur@cjg.example").get("/staff").text
    assert "De planner loopt niet" in author_home  # every staff page shows it


def test_an_open_incident_is_a_banner_until_it_is_resolved(history):
    with unit_of_work(history.factory) as session:
        session.add(Incident(rule="delivery_rate", opened_at=NOW - timedelta(minutes=30),
                             last_value=0.8, summary="80,0% afgeleverd in het afgelopen uur "
                             "(40 van 50; alarm onder 90%)"))
    admin = signed_in(history, "beheer@cjg.example")
    for path in ("/staff", "/staff/admin", "/staff/audit", "/staff/families"):
        html = admin.get(path).text
        assert html.count('class="banner"') == 1, path
        assert ("Te weinig berichten afgeleverd (sinds 2026-11-04 10:30): 80,0% afgeleverd"
                in html), path
    # a page rendered by a form post shows it too
    token = csrf_of(admin.get("/staff/families").text)
    posted = admin.post("/staff/families", data={"q": "06 1", "csrf_token": token})
    assert posted.status_code == 400 and posted.text.count('class="banner"') == 1
    # a visitor on the sign-in page is not told
    assert 'class="banner"' not in client_for(history).get("/staff/login").text
    with unit_of_work(history.factory) as session:
        session.query(Incident).update({"resolved_at": NOW})
    assert 'class="banner"' not in admin.get("/staff/admin").text


def test_a_scheduler_that_never_ticked_is_on_the_dashboard_but_not_a_banner(app):
    add_user(app, "beheer@cjg.example", "admin")
    admin = signed_in(app, "beheer@cjg.example")
    page = admin.get("/staff/admin").text
    assert "heeft nog nooit gelopen" in page
    assert 'class="banner"' not in page and 'class="banner"' not in admin.get("/staff").text


@pytest.mark.parametrize("role", ["author", "reviewer", "viewer"])
def test_only_administrators_open_the_dashboard(history, role):
    add_user(history, f"{role}@cjg.example", role)
    client = signed_in(history, f"{role}@cjg.example")
    refused = client.get("/staff/admin")
    assert refused.status_code == 403 and "afgeleverd" not in refused.text
    assert "/staff/admin" not in client.get("/staff").text  # not in their menu
    assert "/staff/admin" in signed_in(history, "beheer@cjg.example").get("/staff").text


def test_without_signing_in_the_dashboard_sends_you_to_the_login(history):
    answer = client_for(history).get("/staff/admin")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/staff/login?next=/staff/admin"
    as_json = client_for(history).get("/staff/admin", headers={"accept": "application/json"})
    assert as_json.status_code == 401
