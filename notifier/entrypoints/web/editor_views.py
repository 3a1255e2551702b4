"""Presentation helpers for the programme editor pages: Dutch labels, the timeline grouped by
theme, problems placed next to the step or text they are about, SMS segment figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.datastructures import FormData

from notifier.adapters.renderer import Renderer
from notifier.domain.context import OFFER_FIELDS, OFFER_KINDS, VARIABLES, sample_contexts
from notifier.domain.problems import Problem
from notifier.domain.programme import Anchor, Channel, Programme, Step, Theme, template_name
from notifier.domain.segments import SegmentInfo, count_segments
from notifier.services.drafts import field_of

THEMES = {
    Theme.POSTNATAL: "Na de bevalling",
    Theme.FEEDING: "Voeding",
    Theme.SLEEP: "Slapen",
    Theme.DEVELOPMENT: "Ontwikkeling",
    Theme.BOUNDARIES: "Grenzen stellen",
    Theme.HEALTH: "Gezondheid",
    Theme.FIRST_AID: "EHBO",
    Theme.BALANCE: "Gezin in balans",
    Theme.REGISTRATION: "Aanmelden en regelen",
    Theme.NETWORK: "Netwerk en ontmoeten",
    Theme.LOSS: "Verlies",
}
CHANNELS = {Channel.SMS: "sms", Channel.EMAIL: "e-mail"}
LANGUAGE_NAMES = {
    "nl": "Nederlands",
    "en": "Engels",
    "tr": "Turks",
    "ar": "Arabisch",
    "pl": "Pools",
    "bg": "Bulgaars",
}
_UNITS = {
    "y": ("jaar", "jaar"),
    "m": ("maand", "maanden"),
    "w": ("week", "weken"),
    "d": ("dag", "dagen"),
}


def moment(step: Step) -> str:
    """When a step goes, in words: 'zwangerschapsweek 8', '4 maanden na de geboorte'."""
    if step.anchor is Anchor.LOSS:
        return "na een gemeld verlies"
    off = step.offset
    if step.anchor is Anchor.DUE_DATE and off.negative and not (off.years or off.months):
        days = off.weeks * 7 + off.days
        week = 40 - days // 7
        return f"zwangerschapsweek {week}" + (f" (+{7 - days % 7} d)" if days % 7 else "")
    parts = [
        f"{n} {_UNITS[u][0 if n == 1 else 1]}"
        for n, u in ((off.years, "y"), (off.months, "m"), (off.weeks, "w"), (off.days, "d"))
        if n
    ] or ["0 dagen"]
    where = "de uitgerekende datum" if step.anchor is Anchor.DUE_DATE else "de geboorte"
    return f"{' '.join(parts)} {'voor' if off.negative else 'na'} {where}"


def position(step: Step) -> tuple[int, int]:
    """Order on the timeline: pregnancy (days before due date) then age, loss last."""
    if step.anchor is Anchor.LOSS:
        return (2, step.order)
    return (
        0 if step.anchor is Anchor.DUE_DATE and step.offset.negative else 1,
        step.offset.approx_days(),
    )


@dataclass(frozen=True)
class Card:
    step: Step
    moment: str
    languages: list[str]
    errors: int
    warnings: int
    review_due: bool = False  # its review_by date has passed


def step_problems(problems: list[Problem], key: str) -> list[Problem]:
    """The problems about one step or one of its texts (paths from ``check_draft``)."""
    names = {template_name(key, c) for c in Channel}
    return [p for p in problems if p.path == f"steps/{key}" or p.path.rsplit("/", 1)[-1] in names]


def timeline(
    programme: Programme, problems: list[Problem], today: date | None = None
) -> list[tuple[str, list[Card]]]:
    """The steps as cards in time order, grouped by theme (themes in order of first step);
    with ``today``, a card says whether its step is past its review date."""
    groups: dict[Theme, list[Card]] = {}
    for step in sorted(programme.steps, key=position):
        mine = step_problems(problems, step.key)
        langs = [
            lang
            for lang in programme.languages
            if all(
                template_name(step.key, c) in programme.templates.get(lang, {})
                for c in step.channels
            )
        ]
        groups.setdefault(step.theme, []).append(
            Card(
                step,
                moment(step),
                langs,
                sum(p.severity == "error" for p in mine),
                sum(p.severity == "warning" for p in mine),
                bool(today and step.review_by and step.review_by < today),
            )
        )
    return [(THEMES.get(theme, theme.value), cards) for theme, cards in groups.items()]


@dataclass(frozen=True)
class TextView:
    language: str
    channel: Channel
    name: str
    source: str
    sms: SegmentInfo | None  # of the text rendered for a sample family, SMS only
    rendered: str


def rendered_sample(
    programme: Programme, step: Step, channel: Channel, language: str
) -> tuple[str, SegmentInfo | None]:
    """The text as a sample family reads it (filled in), and its SMS segments."""
    name = template_name(step.key, channel)
    lang = programme.template_language(language, name)
    location = programme.location(None)
    samples = sample_contexts(step.key, lang, location, programme.offers_at(location.key))
    context = samples[0 if step.anchor is Anchor.DUE_DATE else 1]  # in pregnancy / after birth
    try:
        renderer = Renderer(programme.templates)
        if channel is Channel.SMS:
            text = renderer.sms(lang, name, context)
            return text, count_segments(text)
        email = renderer.email(lang, name, context)
        return f"Onderwerp: {email.subject}\n\n{email.text}", None
    except Exception as exc:  # shown to the author; the check names it too
        return f"(kan niet worden getoond: {exc})", None


def texts(programme: Programme, step: Step, languages: list[str]) -> list[list[TextView]]:
    """Per channel, the texts per language (Dutch first)."""
    rows = []
    for channel in step.channels:
        name = template_name(step.key, channel)
        row = []
        for lang in languages:
            source = programme.templates.get(lang, {}).get(name, "")
            rendered, sms = (
                rendered_sample(programme, step, channel, lang) if source else ("", None)
            )
            row.append(TextView(lang, channel, name, source, sms, rendered))
        rows.append(row)
    return rows


def variables() -> list[tuple[str, str]]:
    """The documented variables, as an author types them."""
    out = []
    for name, meaning in VARIABLES.items():
        if name == "cjg":
            out += [
                (f"cjg.{f}", "uw CJG-locatie: " + f)
                for f in ("name", "address", "phone", "drop_in", "url")
            ]
        elif name == "offer":
            out += [
                (f"offer.{k}.{f}", f"lokaal aanbod ({k}): {f}")
                for k in OFFER_KINDS
                for f in OFFER_FIELDS
                if f == "name"
            ]
            out.append(("offer.<soort>.details / .url", "wanneer en waar, en de link"))
        else:
            out.append((name, meaning))
    return out


def form_dict(form: FormData) -> dict[str, Any]:
    """A form as a dict; fields given more than once (check boxes) become lists."""
    out: dict[str, Any] = {}
    for key in form.keys():  # noqa: SIM118 - FormData is a multi-dict
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        out[key] = values if key in ("channels", "locations") else (values[-1] if values else "")
    return out


def field_errors(problems: list[Problem]) -> dict[str, list[str]]:
    """Step form problems per field ('' for the form as a whole)."""
    found: dict[str, list[str]] = {}
    for problem in problems:
        found.setdefault(field_of(problem) or "", []).append(problem.message)
    return found
