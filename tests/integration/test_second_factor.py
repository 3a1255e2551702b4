"""Second factor for admins and reviewers: TOTP (RFC 6238) set up at the first sign-in, asked
at every sign-in, a code good once, ten single-use recovery codes stored as keyed digests."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import StaffRecoveryCode, StaffUser
from notifier.services.staff_accounts import create_user
from tests.integration.staff_support import PASSWORD, client_for, csrf_of

EMAIL = "beheer@cjg.example"


def password_step(app, email=EMAIL):
    client = client_for(app)
    token = csrf_of(client.get("/staff/login").text)
    answer = client.post("/staff/login", data={"email": email, "password": PASSWORD,
                                               "csrf_token": token})
    assert answer.status_code == 303
    return client, answer.headers["location"]


def post_code(client, path, code):
    token = csrf_of(client.get(path).text)
    return client.post(path, data={"code": code, "csrf_token": token})


def opens_staff(client) -> bool:
    return client.get("/staff", headers={"accept": "text/html"}).status_code == 200


def enrolled_admin(app):
    """An admin made on the command line who sets up the authenticator over HTTP."""
    with unit_of_work(app.factory) as session:
        create_user(session, email=EMAIL, role="admin", password=PASSWORD)
    client, location = password_step(app)
    assert location == "/staff/login/authenticator"
    page = client.get(location).text
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert "otpauth://totp/" in page
    assert '<svg' in page and 'class="segno"' in page, "the QR code of the key"
    answer = post_code(client, location, pyotp.TOTP(secret).now())
    assert answer.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>", answer.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert opens_staff(client)
    return secret, codes


def next_code(secret: str) -> str:
    """A code for a time step not used yet (the enrolment used the current one)."""
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + 30)


@pytest.mark.parametrize("role", ["admin", "reviewer"])
def test_admins_and_reviewers_set_up_an_authenticator_before_anything_opens(app, role):
    with unit_of_work(app.factory) as session:
        create_user(session, email=EMAIL, role=role, password=PASSWORD)
    client, location = password_step(app)
    assert location == "/staff/login/authenticator"
    assert not opens_staff(client), "the password alone opens nothing"
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', client.get(location).text).group(1)
    wrong = post_code(client, location, "000000")
    assert wrong.status_code == 422 and 'role="alert"' in wrong.text and not opens_staff(client)
    right = post_code(client, location, pyotp.TOTP(secret.replace(" ", "")).now())
    assert right.status_code == 200 and "herstelcodes" in right.text
    assert opens_staff(client)


def test_an_author_signs_in_with_the_password_alone(app):
    with unit_of_work(app.factory) as session:
        create_user(session, email="auteur@cjg.example", role="author", password=PASSWORD)
    client, location = password_step(app, "auteur@cjg.example")
    assert location == "/staff" and opens_staff(client)


def test_a_wrong_code_is_refused_and_a_code_opens_one_session_only(app):
    secret, _ = enrolled_admin(app)
    client, location = password_step(app)
    assert location == "/staff/login/code"
    assert not opens_staff(client)
    wrong = post_code(client, location, "123456" if next_code(secret) != "123456" else "654321")
    assert wrong.status_code == 401 and "klopt niet" in wrong.text
    assert not opens_staff(client)
    code = next_code(secret)
    assert post_code(client, location, code).status_code == 303
    assert opens_staff(client)
    # Someone who saw the code (or a replayed form) has the password and the same code:
    replay, location = password_step(app)
    assert post_code(replay, location, code).status_code == 401
    assert not opens_staff(replay)


def test_a_recovery_code_works_once_and_is_stored_only_as_a_digest(app):
    _, codes = enrolled_admin(app)
    with unit_of_work(app.factory) as session:
        digests = session.scalars(select(StaffRecoveryCode.code_digest)).all()
        user = session.scalars(select(StaffUser)).one()
        assert user.totp_secret is not None
    assert len(digests) == 10
    assert not any(c.replace("-", "") in d or c in d for c in codes for d in digests)
    client, location = password_step(app)
    assert post_code(client, location, codes[3].upper()).status_code == 303
    assert opens_staff(client)
    again, location = password_step(app)
    assert post_code(again, location, codes[3]).status_code == 401
    assert not opens_staff(again)


def test_five_wrong_codes_lock_the_account(app):
    secret, _ = enrolled_admin(app)
    client, location = password_step(app)
    right = next_code(secret)
    for guess in ("000001", "000002", "000003", "000004", "000005"):
        assert post_code(client, location, guess if guess != right else "999999").status_code == 401
    assert post_code(client, location, right).status_code == 401, "locked: even the right code"
    assert not opens_staff(client)


def test_an_admin_resets_a_lost_authenticator(app):
    from tests.integration.staff_support import add_user, signed_in

    add_user(app, "other@cjg.example", "admin")
    enrolled_admin(app)
    other = signed_in(app, "other@cjg.example")
    with unit_of_work(app.factory) as session:
        target = session.scalar(select(StaffUser.id).where(StaffUser.email == EMAIL))
    token = csrf_of(other.get("/staff/users").text)
    answer = other.post(f"/staff/users/{target}", data={"action": "totp_reset",
                                                        "csrf_token": token})
    assert answer.status_code == 303
    _, location = password_step(app)
    assert location == "/staff/login/authenticator"


def test_typing_the_password_again_does_not_buy_new_guesses_at_the_code(app):
    secret, _ = enrolled_admin(app)
    right = next_code(secret)
    guesses = iter(g for g in (f"{n:06d}" for n in range(100, 200)) if g != right)
    for _ in range(4):
        client, location = password_step(app)
        assert post_code(client, location, next(guesses)).status_code == 401
    client, location = password_step(app)  # the fifth wrong code in all
    assert post_code(client, location, next(guesses)).status_code == 401
    assert post_code(client, location, right).status_code == 401, "locked: even the right code"
    again = client_for(app)
    token = csrf_of(again.get("/staff/login").text)
    refused = again.post("/staff/login", data={"email": EMAIL, "password": PASSWORD,
                                               "csrf_token": token})
    assert refused.status_code == 401, "and the password form says so too"
