"""A programme as canonical JSON (the content of a published version) and back."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from notifier.domain.offsets import Offset
from notifier.domain.programme import (
    Age,
    Anchor,
    Channel,
    IfBornEarly,
    Location,
    Offer,
    OfferKind,
    Priority,
    Programme,
    Step,
    Theme,
    When,
)


def offer_document(offer: Offer) -> dict[str, Any]:
    return {
        "key": offer.key,
        "kind": offer.kind.value,
        "name": offer.name,
        "url": offer.url,
        "details": dict(offer.details),
        "locations": list(offer.locations),
    }


def offer_from(item: dict[str, Any]) -> Offer:
    return Offer(
        key=item["key"],
        kind=OfferKind(item["kind"]),
        name=item["name"],
        url=item["url"],
        details=dict(item["details"]),
        locations=tuple(item["locations"]),
    )


def to_document(programme: Programme) -> dict[str, Any]:
    """The programme as plain data. ``offers`` is left out when there are none, so versions
    published before offers existed keep their content hash."""
    doc = _document(programme)
    if programme.offers:
        doc["offers"] = [offer_document(o) for o in programme.offers]
    return doc


def _document(programme: Programme) -> dict[str, Any]:
    return {
        "programme": programme.name,
        "steps": [
            {
                "key": s.key,
                "theme": s.theme.value,
                "anchor": s.anchor.value,
                "offset": str(s.offset),
                "window": str(s.window).lstrip("+"),
                "age": s.age.value,
                "channels": [c.value for c in s.channels],
                "priority": s.priority.value,
                "when": s.when.value if s.when else None,
                "first_child_only": s.first_child_only,
                "link": s.link,
                "source": s.source,
                "review_by": s.review_by.isoformat() if s.review_by else None,
                # only when not the default: versions published before it keep their hash
                **(
                    {"if_born_early": s.if_born_early.value}
                    if s.if_born_early is not IfBornEarly.CANCEL
                    else {}
                ),
            }
            for s in programme.steps
        ],
        "templates": programme.templates,
        "locations": {
            "default": programme.default_location,
            "items": [
                {
                    "key": loc.key,
                    "name": loc.name,
                    "address": loc.address,
                    "phone": loc.phone,
                    "url": loc.url,
                    "drop_in": loc.drop_in,
                    "languages": list(loc.languages),
                }
                for loc in programme.locations.values()
            ],
        },
    }


def dumps(programme: Programme) -> str:
    return json.dumps(
        to_document(programme), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def content_hash(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def loads(content: str) -> Programme:
    return from_document(json.loads(content))


def from_document(doc: dict[str, Any]) -> Programme:
    steps = tuple(
        Step(
            key=s["key"],
            theme=Theme(s["theme"]),
            anchor=Anchor(s["anchor"]),
            offset=Offset.parse(s["offset"]),
            window=Offset.parse(s["window"], signed=False),
            channels=tuple(Channel(c) for c in s["channels"]),
            age=Age(s["age"]),
            priority=Priority(s["priority"]),
            when=When(s["when"]) if s["when"] else None,
            first_child_only=s["first_child_only"],
            if_born_early=IfBornEarly(s.get("if_born_early", IfBornEarly.CANCEL.value)),
            link=s["link"],
            source=s["source"],
            review_by=date.fromisoformat(s["review_by"]) if s["review_by"] else None,
            order=i,
        )
        for i, s in enumerate(doc["steps"])
    )
    locations = {
        item["key"]: Location(
            item["key"],
            item["name"],
            item["address"],
            item["phone"],
            item["url"],
            dict(item["drop_in"]),
            tuple(item["languages"]),
        )
        for item in doc["locations"]["items"]
    }
    return Programme(
        doc["programme"],
        steps,
        {lang: dict(names) for lang, names in doc["templates"].items()},
        locations,
        doc["locations"]["default"],
        tuple(offer_from(o) for o in doc.get("offers", [])),
    )
