"""Reading a programme from files: ``schedules/*.yaml``, ``schedules/locations.yaml`` and
``templates/<language>/*.j2``. Every problem is reported with its file and line."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from notifier.domain.errors import InputError
from notifier.domain.offsets import Offset
from notifier.domain.problems import Problem, error
from notifier.domain.programme import (
    STEP_FIELDS,
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

LOCATIONS_FILE = "locations.yaml"
OFFERS_FILE = "offers.yaml"  # optional: local offers (courses, webinars, meetups, first aid)
NOT_STEPS = (LOCATIONS_FILE, OFFERS_FILE)
REQUIRED_STEP_FIELDS = (
    "key",
    "theme",
    "anchor",
    "offset",
    "window",
    "channels",
    "link",
    "source",
    "review_by",
)
LOCATION_FIELDS = {"key", "name", "address", "phone", "url", "drop_in", "languages"}
OFFER_FIELDS = {"key", "kind", "name", "url", "details", "locations"}
_AFTER_BIRTH = (When.PRETERM, When.RSV_SEASON)  # conditions on how the child was born
_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LINE = "__line__"


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    lines: dict[str, int] = {}
    duplicates: list[tuple[str, int]] = []
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode):
            if str(key.value) in lines:
                duplicates.append((str(key.value), key.start_mark.line + 1))
            lines.setdefault(str(key.value), key.start_mark.line + 1)
    mapping["__lines__"] = lines
    mapping["__duplicates__"] = duplicates
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class LoadedProgramme:
    programme: Programme | None
    problems: list[Problem]
    step_lines: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> (file, line)
    template_files: dict[tuple[str, str], str] = field(default_factory=dict)  # (lang, name)->path


def _suggest(value: str, options: list[str]) -> str:
    close = difflib.get_close_matches(str(value), options, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (one of: {', '.join(options)})"


def _enum(cls: type, value: Any, what: str) -> Any:
    options = [m.value for m in cls]  # type: ignore[attr-defined]
    if value not in options:
        raise InputError(f"unknown {what} {value!r}{_suggest(value, options)}")
    return cls(value)


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        line = (exc.problem_mark.line + 1) if exc.problem_mark else 1
        problems.append(error(str(path), line, f"YAML syntax: {exc.problem}"))
    except (OSError, yaml.YAMLError) as exc:
        problems.append(error(str(path), 1, f"cannot read: {exc}"))
    return None


def parse_step(raw: dict[str, Any], order: int, path: str, problems: list[Problem]) -> Step | None:
    """One step from its YAML mapping; problems are appended, None when it cannot be built."""
    line = raw.get(_LINE, 1)
    lines: dict[str, int] = raw.get("__lines__", {})
    before = len(problems)

    def bad(fieldname: str, message: str) -> None:
        problems.append(error(path, lines.get(fieldname, line), message))

    for name, at in raw.get("__duplicates__", []):
        problems.append(error(path, at, f"field {name!r} is given twice in this step"))
    for name in raw:
        if name in (_LINE, "__lines__", "__duplicates__"):
            continue
        if name not in STEP_FIELDS:
            bad(name, f"unknown field {name!r}{_suggest(name, sorted(STEP_FIELDS))}")
    for name in REQUIRED_STEP_FIELDS:
        if raw.get(name) in (None, "", []):
            bad(name, f"step {raw.get('key', '?')!r} has no {name!r}")
    key = str(raw.get("key", ""))
    if key and not _KEY.match(key):
        bad("key", f"bad key {key!r}: use lower-case letters, digits and dashes")
    values: dict[str, Any] = {}
    conversions: list[tuple[str, Any]] = [
        ("theme", lambda v: _enum(Theme, v, "theme")),
        ("anchor", lambda v: _enum(Anchor, v, "anchor")),
        ("age", lambda v: _enum(Age, v, "age")),
        ("priority", lambda v: _enum(Priority, v, "priority")),
        ("when", lambda v: _enum(When, v, "condition 'when'")),
        ("offset", lambda v: Offset.parse(str(v))),
        ("window", lambda v: Offset.parse(str(v), signed=False)),
        ("channels", _channels),
        ("review_by", _date),
        ("first_child_only", _bool),
        ("if_born_early", lambda v: _enum(IfBornEarly, v, "if_born_early")),
    ]
    for name, convert in conversions:
        if raw.get(name) is None:
            continue
        try:
            values[name] = convert(raw[name])
        except InputError as exc:
            bad(name, str(exc))
    window = values.get("window")
    if window is not None and window.approx_days() < 1:
        bad("window", f"window {raw['window']!r} is shorter than a day")
    if values.get("age") is Age.CORRECTED and values.get("anchor") is not Anchor.BIRTH_DATE:
        bad("age", "corrected age needs anchor birth_date")
    moves = values.get("if_born_early") is IfBornEarly.MOVE
    if moves and values.get("anchor") is not Anchor.DUE_DATE:
        bad("if_born_early", "if_born_early: move needs anchor due_date (a pregnancy step)")
    if values.get("when") in _AFTER_BIRTH and values.get("anchor") is not Anchor.BIRTH_DATE:
        bad("when", f"when: {raw['when']} needs anchor birth_date")
    if (values.get("anchor") is Anchor.LOSS) != (values.get("theme") is Theme.LOSS):
        bad("anchor", "a loss message needs both theme loss and anchor loss")
    link = raw.get("link")
    if link and not str(link).startswith("https://"):
        bad("link", f"link {link!r} must be an https:// address")
    if len(problems) > before:
        return None
    return Step(
        key=key,
        theme=values["theme"],
        anchor=values["anchor"],
        offset=values["offset"],
        window=values["window"],
        channels=values["channels"],
        age=values.get("age", Age.CALENDAR),
        priority=values.get("priority", Priority.NORMAL),
        when=values.get("when"),
        first_child_only=values.get("first_child_only", False),
        if_born_early=values.get("if_born_early", IfBornEarly.CANCEL),
        link=str(raw["link"]),
        source=str(raw["source"]),
        review_by=values["review_by"],
        order=order,
    )


def _channels(value: Any) -> tuple[Channel, ...]:
    items = value if isinstance(value, list) else [value]
    channels = tuple(_enum(Channel, v, "channel") for v in items)
    if len(set(channels)) != len(channels):
        raise InputError("a channel is listed twice")
    return channels


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"bad date {value!r}: use YYYY-MM-DD") from None


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"expected true or false, got {value!r}")
    return value


def parse_location(raw: dict[str, Any], path: str, problems: list[Problem]) -> Location | None:
    line = raw.get(_LINE, 1)
    before = len(problems)
    for name in raw:
        if name not in LOCATION_FIELDS and name not in (_LINE, "__lines__", "__duplicates__"):
            problems.append(
                error(
                    path,
                    line,
                    f"unknown location field {name!r}{_suggest(name, sorted(LOCATION_FIELDS))}",
                )
            )
    for name in ("key", "name", "phone", "url"):
        if not raw.get(name):
            problems.append(error(path, line, f"location {raw.get('key', '?')!r} has no {name!r}"))
    drop_in = raw.get("drop_in") or {}
    if not isinstance(drop_in, dict):
        problems.append(error(path, line, "drop_in must map a language to a text"))
        drop_in = {}
    if len(problems) > before:
        return None
    return Location(
        key=str(raw["key"]),
        name=str(raw["name"]),
        address=str(raw.get("address", "")),
        phone=str(raw["phone"]),
        url=str(raw["url"]),
        drop_in={str(k): str(v) for k, v in drop_in.items() if not str(k).startswith("__")},
        languages=tuple(raw.get("languages") or ("nl",)),
    )


def read_templates(root: Path) -> tuple[dict[str, dict[str, str]], dict[tuple[str, str], str]]:
    templates: dict[str, dict[str, str]] = {}
    files: dict[tuple[str, str], str] = {}
    if root.is_dir():
        for path in sorted(root.glob("*/*.j2")):
            lang = path.parent.name
            templates.setdefault(lang, {})[path.name] = path.read_text(encoding="utf-8")
            files[(lang, path.name)] = str(path)
    return templates, files


def load_programme(schedules: Path, templates_dir: Path) -> LoadedProgramme:
    """Read a programme; structural problems are collected, not raised."""
    problems: list[Problem] = []
    files = (
        [schedules]
        if schedules.is_file()
        else sorted(p for p in schedules.glob("*.yaml") if p.name not in NOT_STEPS)
    )
    if not files:
        problems.append(error(str(schedules), 1, "no schedule files (*.yaml) found"))
    steps: list[Step] = []
    step_lines: dict[str, tuple[str, int]] = {}
    names: set[str] = set()
    for path in files:
        doc = _read_yaml(path, problems)
        if doc is None:
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list):
            problems.append(error(str(path), 1, "expected 'programme:' and a list of 'steps:'"))
            continue
        names.add(str(doc.get("programme", "")))
        for raw in doc["steps"]:
            if not isinstance(raw, dict):
                problems.append(error(str(path), 1, "each step must be a mapping"))
                continue
            key = str(raw.get("key", ""))
            line = raw.get(_LINE, 1)
            if key in step_lines:
                first = step_lines[key]
                problems.append(
                    error(
                        str(path), line, f"duplicate key {key!r} (first at {first[0]}:{first[1]})"
                    )
                )
                continue
            step = parse_step(raw, len(step_lines), str(path), problems)
            if key:
                step_lines[key] = (str(path), line)
            if step is not None:
                steps.append(step)
    locations, default = _load_locations(schedules, problems)
    offers = _load_offers(schedules, set(locations), problems)
    templates, template_files = read_templates(templates_dir)
    programme = None
    if locations:
        programme = Programme(
            name=sorted(names)[0] if names else "programme",
            steps=tuple(steps),
            templates=templates,
            locations=locations,
            default_location=default,
            offers=offers,
        )
    return LoadedProgramme(programme, problems, step_lines, template_files)


def _load_locations(schedules: Path, problems: list[Problem]) -> tuple[dict[str, Location], str]:
    folder = schedules if schedules.is_dir() else schedules.parent
    path = folder / LOCATIONS_FILE
    if not path.exists():
        problems.append(error(str(path), 1, "missing locations file (CJG locations)"))
        return {}, ""
    doc = _read_yaml(path, problems)
    if not isinstance(doc, dict) or not isinstance(doc.get("locations"), list):
        problems.append(error(str(path), 1, "expected 'default:' and a list of 'locations:'"))
        return {}, ""
    locations: dict[str, Location] = {}
    for raw in doc["locations"]:
        location = parse_location(raw, str(path), problems) if isinstance(raw, dict) else None
        if location is not None:
            locations[location.key] = location
    default = str(doc.get("default", ""))
    if default not in locations:
        problems.append(
            error(
                str(path),
                doc.get("__lines__", {}).get("default", 1),
                f"default location {default!r} is not in the list",
            )
        )
        return {}, ""
    return locations, default


def parse_offer(
    raw: dict[str, Any], path: str, locations: set[str], problems: list[Problem]
) -> Offer | None:
    """One local offer from its YAML mapping (the editor's form uses the same rules)."""
    line = raw.get(_LINE, 1)
    lines: dict[str, int] = raw.get("__lines__", {})
    before = len(problems)

    def bad(fieldname: str, message: str) -> None:
        problems.append(error(path, lines.get(fieldname, line), message))

    for name in raw:
        if name not in OFFER_FIELDS and name not in (_LINE, "__lines__", "__duplicates__"):
            bad(name, f"unknown offer field {name!r}{_suggest(name, sorted(OFFER_FIELDS))}")
    for name in ("key", "kind", "name", "url"):
        if not raw.get(name):
            bad(name, f"offer {raw.get('key', '?')!r} has no {name!r}")
    key = str(raw.get("key", ""))
    if key and not _KEY.match(key):
        bad("key", f"bad key {key!r}: use lower-case letters, digits and dashes")
    kind = None
    if raw.get("kind"):
        try:
            kind = _enum(OfferKind, raw["kind"], "offer kind")
        except InputError as exc:
            bad("kind", str(exc))
    url = raw.get("url")
    if url and not str(url).startswith("https://"):
        bad("url", f"url {url!r} must be an https:// address")
    details = raw.get("details") or {}
    if not isinstance(details, dict):
        bad("details", "details must map a language to a text")
        details = {}
    where = raw.get("locations") or []
    if not isinstance(where, list):
        where = [where]
    for item in where:
        if str(item) not in locations:
            bad("locations", f"unknown location {item!r}{_suggest(str(item), sorted(locations))}")
    if len(problems) > before or kind is None:
        return None
    return Offer(
        key=key,
        kind=kind,
        name=str(raw["name"]),
        url=str(url),
        details={str(k): str(v) for k, v in details.items() if not str(k).startswith("__")},
        locations=tuple(str(w) for w in where),
    )


def _load_offers(
    schedules: Path, locations: set[str], problems: list[Problem]
) -> tuple[Offer, ...]:
    folder = schedules if schedules.is_dir() else schedules.parent
    path = folder / OFFERS_FILE
    if not path.exists():
        return ()
    doc = _read_yaml(path, problems)
    if not isinstance(doc, dict) or not isinstance(doc.get("offers"), list):
        problems.append(error(str(path), 1, "expected a list of 'offers:'"))
        return ()
    offers: list[Offer] = []
    seen: set[str] = set()
    for raw in doc["offers"]:
        if not isinstance(raw, dict):
            problems.append(error(str(path), 1, "each offer must be a mapping"))
            continue
        offer = parse_offer(raw, str(path), locations, problems)
        if offer is None:
            continue
        if offer.key in seen:
            problems.append(error(str(path), raw.get(_LINE, 1), f"duplicate key {offer.key!r}"))
            continue
        seen.add(offer.key)
        offers.append(offer)
    return tuple(offers)
