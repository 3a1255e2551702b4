"""The FastAPI application: ``notifier serve``."""

from __future__ import annotations

from fastapi import FastAPI

from notifier.bootstrap import App, build
from notifier.entrypoints.web.request_id import RequestIdMiddleware
from notifier.entrypoints.web.routes import health, links, metrics, webhooks


def create_app(app: App | None = None) -> FastAPI:
    api = FastAPI(title="Kansrijke Start notifier", version="0.1.0", docs_url=None, redoc_url=None)
    api.state.notifier = app or build()
    api.include_router(health.router)
    api.include_router(webhooks.router)
    api.include_router(links.router)
    api.include_router(metrics.router)
    api.add_middleware(RequestIdMiddleware)
    return api
