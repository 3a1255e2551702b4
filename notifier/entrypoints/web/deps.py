"""Typed dependencies shared by the routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from notifier.adapters.db.engine import unit_of_work
from notifier.bootstrap import App


def get_app(request: Request) -> App:
    app: App = request.app.state.notifier
    return app


AppDep = Annotated[App, Depends(get_app)]


def get_session(app: AppDep) -> Iterator[Session]:
    """One unit of work per request: committed when the handler returns without error."""
    with unit_of_work(app.factory) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
