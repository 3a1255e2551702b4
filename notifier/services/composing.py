"""Turning a planned message into the text that goes out (one template, both channels)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from notifier.adapters.renderer import Renderer
from notifier.domain.programme import Channel, Programme, template_name
from notifier.domain.segments import count_segments
from notifier.domain.sms_names import sms_with_names

_RENDERERS: dict[int, Renderer] = {}


@dataclass(frozen=True)
class Composed:
    text: str
    subject: str | None = None
    html: str | None = None

    @property
    def segments(self) -> int | None:
        return None if self.subject is not None else count_segments(self.text).segments


def renderer_for(programme: Programme) -> Renderer:
    key = id(programme.templates)
    if key not in _RENDERERS:
        _RENDERERS[key] = Renderer(programme.templates)
    return _RENDERERS[key]


def compose(
    programme: Programme, step_key: str, channel: Channel, language: str, context: dict[str, Any]
) -> Composed:
    name = template_name(step_key, channel)
    language = programme.template_language(language, name)
    renderer = renderer_for(programme)
    if channel is Channel.SMS:  # names in GSM-7 letters, or left out when they cost a segment
        return Composed(sms_with_names(lambda c: renderer.sms(language, name, c), context))
    email = renderer.email(language, name, context)
    return Composed(email.text, email.subject, email.html)
