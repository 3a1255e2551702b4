"""A partner API client on the wired app, and keys made the way an operator makes them."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from notifier.adapters.db.engine import unit_of_work
from notifier.bootstrap import App
from notifier.entrypoints.web.app import create_app
from notifier.services.api_keys import READ, WRITE, create_key


@dataclass(frozen=True)
class Keys:
    midwife: str  # read and write
    other_practice: str  # read and write, a different partner
    read_only: str
    write_only: str


def make_keys(app: App) -> Keys:
    with unit_of_work(app.factory) as session:
        made = [
            create_key(session, name, scopes)[1]
            for name, scopes in (
                ("Verloskundigenpraktijk West", [READ, WRITE]),
                ("Verloskundigen Oost", [READ, WRITE]),
                ("Dashboard", [READ]),
                ("Import", [WRITE]),
            )
        ]
    return Keys(*made)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def api_client(app: App) -> TestClient:
    return TestClient(create_app(app), raise_server_exceptions=True)
