"""One JSON error shape for the partner API: ``{"error": {"code", "message", "field"}}``.

Errors raised inside an API operation (validation, authentication, our own errors) are turned
into that shape by the API's route class, so the HTML pages and webhooks keep their own; a
request to an ``/api/`` path that matches no operation gets it from a path-scoped handler."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from notifier.domain.errors import InputError, NotFound, ScheduleError
from notifier.entrypoints.web.input_checks import BadInput
from notifier.services.enrolment_api import Conflict

PREFIX = "/api/"
CODES = {
    400: "malformed_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "invalid_input",
    503: "unavailable",
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class ApiError(Exception):
    """An error an API operation answers with on purpose (401, 403...)."""

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.field, self.headers = status, message, field, headers


def error_response(
    status: int, message: str, field: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = ErrorBody(
        error=ErrorDetail(code=CODES.get(status, "error"), message=message, field=field)
    )
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _field(loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc[1:]] if loc and loc[0] in ("body", "path", "query") else []
    return ".".join(parts) or None


def _validation(exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    if first.get("type") == "json_invalid":
        return error_response(400, "the request body is not valid JSON")
    message = str(first.get("msg", "invalid request"))
    field = _field(tuple(first.get("loc", ())))
    return error_response(422, f"{field}: {message}" if field else message, field)


def as_response(exc: Exception) -> JSONResponse | None:
    """The API's answer to ``exc``, or None when it is not ours to answer."""
    if isinstance(exc, ApiError):
        return error_response(exc.status, exc.message, exc.field, exc.headers)
    if isinstance(exc, RequestValidationError):
        return _validation(exc)
    if isinstance(exc, BadInput):
        return error_response(400, str(exc))
    if isinstance(exc, ScheduleError):  # no programme published: the service is not ready
        return error_response(503, "the service is not ready: no programme is published")
    if isinstance(exc, InputError):
        return error_response(422, str(exc), exc.field)
    if isinstance(exc, NotFound):
        return error_response(404, str(exc))
    if isinstance(exc, Conflict):
        return error_response(409, str(exc))
    if isinstance(exc, StarletteHTTPException):
        return error_response(exc.status_code, str(exc.detail), headers=exc.headers)
    return None


class ApiRoute(APIRoute):
    """Every error inside an API operation answers in the API's error shape.

    The answer is made before FastAPI closes the request's dependencies: an operation that
    writes must hold its own ``unit_of_work`` (a session dependency would see no error and
    commit half a change)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                response = as_response(exc)
                if response is None:
                    raise
                return response

        return guarded


def install_not_found(app: FastAPI) -> None:
    """404/405 in the API's shape for ``/api/`` paths without an operation; other paths keep
    whatever handler the app had."""
    previous = app.exception_handlers.get(StarletteHTTPException, http_exception_handler)

    async def handle(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(PREFIX) and isinstance(exc, StarletteHTTPException):
            headers = dict(exc.headers or {})
            if exc.status_code == 405:  # Starlette names only the first matching route's methods
                headers["Allow"] = ", ".join(_allowed(app, request))
            return error_response(exc.status_code, str(exc.detail), headers=headers)
        result = previous(request, exc)
        return await result if inspect.isawaitable(result) else result

    app.add_exception_handler(StarletteHTTPException, handle)


def _allowed(app: FastAPI, request: Request) -> list[str]:
    methods: set[str] = set()
    for route in app.router.routes:
        if isinstance(route, APIRoute) and route.matches(request.scope)[0] is not Match.NONE:
            methods |= route.methods or set()
    return sorted(methods)


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        400: "The request body is not valid JSON",
        401: "No API key, or one that is unknown or revoked",
        403: "The API key lacks the scope this operation needs",
        404: "No such enrollment for this API key",
        409: "The enrollment's state does not allow this change",
        422: "Invalid input; `field` names what to correct; nothing was stored",
        503: "The service is not ready (no programme published)",
    }.items()
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: ERRORS[s] for s in statuses}
