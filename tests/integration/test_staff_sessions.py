"""Sign-out that signs out: a staff session cookie copied before sign-out, a password change,
a disabled account or an admin's "sign out everywhere" opens nothing afterwards (issue 16, #4).
Attacked the way a thief would: replaying the captured cookie from another client."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import StaffSession, StaffUser
from notifier.config import get_settings
from notifier.entrypoints.cli import main
from tests.integration.staff_support import (
    PASSWORD,
    add_user,
    client_for,
    csrf_of,
    sign_in_as,
    signed_in,
)

NEW_PASSWORD = "another long passphrase"


def stolen(app, client):
    """A second client holding a copy of ``client``'s session cookie, as a thief would."""
    thief = client_for(app)
    thief.cookies.set("ks_staff", client.cookies.get("ks_staff"), path="/staff")
    assert thief.get("/staff").status_code == 200, "the copy works while the session lives"
    return thief


def opens_staff(client) -> bool:
    return client.get("/staff", headers={"accept": "text/html"}).status_code == 200


def post_form(client, path, page, **data):
    return client.post(path, data={"csrf_token": csrf_of(client.get(page).text), **data})


def user_id(app, email):
    with unit_of_work(app.factory) as session:
        return session.scalar(select(StaffUser.id).where(StaffUser.email == email))


def test_a_cookie_captured_before_sign_out_no_longer_opens_staff(app):
    add_user(app, "a@cjg.example", "author")
    client = signed_in(app, "a@cjg.example")
    thief = stolen(app, client)
    other_device = signed_in(app, "a@cjg.example")
    assert post_form(client, "/staff/logout", "/staff").status_code == 303
    assert not opens_staff(thief)
    assert thief.get("/staff/audit", headers={"accept": "application/json"}).status_code == 401
    assert opens_staff(other_device), "signing out here leaves the user's other device alone"


def test_a_password_change_ends_every_other_session_and_keeps_this_one(app):
    add_user(app, "a@cjg.example", "author")
    client = signed_in(app, "a@cjg.example")
    thief = stolen(app, client)
    other_device = signed_in(app, "a@cjg.example")
    wrong = post_form(client, "/staff/password", "/staff/password",
                      current="not my password!", new=NEW_PASSWORD, repeat=NEW_PASSWORD)
    assert wrong.status_code == 422 and "klopt niet" in wrong.text
    assert opens_staff(thief), "a refused change changes nothing"
    changed = post_form(client, "/staff/password", "/staff/password",
                        current=PASSWORD, new=NEW_PASSWORD, repeat=NEW_PASSWORD)
    assert changed.status_code == 303
    assert not opens_staff(thief) and not opens_staff(other_device)
    assert opens_staff(client), "the browser that changed it gets a fresh session"
    assert opens_staff(signed_in(app, "a@cjg.example", NEW_PASSWORD))


def test_disabling_an_account_ends_its_sessions_at_once(app):
    add_user(app, "admin@cjg.example", "admin")
    add_user(app, "a@cjg.example", "author")
    admin = signed_in(app, "admin@cjg.example")
    thief = stolen(app, signed_in(app, "a@cjg.example"))
    target = user_id(app, "a@cjg.example")
    answer = post_form(admin, f"/staff/users/{target}", "/staff/users", action="disable")
    assert answer.status_code == 303
    assert not opens_staff(thief)


def test_an_admin_signs_a_user_out_everywhere_from_the_users_page(app):
    add_user(app, "admin@cjg.example", "admin")
    add_user(app, "a@cjg.example", "author")
    admin = signed_in(app, "admin@cjg.example")
    laptop, phone = signed_in(app, "a@cjg.example"), signed_in(app, "a@cjg.example")
    thief = stolen(app, laptop)
    page = admin.get("/staff/users").text
    assert "Overal uitloggen: a@cjg.example" in page
    target = user_id(app, "a@cjg.example")
    answer = post_form(admin, f"/staff/users/{target}", "/staff/users", action="signout")
    assert answer.status_code == 303
    assert not any(opens_staff(c) for c in (laptop, phone, thief))
    assert opens_staff(admin), "only that user's sessions end"
    assert "user.signout_everywhere" in admin.get("/staff/audit").text
    assert opens_staff(signed_in(app, "a@cjg.example")), "signing in again works"


def test_an_admin_password_reset_ends_sessions_and_forces_a_new_password(app):
    add_user(app, "admin@cjg.example", "admin")
    add_user(app, "a@cjg.example", "author")
    admin = signed_in(app, "admin@cjg.example")
    thief = stolen(app, signed_in(app, "a@cjg.example"))
    target = user_id(app, "a@cjg.example")
    temporary = "temporary password 1"
    answer = post_form(admin, f"/staff/users/{target}", "/staff/users",
                       action="password", password=temporary)
    assert answer.status_code == 303
    assert not opens_staff(thief)

    client = client_for(app)
    first = sign_in_as(client, "a@cjg.example", temporary)
    assert first.headers["location"] == "/staff/login/new-password"
    assert not opens_staff(client), "the temporary password alone opens nothing"
    chosen = post_form(client, "/staff/login/new-password", "/staff/login/new-password",
                       new=NEW_PASSWORD, repeat=NEW_PASSWORD)
    assert chosen.status_code == 303 and opens_staff(client)
    assert sign_in_as(client_for(app), "a@cjg.example", NEW_PASSWORD).headers["location"] == (
        "/staff")


def test_the_cli_signs_an_account_out_everywhere(app, monkeypatch):
    monkeypatch.setenv("NOTIFIER_DATABASE_URL", app.settings.database_url)
    monkeypatch.setenv("NOTIFIER_ENVIRONMENT", "test")
    get_settings.cache_clear()
    add_user(app, "a@cjg.example", "author")
    thieves = [stolen(app, signed_in(app, "a@cjg.example")) for _ in range(2)]
    try:
        result = CliRunner().invoke(main, ["users", "signout", "--email", "A@cjg.example"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "signed out a@cjg.example everywhere (2 open sessions ended)" in result.output
    assert not any(opens_staff(t) for t in thieves)
    with unit_of_work(app.factory) as session:
        assert session.scalar(select(func.count()).select_from(StaffSession)) == 0


@pytest.mark.parametrize("cookie", ["", "garbage", "eyJzIjoiYWJjIn0.forged.signature"])
def test_a_made_up_session_cookie_opens_nothing(app, cookie):
    add_user(app, "a@cjg.example", "author")
    signed_in(app, "a@cjg.example")
    client = client_for(app)
    client.cookies.set("ks_staff", cookie, path="/staff")
    assert not opens_staff(client)
