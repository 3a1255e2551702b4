"""``Authorization: Bearer <key>``: 401 without a live key, 403 without the scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from notifier.adapters.db.engine import unit_of_work
from notifier.entrypoints.web.api.errors import ApiError
from notifier.entrypoints.web.deps import AppDep
from notifier.services.api_keys import authenticate
from notifier.services.enrolment_api import Partner

bearer = HTTPBearer(
    auto_error=False,
    description="An API key from `notifier apikeys create`, as `Authorization: Bearer <key>`.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _partner(app: AppDep, credentials: Credentials) -> Partner:
    """Checked in a transaction of its own, so ``last_used_at`` is kept whatever follows."""
    if credentials is None:
        raise ApiError(401, "send an API key as `Authorization: Bearer <key>`", headers=CHALLENGE)
    with unit_of_work(app.factory) as session:
        key = authenticate(session, credentials.credentials, app.now())
        if key is None:
            raise ApiError(401, "this API key is unknown or revoked", headers=CHALLENGE)
        return Partner(key.id, key.name, tuple(key.scope_list))


def require(scope: str) -> Callable[..., Partner]:
    def check(partner: Annotated[Partner, Depends(_partner)]) -> Partner:
        if scope not in partner.scopes:
            raise ApiError(403, f"this API key lacks the scope {scope!r}")
        return partner

    return check
