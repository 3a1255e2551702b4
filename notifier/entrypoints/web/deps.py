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


# scope="function": the commit happens when the handler returns, before the response is sent.
# With the default ("request") it ran after, so the page a POST redirects to could be read
# before the change was committed (seen as "draft not found" right after creating one).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
