"""Issue 16, weaknesses 5, 6 and 7, attacked through HTTP against uvicorn serving the app the
way `notifier serve` does (tests/integration/delivery_support.serve_web, same options).

5: a client's own X-Forwarded-For does not reset the per-IP sign-up limit; a proxy named in
   NOTIFIER_TRUSTED_PROXIES is believed. 6: NUL bytes, control characters, an oversized query
   and invalid UTF-8 get a 400 page, never a 500 or a trace. 7: the security headers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from notifier.adapters.db.engine import unit_of_work
from notifier.bootstrap import App, build
from notifier.services.publishing import publish
from tests.conftest import make_settings
from tests.integration.delivery_support import free_port, serve_web
from tests.integration.parent_pages_support import enrolled, families, form, prefs_path
from tests.integration.staff_support import csrf_of

PUBLIC_FORMS = ("/aanmelden", "/en/signup", "/bevestig", "/p")


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """PostgreSQL: the database that cannot store a NUL byte."""
    return postgres_url


@contextmanager
def served(database_url, tmp_path, programme, **settings) -> Iterator[tuple[App, httpx.Client]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = make_settings(database_url, tmp_path / "var").model_copy(update={
        "public_url": base, "secret_key": f"test-{uuid.uuid4().hex}", **settings})
    app = build(config)
    with unit_of_work(app.factory) as session:
        publish(session, programme, "tests")
    with serve_web(app, port), httpx.Client(base_url=base, timeout=10) as client:
        yield app, client
    app.engine.dispose()


@pytest.fixture
def site(database_url, tmp_path, mini_programme) -> Iterator[tuple[App, httpx.Client]]:
    with served(database_url, tmp_path, mini_programme) as pair:
        yield pair


def sign_up(client: httpx.Client, app: App, phone: str, forwarded: str | None) -> int:
    token = csrf_of(client.get("/aanmelden").text)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    data = {**form(app, phone=phone), "csrf_token": token}
    return client.post("/aanmelden", data=data, headers=headers).status_code


# -- 5: X-Forwarded-For ----------------------------------------------------------------------

def test_a_client_cannot_reset_the_per_ip_limit_with_its_own_forwarded_for(
    database_url, tmp_path, mini_programme
):
    with served(database_url, tmp_path, mini_programme, signup_per_ip_per_hour=2) as (app, c):
        answers = [sign_up(c, app, f"06 123456{n:02}", f"203.0.113.{n}") for n in range(1, 5)]
    assert answers == [303, 303, 429, 429]  # every new "client" was the same address


def test_a_trusted_proxy_names_the_client(database_url, tmp_path, mini_programme):
    with served(database_url, tmp_path, mini_programme, signup_per_ip_per_hour=2,
                trusted_proxies=["127.0.0.0/8"]) as (app, c):
        others = [sign_up(c, app, f"06 123457{n:02}", f"203.0.113.{n}") for n in range(1, 5)]
        same = [sign_up(c, app, f"06 123458{n:02}", "198.51.100.7") for n in range(1, 4)]
        https = c.get("/aanmelden", headers={"X-Forwarded-Proto": "https"})
    assert others == [303, 303, 303, 303]  # four parents behind the proxy
    assert same == [303, 303, 429]  # one parent's address is limited
    assert https.headers["Strict-Transport-Security"].startswith("max-age=")


def test_forwarded_proto_from_an_untrusted_client_gives_no_hsts(site):
    _, client = site
    response = client.get("/aanmelden", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


# -- 6: odd input ----------------------------------------------------------------------------

def assert_friendly(response: httpx.Response, status: int = 400) -> None:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>" in response.text
    for trace in ("Traceback", "File \"", "Error:", "psycopg", "sqlalchemy"):
        assert trace not in response.text


def post_form(client: httpx.Client, path: str, data: dict[str, str], page: str | None = None):
    token = csrf_of(client.get(page or path).text)
    return client.post(path, data={**data, "csrf_token": token})


@pytest.mark.parametrize("field", ["first_name", "child_name", "phone", "email", "due_date",
                                   "location", "agree"])
def test_a_nul_byte_in_the_sign_up_form_gets_a_400_page_and_stores_nothing(site, field):
    app, client = site
    data = {**form(app, email="ouder@example.org", channels="email"), field: "Sa\x00nne"}
    assert_friendly(post_form(client, "/aanmelden", data))
    assert families(app) == 0


def test_nul_bytes_in_the_confirm_and_link_forms_get_a_400_page(site):
    _, client = site
    assert_friendly(post_form(client, "/bevestig", {"phone": "0612345678", "code": "12\x003456"}))
    assert_friendly(post_form(client, "/en/confirm", {"phone": "06\x0012345678", "code": "1"}))
    assert_friendly(post_form(client, "/p", {"phone": "0612345678\x00"}))


def test_a_nul_byte_in_the_preferences_form_changes_nothing(site):
    app, client = site
    path = prefs_path(app, enrolled(app, phone="0612345678"))
    before = client.get(path).text
    for action, data in (("instellingen", {"first_name": "Nieuw\x00"}),
                         ("ouder-erbij", {"phone": "06\x0087654321", "first_name": "Sam"}),
                         ("pauze", {"weeks": "2\x00"})):
        assert_friendly(post_form(client, f"{path}/{action}", data, page=path))
    assert "Nieuw" not in client.get(path).text
    assert client.get(path).text.count("Sanne") == before.count("Sanne")


def test_control_characters_and_invalid_utf8_get_a_400_page(site):
    _, client = site
    token = csrf_of(client.get("/aanmelden").text)
    raw = b"csrf_token=" + token.encode() + b"&first_name=%01%1b&phone=%FF%FE\xff"
    response = client.post("/aanmelden", content=raw,
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert_friendly(response)
    assert_friendly(client.get("/bevestig/abc%00def"))
    assert_friendly(client.get("/u/abc", params={"lang": "nl\x00"}))


@pytest.mark.parametrize("path", ["/aanmelden", "/en/signup", "/bevestig", "/p", "/u/abc",
                                  "/k/abc", "/p/abc", "/staff/login"])
def test_an_oversized_query_parameter_gets_a_400_page(site, path):
    _, client = site
    assert_friendly(client.get(path, params={"lang": "x" * 20_000}))


def test_an_oversized_query_to_the_api_gets_the_api_error(site):
    _, client = site
    response = client.get("/api/v1/enrollments/abc", params={"x": "y" * 20_000})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


# -- 7: security headers ---------------------------------------------------------------------

def test_every_page_has_a_strict_csp_and_frame_protection(site):
    app, client = site
    pages = ["/aanmelden", "/en/signup", "/bevestig", "/p", "/staff/login",
             prefs_path(app, enrolled(app, phone="0612345678")), "/bevestig/whatever", "/u/x"]
    for path in pages:
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp, path
        assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp, path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "no-referrer", path
        assert headers["Cache-Control"] == "no-store", path
        assert "Strict-Transport-Security" not in headers, path  # plain HTTP here
        assert "server" not in headers, path


def test_the_pages_carry_no_inline_script_or_style(site):
    app, client = site
    for path in ("/aanmelden", "/bevestig", "/p", prefs_path(app, enrolled(app, phone=None))):
        text = client.get(path).text
        assert "<script>" not in text and "<style" not in text and " style=" not in text, path


def test_api_answers_are_not_stored_and_static_files_are_not_sniffed(site):
    _, client = site
    api = client.get("/api/v1/enrollments/abc")
    assert api.status_code == 401 and api.headers["Cache-Control"] == "no-store"
    short = client.get("/k/1.9f.03jmxmzf24")
    assert short.headers["Cache-Control"] == "no-store"
    css = client.get("/static/site.css")
    assert css.status_code == 200 and css.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in css.headers.get("Cache-Control", "")


# -- 6: the last net -------------------------------------------------------------------------

def test_an_unexpected_error_is_a_plain_500_page_without_a_trace(database_url, tmp_path):
    """A route that fails as our code never should: the visitor sees a short page in Dutch
    (or the API's JSON error), not the exception; the error report in the log has the
    traceback with the link token and the phone number masked."""
    import io
    import threading
    import time

    import uvicorn

    from notifier.adapters.logs import configure_logging
    from notifier.entrypoints.web.app import create_app
    from notifier.entrypoints.web.server import uvicorn_options

    app = build(make_settings(database_url, tmp_path / "var"))
    api = create_app(app)
    token = "eyJyIjoxfQ.axT4kw.9thqbFLndz448jZHVs7LXC1Qlf0"

    def boom() -> None:
        raise RuntimeError(f"secret detail: https://ks.example/p/{token} 0612345678")

    api.add_api_route("/kapot", boom)
    api.add_api_route("/api/v1/kapot", boom)
    port = free_port()
    log = io.StringIO()
    configure_logging("test", "INFO", stream=log)
    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port, lifespan="off",
                                           log_config=None, **uvicorn_options(app.settings)))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        page = httpx.get(f"http://127.0.0.1:{port}/kapot")
        api_answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/kapot")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.engine.dispose()
        configure_logging("test", "WARNING")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Er ging iets mis bij ons" in page.text
    for leaked in ("RuntimeError", "secret detail", "Traceback", "0612345678"):
        assert leaked not in page.text and leaked not in api_answer.text
    assert api_answer.status_code == 500
    assert api_answer.json()["error"]["message"] == "an unexpected error occurred"
    report = log.getvalue()
    assert "RuntimeError" in report and "/p/***" in report  # the report is there, masked
    assert token not in report and "0612345678" not in report
