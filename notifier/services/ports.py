"""What the services need from the outside world, declared here on the services' side: the
composition root (``notifier.bootstrap``) builds it, and nothing under ``services/`` imports
``bootstrap`` or ``entrypoints``. Wiring flows one way: entrypoints -> bootstrap -> services.

Who owns a transaction: a service function that takes a ``Session`` runs inside its caller's
unit of work and never commits; one that takes a ``Runtime`` (or a session factory) opens its own
units of work (``adapters.db.engine.unit_of_work``), one per step that must be durable before the
next (for example, committed before a message is handed to a broker).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from notifier.adapters.channels.base import Channel
from notifier.config import Settings
from notifier.domain.planner import CapRule
from notifier.domain.timing import SendHours

if TYPE_CHECKING:
    from notifier.services.delivery import SendContext


class Runtime(Protocol):
    """The wired application as the services see it."""

    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    hours: SendHours
    cap: CapRule

    @property
    def channels(self) -> Mapping[str, Channel]: ...

    def now(self) -> datetime: ...

    def send_context(self, clock: Callable[[], datetime] | None = None) -> SendContext: ...
