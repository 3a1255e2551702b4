"""Staff accounts: argon2id hashes, throttled sign-in, sessions that end, CSRF, roles, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import AuditEntry, StaffUser
from notifier.domain.errors import InputError
from notifier.services.staff_accounts import (
    create_user,
    disable_user,
    find_user,
    set_password,
    sign_in,
)
from tests.integration.staff_support import (
    PASSWORD,
    add_user,
    client_for,
    csrf_of,
    sign_in_as,
    signed_in,
)

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def test_a_password_is_stored_as_an_argon2id_hash_and_checked(app):
    add_user(app, "Nurse@CJG.example", "author")
    with unit_of_work(app.factory) as session:
        user = find_user(session, "nurse@cjg.example")
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert sign_in(session, "nurse@cjg.example", PASSWORD, NOW).user is not None
        assert sign_in(session, "nurse@cjg.example", "wrong password!!", NOW).user is None


@pytest.mark.parametrize(
    ("email", "role", "password", "field"),
    [
        ("not-an-email", "author", PASSWORD, "email"),
        ("a@cjg.example", "superuser", PASSWORD, "role"),
        ("a@cjg.example", "author", "short", "password"),
    ],
)
def test_bad_account_input_is_refused_and_nothing_is_stored(app, email, role, password, field):
    with unit_of_work(app.factory) as session, pytest.raises(InputError) as caught:
        create_user(session, email=email, role=role, password=password)
    assert caught.value.field == field
    with unit_of_work(app.factory) as session:
        assert session.scalar(select(func.count()).select_from(StaffUser)) == 0


def test_a_second_account_for_the_same_email_is_refused(app):
    add_user(app, "a@cjg.example", "author")
    with pytest.raises(InputError, match="already an account"):
        add_user(app, "A@cjg.example", "viewer")


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(app):
    add_user(app, "a@cjg.example", "author")
    with unit_of_work(app.factory) as session:
        for _ in range(5):
            assert sign_in(session, "a@cjg.example", "guess guess guess", NOW).user is None
        locked = sign_in(session, "a@cjg.example", PASSWORD, NOW + timedelta(minutes=14))
        assert locked.user is None and locked.error
        later = sign_in(session, "a@cjg.example", PASSWORD, NOW + timedelta(minutes=16))
        assert later.user is not None
        actions = session.scalars(select(AuditEntry.action)).all()
        assert "login.lockout" in actions and "login.locked" in actions


def test_an_unknown_email_and_a_wrong_password_get_the_same_answer(app):
    add_user(app, "a@cjg.example", "author")
    with unit_of_work(app.factory) as session:
        unknown = sign_in(session, "nobody@cjg.example", PASSWORD, NOW)
        wrong = sign_in(session, "a@cjg.example", "not the password", NOW)
    assert unknown.error == wrong.error


def test_staff_pages_send_a_stranger_to_the_login_page_and_api_calls_get_401(app):
    client = client_for(app)
    page = client.get("/staff", headers={"accept": "text/html"})
    assert page.status_code == 303
    assert page.headers["location"] == "/staff/login?next=/staff"
    assert client.get("/staff/audit", headers={"accept": "application/json"}).status_code == 401
    assert client.post("/staff/audit").status_code in (401, 405)


def test_signing_in_needs_the_forms_csrf_token(app):
    add_user(app, "a@cjg.example", "author", name="Anna")
    client = client_for(app)
    client.get("/staff/login")
    forged = client.post("/staff/login", data={"email": "a@cjg.example", "password": PASSWORD})
    assert forged.status_code == 403
    assert "ks_staff" not in forged.cookies
    other = client_for(app)  # a token from another browser does not match this cookie
    stolen = csrf_of(other.get("/staff/login").text)
    data = {"email": "a@cjg.example", "password": PASSWORD, "csrf_token": stolen}
    assert client.post("/staff/login", data=data).status_code == 403
    token = csrf_of(client.get("/staff/login").text)
    response = client.post("/staff/login", data={**data, "csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/staff"
    assert "Welkom, Anna" in client.get("/staff").text


def test_a_wrong_password_shows_the_error_next_to_the_form(app):
    add_user(app, "a@cjg.example", "author")
    client = client_for(app)
    token = csrf_of(client.get("/staff/login").text)
    data = {"email": "a@cjg.example", "password": "nope nope nope", "csrf_token": token}
    response = client.post("/staff/login", data=data)
    assert response.status_code == 401
    assert 'role="alert"' in response.text and "klopt niet" in response.text
    assert 'value="a@cjg.example"' in response.text  # the email stays filled in


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(app):
    add_user(app, "admin@cjg.example", "admin")
    for target, expected in [("/staff/audit", "/staff/audit"), ("https://evil.example", "/staff"),
                             ("//evil.example", "/staff")]:
        client = client_for(app)
        response = sign_in_as(client, "admin@cjg.example", next_path=target)
        assert response.headers["location"] == expected


def test_a_role_without_the_permission_gets_403(app):
    add_user(app, "author@cjg.example", "author")
    add_user(app, "admin@cjg.example", "admin")
    author = signed_in(app, "author@cjg.example")
    assert author.get("/staff/audit").status_code == 403
    assert "Auditlog" not in author.get("/staff").text  # not offered in the menu either
    admin = signed_in(app, "admin@cjg.example")
    page = admin.get("/staff/audit")
    assert page.status_code == 200
    assert "author@cjg.example" in page.text and "login" in page.text


def test_logout_a_password_reset_and_disabling_end_the_session(app):
    add_user(app, "a@cjg.example", "author")
    client = signed_in(app, "a@cjg.example")
    token = csrf_of(client.get("/staff").text)
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/staff").status_code == 303

    client = signed_in(app, "a@cjg.example")
    with unit_of_work(app.factory) as session:
        set_password(session, find_user(session, "a@cjg.example"), "a brand new password")
    assert client.get("/staff").status_code == 303

    client = signed_in(app, "a@cjg.example", "a brand new password")
    with unit_of_work(app.factory) as session:
        disable_user(session, find_user(session, "a@cjg.example"))
        assert sign_in(session, "a@cjg.example", "a brand new password", NOW).user is None
    assert client.get("/staff").status_code == 303


def test_a_forged_session_cookie_is_not_a_session(app):
    add_user(app, "a@cjg.example", "admin")
    client = client_for(app)
    client.cookies.set("ks_staff", "eyJ1IjoxLCJ2IjoxfQ.forged.signature", path="/staff")
    assert client.get("/staff/audit").status_code == 303
