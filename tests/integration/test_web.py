"""Health, readiness and the short links in SMS."""

from __future__ import annotations

from fastapi.testclient import TestClient

from notifier.bootstrap import build
from notifier.entrypoints.web.app import create_app
from tests.integration.delivery_support import free_port


def test_healthz_and_readyz_answer_when_the_database_is_there(app):
    client = TestClient(create_app(app))
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"ready": True, "database": "ok"}


def test_readyz_is_503_when_the_broker_is_down(app):
    down = build(app.settings.model_copy(
        update={"broker_url": f"redis://127.0.0.1:{free_port()}/0"}))
    response = TestClient(create_app(down)).get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["broker"].startswith("unavailable")
    down.engine.dispose()


def test_a_short_link_leads_to_the_steps_page_and_an_unknown_one_is_404(app):
    client = TestClient(create_app(app), follow_redirects=False)
    response = client.get("/i/kraamzorg")
    assert response.status_code == 302
    assert response.headers["location"] == "https://www.cjgdenhaag.nl/kraamzorg"
    assert client.get("/i/bestaat-niet").status_code == 404
