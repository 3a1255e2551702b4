"""The error hierarchy.

NotifierError
 +-- InputError           bad input from a person or a file: a clear message, nothing changed
 |    +-- ScheduleError   a schedule or template that does not validate
 +-- NotFound             an id that does not exist (or no longer exists)
"""

from __future__ import annotations


class NotifierError(Exception):
    """Base of every error the notifier raises on purpose."""


class InputError(NotifierError):
    """Input that cannot be accepted; the message is meant for the person who gave it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ScheduleError(InputError):
    """A programme that does not validate."""


class NotFound(NotifierError):
    """Something asked for by id does not exist."""
