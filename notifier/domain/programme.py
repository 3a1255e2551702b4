"""The programme: steps (when to nudge about what), their texts, and the CJG locations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from notifier.domain.offsets import Offset


class Theme(StrEnum):
    POSTNATAL = "postnatal"
    FEEDING = "feeding"
    SLEEP = "sleep"
    DEVELOPMENT = "development"
    BOUNDARIES = "boundaries"
    HEALTH = "health"
    FIRST_AID = "first-aid"
    BALANCE = "balance"
    REGISTRATION = "registration"
    NETWORK = "network"
    LOSS = "loss"


class Anchor(StrEnum):
    DUE_DATE = "due_date"
    BIRTH_DATE = "birth_date"
    LOSS = "loss"


class Age(StrEnum):
    CALENDAR = "calendar"
    CORRECTED = "corrected"


class Priority(StrEnum):
    DEADLINE = "deadline"
    NORMAL = "normal"


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class When(StrEnum):
    EXPECTING = "expecting"
    BORN = "born"


DEFAULT_LANGUAGE = "nl"


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    theme: Theme
    anchor: Anchor
    offset: Offset
    window: Offset
    channels: tuple[Channel, ...]
    age: Age = Age.CALENDAR
    priority: Priority = Priority.NORMAL
    when: When | None = None
    first_child_only: bool = False
    link: str = ""
    source: str = ""
    review_by: date | None = None
    order: int = 0  # position in the file; ties in timing are broken by it


@dataclass(frozen=True, slots=True)
class Location:
    key: str
    name: str
    address: str
    phone: str
    url: str
    drop_in: dict[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = (DEFAULT_LANGUAGE,)


@dataclass(frozen=True, slots=True)
class Programme:
    """A complete programme as published: steps, template sources and locations."""

    name: str
    steps: tuple[Step, ...]
    templates: dict[str, dict[str, str]]  # language -> template name -> source
    locations: dict[str, Location]
    default_location: str

    def step(self, key: str) -> Step:
        for step in self.steps:
            if step.key == key:
                return step
        raise KeyError(key)

    @property
    def languages(self) -> tuple[str, ...]:
        langs = set(self.templates) | {DEFAULT_LANGUAGE}
        return (DEFAULT_LANGUAGE, *sorted(langs - {DEFAULT_LANGUAGE}))

    def location(self, key: str | None) -> Location:
        return self.locations.get(key or "", self.locations[self.default_location])

    def template_language(self, language: str, name: str) -> str:
        """The language a template will actually be rendered in (Dutch is the fallback)."""
        if name in self.templates.get(language, {}):
            return language
        return DEFAULT_LANGUAGE


def template_name(step_key: str, channel: Channel) -> str:
    return f"{step_key}.{channel.value}.j2"
