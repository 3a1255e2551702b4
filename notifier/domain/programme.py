"""The programme: steps (when to nudge about what), their texts, and the CJG locations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from notifier.domain.offsets import Offset

# A step's fields in a schedule file, in the order the editor's form and the docs show them.
STEP_FIELDS = (
    "key",
    "theme",
    "anchor",
    "offset",
    "window",
    "age",
    "channels",
    "priority",
    "when",
    "first_child_only",
    "if_born_early",
    "link",
    "source",
    "review_by",
)


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
    PRETERM = "preterm"  # born before 37 weeks
    RSV_SEASON = "rsv_season"  # born from October to March: the RSV jab comes within 2 weeks


class IfBornEarly(StrEnum):
    """What happens to a pregnancy step (anchor due_date) not yet sent when the child is born:
    cancel it (the default), or move it to the birth date, same window length (a step that still
    matters after birth: safe sleep, the first days)."""

    CANCEL = "cancel"
    MOVE = "move"


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
    if_born_early: IfBornEarly = IfBornEarly.CANCEL
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


class OfferKind(StrEnum):
    """The kinds of local offer a template can name, as ``offer.<kind>``."""

    COURSE = "course"  # a course for the first weeks
    WEBINAR = "webinar"  # evening webinars
    MEETUP = "meetup"  # parent meetups
    FIRST_AID = "first_aid"  # EHBO for babies and toddlers


@dataclass(frozen=True, slots=True)
class Offer:
    """A local offer (course, webinar, meetup, first aid) at some or all CJG locations."""

    key: str
    kind: OfferKind
    name: str
    url: str
    details: dict[str, str] = field(default_factory=dict)  # language -> when and where
    locations: tuple[str, ...] = ()  # empty: every location

    def available_at(self, location: str) -> bool:
        return not self.locations or location in self.locations


@dataclass(frozen=True, slots=True)
class Programme:
    """A complete programme as published: steps, template sources and locations."""

    name: str
    steps: tuple[Step, ...]
    templates: dict[str, dict[str, str]]  # language -> template name -> source
    locations: dict[str, Location]
    default_location: str
    offers: tuple[Offer, ...] = ()

    def offers_at(self, location: str) -> dict[OfferKind, Offer]:
        """Per kind, the offer a family at ``location`` reads: its own location's offer before
        a city-wide one, the first listed when there are several."""
        chosen: dict[OfferKind, Offer] = {}
        for offer in sorted(self.offers, key=lambda o: not o.locations):
            if offer.available_at(location):
                chosen.setdefault(offer.kind, offer)
        return chosen

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


def step_title(programme: Programme, step_key: str, language: str) -> str:
    """What people call a step: the subject of its email in ``language`` (else Dutch), or its key
    when the step has no email text."""
    name = template_name(step_key, Channel.EMAIL)
    source = programme.templates.get(programme.template_language(language, name), {}).get(name)
    first = source.split("\n", 1)[0] if source else ""
    if first.startswith("Subject:") and "{" not in first:
        return first.removeprefix("Subject:").strip()
    return step_key
