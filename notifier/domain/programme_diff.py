"""What changed between two programmes (a draft against the version in force), in words a
reviewer reads, and which steps or locations each change touches."""

from __future__ import annotations

from dataclasses import dataclass

from notifier.domain.programme import STEP_FIELDS, Channel, Programme, Step

_STEP_FIELDS = STEP_FIELDS[1:]  # all but the key
# Fields that change who gets a message, or when; the others only change the record.
TIMING_FIELDS = frozenset(
    {
        "anchor",
        "offset",
        "window",
        "channels",
        "age",
        "priority",
        "when",
        "first_child_only",
        "if_born_early",
    }
)


@dataclass(frozen=True, slots=True)
class Change:
    kind: str  # step-added | step-removed | step-changed | text | location | offer
    subject: str  # a step key, a language/template name, a location or offer key
    summary: str  # Dutch, for the reviewer
    step: str | None = None  # the step whose messages change, if one
    location: str | None = None  # the location whose families' messages change, if one
    language: str | None = None  # the text's language, for a text change
    before: str = ""
    after: str = ""


def _value(step: Step, name: str) -> str:
    value = getattr(step, name)
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def step_changes(old: Step, new: Step) -> list[str]:
    return [n for n in _STEP_FIELDS if _value(old, n) != _value(new, n)]


def diff(old: Programme, new: Programme) -> list[Change]:
    changes: list[Change] = []
    old_steps = {s.key: s for s in old.steps}
    new_steps = {s.key: s for s in new.steps}
    for key, step in new_steps.items():
        if key not in old_steps:
            changes.append(Change("step-added", key, f"Nieuwe stap {key}", step=key))
            continue
        fields = step_changes(old_steps[key], step)
        if fields:
            changes.append(
                Change(
                    "step-changed",
                    key,
                    f"Stap {key}: " + ", ".join(fields) + " gewijzigd",
                    step=key,
                    before="; ".join(f"{f}: {_value(old_steps[key], f)}" for f in fields),
                    after="; ".join(f"{f}: {_value(step, f)}" for f in fields),
                )
            )
    for key in old_steps:
        if key not in new_steps:
            changes.append(Change("step-removed", key, f"Stap {key} vervalt", step=key))
    for lang in sorted(set(old.templates) | set(new.templates)):
        before, after = old.templates.get(lang, {}), new.templates.get(lang, {})
        for name in sorted(set(before) | set(after)):
            if before.get(name) == after.get(name):
                continue
            key = name.split(".")[0]
            if key not in new_steps or key not in old_steps:
                continue  # part of adding or removing the step
            what = (
                "nieuwe vertaling"
                if name not in before
                else ("vertaling verwijderd" if name not in after else "tekst gewijzigd")
            )
            channel = Channel(name.split(".")[1]).value
            changes.append(
                Change(
                    "text",
                    f"{lang}/{name}",
                    f"Stap {key}, {channel} ({lang}): {what}",
                    step=key,
                    language=lang,
                    before=before.get(name, ""),
                    after=after.get(name, ""),
                )
            )
    for key in sorted(set(old.locations) | set(new.locations)):
        if old.locations.get(key) != new.locations.get(key):
            what = (
                "nieuw"
                if key not in old.locations
                else ("vervalt" if key not in new.locations else "gewijzigd")
            )
            changes.append(Change("location", key, f"Locatie {key}: {what}", location=key))
    old_offers = {o.key: o for o in old.offers}
    new_offers = {o.key: o for o in new.offers}
    for key in sorted(set(old_offers) | set(new_offers)):
        if old_offers.get(key) != new_offers.get(key):
            offer = new_offers.get(key) or old_offers[key]
            where = ", ".join(offer.locations) or "alle locaties"
            changes.append(Change("offer", key, f"Aanbod {key} ({where}) gewijzigd"))
    if old.default_location != new.default_location:
        changes.append(
            Change("location", "default", f"Standaardlocatie wordt {new.default_location}")
        )
    return changes
