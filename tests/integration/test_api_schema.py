"""The OpenAPI document tells the truth: schemathesis generates requests from it (valid and
invalid ones) against the app in-process, on PostgreSQL, with a live key, and checks every
answer against the document. No server errors, no undeclared status, no body off its schema."""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis

from notifier.bootstrap import App
from notifier.entrypoints.web.app import create_app
from tests.integration.api_support import api_client, bearer, make_keys

MAX_EXAMPLES = 30
ON_POSTGRES = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _schema(app: App, key: str, parameters: dict[str, str] | None = None):
    config = schemathesis.Config.from_dict(
        {
            "headers": bearer(key),
            "generation": {"max-examples": MAX_EXAMPLES},
            "parameters": parameters or {},
            # Data the schema allows may still break a rule that depends on today or on the
            # published programme (a due date more than 42 weeks ahead, a landline, an unknown
            # CJG location): that is a 422 naming the field, which the document declares.
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]
                }
            },
        }
    )
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(app), config=config)


@pytest.fixture
def api_schema(app):
    return _schema(app, make_keys(app).midwife)


@pytest.fixture
def api_schema_on_one_enrollment(app):
    """Every generated change lands on a real enrollment (random ids would all be 404)."""
    key = make_keys(app).midwife
    due = app.hours.today(app.now()) + timedelta(weeks=20)
    family = {"due_date": str(due), "recipients": [{"phone": "0612345678"}]}
    with api_client(app) as client:
        created = client.post("/api/v1/enrollments", json=family, headers=bearer(key))
    assert created.status_code == 201, created.text
    return _schema(app, key, {"enrollment_id": created.json()["id"]})


every_operation = schemathesis.pytest.from_fixture("api_schema").include(path_regex="^/api/")
changes = schemathesis.pytest.from_fixture("api_schema_on_one_enrollment").include(
    path_regex="^/api/", method=["GET", "PATCH"]
)


@ON_POSTGRES
@every_operation.parametrize()
def test_the_api_does_what_its_openapi_document_says(case):
    case.call_and_validate()


@ON_POSTGRES
@changes.parametrize()
def test_changes_to_a_real_enrollment_do_what_the_document_says(case):
    case.call_and_validate()
