"""Odd input refused at the door, before any handler or the database sees it.

Every form sent to us (all POST forms go through the CSRF check, which calls ``check_form``),
every query string and path parameter (``check_query``, a dependency of the whole app) is
checked for what no person types: control characters (NUL first of all: PostgreSQL cannot
store it), over-long values, and a query string longer than any link of ours. The answer is
``BadInput``: a 400 page in plain words (or the API's JSON error), never a 500. Invalid UTF-8
is decoded with replacement characters by Starlette and then fails the fields' own checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from fastapi import Request

API = "/api/"
MAX_QUERY = 2048  # bytes of the whole query string; our own links use a few dozen
MAX_FIELD = 200_000  # characters of one form value (programme texts are the longest)
# C0 controls except tab, line feed and carriage return; DEL; C1 controls
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class BadInput(Exception):
    """Input no form or link of ours produces: answered with 400 and a page saying so."""


def check_values(values: Iterable[str]) -> None:
    for value in values:
        if len(value) > MAX_FIELD:
            raise BadInput("a value is too long")
        if _CONTROL.search(value):
            raise BadInput("a value holds control characters")


def check_form(items: Iterable[tuple[str, object]]) -> None:
    """Names and text values of a parsed form (uploaded files are not ours to read here)."""
    texts: list[str] = []
    for name, value in items:
        texts.append(name)
        if isinstance(value, str):
            texts.append(value)
    check_values(texts)


def check_query(request: Request) -> None:
    """A dependency of every route: the query string and the path's parameters. The partner
    API validates its own parameters against its OpenAPI document (an unknown id is a 404
    there): only the length of its query string is checked here."""
    raw = request.scope.get("query_string", b"")
    if len(raw) > MAX_QUERY:
        raise BadInput("the query string is too long")
    if request.scope["path"].startswith(API):
        return
    check_values(str(value) for value in request.path_params.values())
    if raw:
        check_form(request.query_params.multi_items())
