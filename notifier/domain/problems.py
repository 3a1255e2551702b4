"""Validation problems, reported as ``file:line: severity: message``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    path: str
    line: int
    severity: str  # "error" | "warning"
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def error(path: str, line: int, message: str) -> Problem:
    return Problem(path, line, "error", message)


def warning(path: str, line: int, message: str) -> Problem:
    return Problem(path, line, "warning", message)
