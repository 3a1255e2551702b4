"""Structured JSON logs for every process (web, worker, scheduler, CLI), masked.

``configure_logging(component)`` is the one place logging is set up. Our own code logs through
structlog (``get_logger``); everything else (uvicorn, Celery, APScheduler, the Twilio client)
logs through the standard library, whose records are rendered by the same processor chain. The
last processor before rendering masks phone numbers and email addresses in the event and in every
string field, whoever wrote it.

Context travels in contextvars: ``request_id`` (web middleware), ``task_id`` (Celery signals),
``message_id`` (``message_context`` in delivery), so one message can be followed end to end.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from notifier.domain.masking import mask_value

_HANDLER_NAME = "notifier-json"


def mask_personal_data(_logger: WrappedLogger, _method: str, event: EventDict) -> EventDict:
    """structlog processor: phone numbers and email addresses masked in every field."""
    return {key: mask_value(value) for key, value in event.items()}


def _drop_color_message(_logger: WrappedLogger, _method: str, event: EventDict) -> EventDict:
    event.pop("color_message", None)  # uvicorn's duplicate of the message with ANSI codes
    return event


def _shared(component: str) -> list[Processor]:
    def add_component(_l: WrappedLogger, _m: str, event: EventDict) -> EventDict:
        event.setdefault("component", component)
        return event

    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_component,
    ]


def configure_logging(
    component: str, level: str | int = "INFO", stream: IO[str] | None = None
) -> None:
    """JSON lines on ``stream`` (stderr) for this process; safe to call again (it replaces)."""
    shared = _shared(component)
    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _drop_color_message,
            structlog.processors.format_exc_info,
            mask_personal_data,  # last before rendering: tracebacks are masked too
            structlog.processors.JSONRenderer(default=str),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):  # ours from an earlier call, and a default StreamHandler
        if old.get_name() == _HANDLER_NAME or type(old) is logging.StreamHandler:
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else level.upper())
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error", "celery", "apscheduler"):
        named = logging.getLogger(name)
        named.handlers.clear()
        named.propagate = True


def get_logger(name: str) -> Any:
    """A structlog logger: ``log.info("message.sent", status=..., ...)``."""
    return structlog.stdlib.get_logger(name)


@contextmanager
def bound(**values: Any) -> Iterator[None]:
    """Adds ``values`` to every log event in this block (this thread/task only)."""
    with structlog.contextvars.bound_contextvars(**values):
        yield


def bind(**values: Any) -> None:
    structlog.contextvars.bind_contextvars(**values)


def clear_context() -> None:
    structlog.contextvars.clear_contextvars()
