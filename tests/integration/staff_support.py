"""Staff accounts and signed-in clients for tests of the /staff pages."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import httpx
import pyotp
from fastapi.testclient import TestClient

from notifier.adapters.db.engine import unit_of_work
from notifier.bootstrap import App
from notifier.entrypoints.web.app import create_app
from notifier.services.second_factor import REQUIRED_FOR, STEP, enrolment_secret
from notifier.services.staff_accounts import create_user

PASSWORD = "correct horse battery staple"
SECRETS: dict[str, str] = {}  # email -> the TOTP secret of an admin or reviewer made here
_LAST_STEP: dict[str, int] = {}  # secret -> the last time step a helper code was made for


def add_user(app: App, email: str, role: str, password: str = PASSWORD, name: str = "") -> None:
    """An account; an admin or reviewer also gets an authenticator set up (its secret in
    SECRETS), as if they had enrolled at their first sign-in."""
    with unit_of_work(app.factory) as session:
        user = create_user(session, email=email, role=role, password=password, name=name)
        if role in REQUIRED_FOR:
            SECRETS[user.email] = enrolment_secret(user)
            user.totp_confirmed_at = datetime.now(UTC)


def totp_code(email: str) -> str:
    """The authenticator's code for a later time step than any used before: the server refuses
    a step used already and accepts one step of clock drift either way, so a first sign-in takes
    the step before this one, the next ones the steps after (or wait for one)."""
    secret = SECRETS[email.strip().lower()]
    while True:
        if STEP - time.time() % STEP < 1:  # too close to the next step: the server may be past it
            time.sleep(STEP - time.time() % STEP + 0.05)
        current = int(time.time()) // STEP
        step = max(current - 1, _LAST_STEP.get(secret, current - 2) + 1)
        if step <= current + 1:
            _LAST_STEP[secret] = step
            return pyotp.TOTP(secret).at(step * STEP)
        time.sleep(STEP - time.time() % STEP + 0.05)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def client_for(app: App) -> TestClient:
    # The test settings have an https public URL, so cookies are Secure: talk https.
    return TestClient(create_app(app), base_url="https://testserver", follow_redirects=False)


def sign_in_as(
    client: TestClient, email: str, password: str = PASSWORD, next_path: str | None = None
) -> httpx.Response:
    """The password form, then (admins and reviewers) the authenticator code; the last answer."""
    token = csrf_of(client.get("/staff/login").text)
    data = {"email": email, "password": password, "csrf_token": token}
    if next_path is not None:
        data["next"] = next_path
    response = client.post("/staff/login", data=data)
    assert response.status_code == 303, response.text
    if response.headers["location"] == "/staff/login/code":
        token = csrf_of(client.get("/staff/login/code").text)
        data = {"code": totp_code(email), "csrf_token": token}
        response = client.post("/staff/login/code", data=data)
        assert response.status_code == 303, response.text
    return response


def signed_in(app: App, email: str, password: str = PASSWORD) -> TestClient:
    client = client_for(app)
    sign_in_as(client, email, password)
    return client
