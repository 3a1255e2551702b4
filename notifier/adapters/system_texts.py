"""The product's own texts: confirmation messages and the answers to SMS keywords, in Dutch and
English, under ``notifier/texts/<language>/``. They are not part of a CJG-authored programme:
they must be there whatever schedule is published."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from notifier.adapters.renderer import Email, Renderer

TEXTS = Path(__file__).resolve().parent.parent / "texts"
DEFAULT_LANGUAGE = "nl"


@lru_cache(maxsize=1)
def _texts() -> dict[str, dict[str, str]]:
    return {
        folder.name: {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.j2"))}
        for folder in sorted(TEXTS.iterdir())
        if folder.is_dir()
    }


@lru_cache(maxsize=1)
def _renderer() -> Renderer:
    return Renderer(_texts())


def _language(language: str, name: str) -> str:
    return language if name in _texts().get(language, {}) else DEFAULT_LANGUAGE


def languages() -> tuple[str, ...]:
    return tuple(_texts())


def sms(name: str, language: str, context: dict[str, Any]) -> str:
    """One SMS text (whitespace folded to single spaces), in ``language`` or else in Dutch."""
    template = f"{name}.sms.j2"
    return _renderer().sms(_language(language, template), template, context)


def email(name: str, language: str, context: dict[str, Any]) -> Email:
    template = f"{name}.email.j2"
    return _renderer().email(_language(language, template), template, context)


@lru_cache(maxsize=1)
def _labels() -> dict[str, dict[str, dict[str, str]]]:
    return {
        folder.name: yaml.safe_load((folder / "labels.yaml").read_text(encoding="utf-8"))
        for folder in sorted(TEXTS.iterdir())
        if (folder / "labels.yaml").is_file()
    }


def label(group: str, value: str | None, language: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """The word shown to people for an internal value (``label("message_status", "delivered")``
    is "bezorgd"), in ``language`` or else in Dutch; an unknown value is shown as it is."""
    if value is None:
        return ""
    for lang in (language, DEFAULT_LANGUAGE):
        word = _labels().get(lang, {}).get(group, {}).get(value)
        if word is not None:
            return word.format(**values) if values else word
    return value
