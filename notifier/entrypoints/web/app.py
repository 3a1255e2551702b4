"""The FastAPI application: ``notifier serve``."""

from __future__ import annotations

import inspect
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from notifier.adapters.logs import configure_logging
from notifier.bootstrap import App, build
from notifier.entrypoints.web import api as partner_api
from notifier.entrypoints.web.body_limit import BodyLimitMiddleware
from notifier.entrypoints.web.csrf import CsrfError
from notifier.entrypoints.web.input_checks import check_query
from notifier.entrypoints.web.page_errors import install_input_errors
from notifier.entrypoints.web.pages import STATIC, render
from notifier.entrypoints.web.request_id import RequestIdMiddleware
from notifier.entrypoints.web.routes import (
    health,
    inbound_sms,
    links,
    metrics,
    parent_confirm,
    parent_preferences,
    parent_privacy,
    parent_signup,
    parent_unsubscribe,
    staff_audit,
    staff_enrol,
    staff_login,
    staff_preview,
    staff_programme,
    staff_users,
    webhooks,
)
from notifier.entrypoints.web.routes.staff_admin import router as admin_router
from notifier.entrypoints.web.routes.staff_families import router as families_router
from notifier.entrypoints.web.security_headers import SecurityHeadersMiddleware
from notifier.entrypoints.web.staff_alerts import StaffAlertsMiddleware
from notifier.entrypoints.web.staff_session import Forbidden, LoginRequired


def create_app(app: App | None = None) -> FastAPI:
    options: dict[str, Any] = {}
    if "telemetry" in inspect.signature(FastAPI).parameters:
        # FastAPI's own OpenTelemetry hooks look up providers on every request; our metrics are
        # Prometheus (/metrics), so they are off (a tenth of a status callback's CPU)
        options["telemetry"] = {"tracing": False, "metrics": False, "logs": False}
    api = FastAPI(
        title="Kansrijke Start notifier", version="0.1.0", docs_url=None, redoc_url=None,
        dependencies=[Depends(check_query)], **options
    )
    if app is None:  # a process of its own (`notifier serve --workers N`): set up its logs too
        app = build()
        configure_logging("web", app.settings.log_level)
    api.state.notifier = app
    api.mount("/static", StaticFiles(directory=STATIC), name="static")
    api.include_router(health.router)
    api.include_router(webhooks.router)
    api.include_router(links.router)
    api.include_router(staff_login.router)
    api.include_router(staff_audit.router)
    api.include_router(staff_enrol.router)
    api.include_router(staff_programme.router)
    api.include_router(staff_preview.router)
    api.include_router(staff_users.router)
    api.include_router(families_router)
    api.include_router(admin_router)
    api.include_router(parent_signup.router)
    api.include_router(parent_privacy.router)
    api.include_router(parent_confirm.router)
    api.include_router(parent_preferences.router)
    api.include_router(parent_unsubscribe.router)
    _install_page_errors(api)
    install_input_errors(api)
    api.include_router(inbound_sms.router)
    partner_api.install(api)
    api.include_router(metrics.router)
    api.add_middleware(webhooks.StatusCallbacksFirst)  # inside the request id, outside the rest
    api.add_middleware(BodyLimitMiddleware)  # outside whatever reads a body
    api.add_middleware(RequestIdMiddleware)
    api.add_middleware(StaffAlertsMiddleware)
    api.add_middleware(SecurityHeadersMiddleware)  # on every answer, 413s included
    return api


def _install_page_errors(api: FastAPI) -> None:
    @api.exception_handler(LoginRequired)
    def login_required(request: Request, exc: LoginRequired) -> Response:
        if exc.wants_html:
            target = "/staff/login?next=" + quote(exc.next_path, safe="/")
            return RedirectResponse(target, status_code=303)
        return JSONResponse({"error": {"code": "not_signed_in", "message": "sign in first"}}, 401)

    @api.exception_handler(Forbidden)
    def forbidden(request: Request, exc: Forbidden) -> Response:
        context = {
            "title": "Geen toegang",
            "message": "Uw rol geeft geen toegang tot deze pagina. Vraag een beheerder als u "
            "denkt dat dit niet klopt.",
            "back": "/staff",
            "back_label": "Terug naar de startpagina",
        }
        return render(request, "error.html", context, status_code=403)

    @api.exception_handler(CsrfError)
    def csrf_failed(request: Request, exc: CsrfError) -> Response:
        english = request.url.path.startswith("/en/")
        context = (
            {
                "title": "This form has expired",
                "message": "For your safety the form could not be sent. Go back, reload the "
                "page and try again.",
                "back": request.url.path,
                "back_label": "Back to the form",
            }
            if english
            else {
                "title": "Dit formulier is verlopen",
                "message": "Voor uw veiligheid is het formulier niet verstuurd. Ga terug, laad "
                "de pagina opnieuw en probeer het nog eens.",
                "back": request.url.path,
                "back_label": "Terug naar het formulier",
            }
        )
        return render(request, "error.html", context, status_code=403,
                      lang="en" if english else "nl")
