"""Staff accounts and signed-in clients for tests of the /staff pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from notifier.adapters.db.engine import unit_of_work
from notifier.bootstrap import App
from notifier.entrypoints.web.app import create_app
from notifier.services.staff_accounts import create_user

PASSWORD = "correct horse battery staple"


def add_user(app: App, email: str, role: str, password: str = PASSWORD, name: str = "") -> None:
    with unit_of_work(app.factory) as session:
        create_user(session, email=email, role=role, password=password, name=name)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def client_for(app: App) -> TestClient:
    # The test settings have an https public URL, so cookies are Secure: talk https.
    return TestClient(create_app(app), base_url="https://testserver", follow_redirects=False)


def signed_in(app: App, email: str, password: str = PASSWORD) -> TestClient:
    client = client_for(app)
    token = csrf_of(client.get("/staff/login").text)
    response = client.post(
        "/staff/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.text
    return client
