"""The partner JSON API under ``/api/v1`` (see README, "Partner API")."""

from __future__ import annotations

from fastapi import FastAPI

from notifier.entrypoints.web.api import enrollments
from notifier.entrypoints.web.api.errors import install_not_found


def install(app: FastAPI) -> None:
    app.include_router(enrollments.router)
    install_not_found(app)
