"""``notifier schedules check``: every problem in a programme, with its file and line."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import TemplateSyntaxError, nodes
from jinja2 import meta as jinja_meta
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from notifier.adapters.renderer import environment, split_email
from notifier.adapters.schedule_files import LoadedProgramme, load_programme
from notifier.adapters.template_limits import TemplateTooCostly
from notifier.domain.context import (
    LOCATION_FIELDS,
    OFFER_FIELDS,
    OFFER_KINDS,
    VARIABLES,
    name_contexts,
    sample_contexts,
)
from notifier.domain.errors import InputError
from notifier.domain.problems import Problem, error, warning
from notifier.domain.programme import (
    DEFAULT_LANGUAGE,
    Anchor,
    Channel,
    Location,
    OfferKind,
    Programme,
    template_name,
)
from notifier.domain.segments import SegmentInfo, count_segments
from notifier.domain.sms_names import sms_with_names

MAX_SMS_SEGMENTS = 3


def check_files(
    schedules: Path, templates: Path, today: date
) -> tuple[LoadedProgramme, list[Problem]]:
    loaded = load_programme(schedules, templates)
    return loaded, sorted(set(loaded.problems + check_programme(loaded, today)))


def check_programme(loaded: LoadedProgramme, today: date) -> list[Problem]:
    if loaded.programme is None:
        return []
    return check_content(
        loaded.programme,
        today,
        step_lines=loaded.step_lines,
        template_files=loaded.template_files,
    )


def draft_step_path(step_key: str) -> str:
    return f"steps/{step_key}"


def draft_template_path(lang: str, name: str) -> str:
    return f"templates/{lang}/{name}"


def check_draft(programme: Programme, today: date) -> list[Problem]:
    """The same checks as ``notifier schedules check`` on a programme held in memory (a draft in
    the editor): the same rules and messages; paths name the step or text instead of a file."""
    return sorted(
        set(
            check_content(
                programme,
                today,
                step_lines={s.key: (draft_step_path(s.key), 1) for s in programme.steps},
                template_files={
                    (lang, name): draft_template_path(lang, name)
                    for lang, names in programme.templates.items()
                    for name in names
                },
            )
        )
    )


def check_text(programme: Programme, lang: str, name: str, source: str) -> list[Problem]:
    """One text as it would be after an edit: syntax, variables, rendering, SMS segments."""
    templates = {k: dict(v) for k, v in programme.templates.items()}
    templates.setdefault(lang, {})[name] = source
    changed = replace(programme, templates=templates)
    return check_template(
        changed, lang, name, draft_template_path(lang, name), changed.location(None)
    )


def check_content(
    programme: Programme,
    today: date,
    *,
    step_lines: dict[str, tuple[str, int]],
    template_files: dict[tuple[str, str], str],
) -> list[Problem]:
    problems: list[Problem] = []
    languages = programme.languages
    expected: set[tuple[str, str]] = set()
    for step in programme.steps:
        path, line = step_lines.get(step.key, ("?", 1))
        if step.review_by and step.review_by < today:
            problems.append(
                warning(
                    path,
                    line,
                    f"step {step.key!r}: review_by {step.review_by} "
                    "has passed: check its facts and source",
                )
            )
        for channel in step.channels:
            name = template_name(step.key, channel)
            for lang in languages:
                expected.add((lang, name))
                if name in programme.templates.get(lang, {}):
                    continue
                if lang == DEFAULT_LANGUAGE:
                    problems.append(
                        error(
                            path,
                            line,
                            f"step {step.key!r} has no Dutch "
                            f"{channel.value} text (templates/nl/{name})",
                        )
                    )
                else:
                    problems.append(
                        warning(
                            path,
                            line,
                            f"step {step.key!r} has no {lang} "
                            f"{channel.value} text (templates/{lang}/{name}); "
                            "Dutch will be used",
                        )
                    )
    if not any(s.anchor is Anchor.LOSS for s in programme.steps) and step_lines:
        path, _ = next(iter(step_lines.values()))
        problems.append(error(path, 1, "the programme has no loss message (anchor: loss)"))
    location = programme.location(None)
    env = environment(programme.templates)  # one environment: each template compiled once
    for (lang, name), path in sorted(template_files.items()):
        if (lang, name) not in expected:
            problems.append(warning(path, 1, f"template {name} belongs to no step and channel"))
            continue
        problems.extend(check_template(programme, lang, name, path, location, env))
        if programme.offers or "offer" in programme.templates[lang][name]:
            problems.extend(_missing_offers(programme, lang, name, path))
    return problems


def _missing_offers(programme: Programme, lang: str, name: str, path: str) -> list[Problem]:
    """A text that names ``offer.<kind>`` reads empty at a CJG without such an offer."""
    try:
        ast = environment(programme.templates).parse(programme.templates[lang][name])
    except TemplateSyntaxError:
        return []
    kinds = sorted(
        {
            attr.attr
            for attr in ast.find_all(nodes.Getattr)
            if isinstance(attr.node, nodes.Name)
            and attr.node.name == "offer"
            and attr.attr in OFFER_KINDS
        }
    )
    problems = []
    for kind in kinds:
        missing = [
            loc.name
            for key, loc in programme.locations.items()
            if OfferKind(kind) not in programme.offers_at(key)
        ]
        if missing:
            problems.append(
                warning(
                    path,
                    1,
                    f"offer.{kind} is empty for {', '.join(missing)}: add an offer of kind "
                    f"{kind} there or for every location",
                )
            )
    return problems


def _undeclared_lines(ast: nodes.Template) -> list[tuple[int, str]]:
    found = []
    undeclared = jinja_meta.find_undeclared_variables(ast)
    for node in ast.find_all(nodes.Name):
        if node.ctx == "load" and node.name in undeclared and node.name not in VARIABLES:
            found.append(
                (node.lineno, f"unknown variable {node.name!r} (known: {', '.join(VARIABLES)})")
            )
    offer_known = ", ".join("offer." + k for k in OFFER_KINDS)
    for attr in ast.find_all(nodes.Getattr):
        if isinstance(attr.node, nodes.Name) and attr.node.name == "offer":
            if attr.attr not in OFFER_KINDS:
                found.append(
                    (attr.lineno, f"unknown variable 'offer.{attr.attr}' (known: {offer_known})")
                )
        elif (
            isinstance(attr.node, nodes.Getattr)
            and isinstance(attr.node.node, nodes.Name)
            and attr.node.node.name == "offer"
            and attr.attr not in OFFER_FIELDS
        ):
            known = ", ".join(OFFER_FIELDS)
            found.append(
                (
                    attr.lineno,
                    f"unknown variable 'offer.{attr.node.attr}.{attr.attr}' (known: {known})",
                )
            )
        if (
            isinstance(attr.node, nodes.Name)
            and attr.node.name == "cjg"
            and (attr.attr not in LOCATION_FIELDS)
        ):
            known = ", ".join("cjg." + f for f in LOCATION_FIELDS)
            found.append((attr.lineno, f"unknown variable 'cjg.{attr.attr}' (known: {known})"))
    return sorted(set(found))


def check_template(
    programme: Programme,
    lang: str,
    name: str,
    path: str,
    location: Location,
    env: SandboxedEnvironment | None = None,
) -> list[Problem]:
    env = env or environment(programme.templates)
    source = programme.templates[lang][name]
    try:
        ast = env.parse(source)
        unknown = _undeclared_lines(ast)  # compiles: an unknown filter or test raises here
    except TemplateSyntaxError as exc:
        return [error(path, exc.lineno or 1, f"template syntax: {exc.message}")]
    if unknown:
        return [error(path, line, message) for line, message in unknown]
    step_key, channel = name.split(".")[0], Channel(name.split(".")[1])
    problems: list[Problem] = []
    worst = None
    offers = programme.offers_at(location.key)
    for context in sample_contexts(step_key, lang, location, offers):
        try:
            rendered = env.get_template(f"{lang}/{name}").render(context)
        except TemplateTooCostly as exc:  # a template as a weapon: refused in plain Dutch
            return [error(path, _lineno(exc), str(exc))]
        except (TemplateError, SecurityError, TypeError, ValueError, RecursionError) as exc:
            return [error(path, _lineno(exc), f"template does not render: {exc}")]
        if channel is Channel.EMAIL:
            try:
                split_email(rendered)
            except InputError as exc:
                return [error(path, 1, str(exc))]
            continue
        text = " ".join(rendered.split())
        if context["link"] not in text:
            return [error(path, 1, "an SMS needs a link: add {{ link }}")]
        info = count_segments(text)
        if worst is None or info.segments > worst[0].segments:
            worst = (info, text)
    if worst and worst[0].segments > MAX_SMS_SEGMENTS:
        info, _ = worst
        forced = f"; {', '.join(info.non_gsm)} forces UCS-2" if info.non_gsm else ""
        problems.append(
            error(
                path,
                1,
                f"SMS is {info.segments} segments ({info.units} "
                f"{info.encoding} characters{forced}); at most "
                f"{MAX_SMS_SEGMENTS}",
            )
        )
    elif worst:
        problems.extend(_name_problems(env, programme, lang, name, path, location, worst[0]))
    return problems


def _name_problems(
    env: SandboxedEnvironment,
    programme: Programme,
    lang: str,
    name: str,
    path: str,
    location: Location,
    budget: SegmentInfo,
) -> list[Problem]:
    """An SMS with the names of ``HARD_NAMES``, spelled as an SMS spells them, must stay within
    its budget: the segments (and encoding) it takes with the ordinary sample names."""
    template = env.get_template(f"{lang}/{name}")

    def render(context: dict[str, Any]) -> str:
        return " ".join(template.render(context).split())

    step_key = name.split(".")[0]
    offers = programme.offers_at(location.key)
    for context in name_contexts(step_key, lang, location, offers):
        try:
            info = count_segments(sms_with_names(render, context, leave_out=False))
        except (TemplateError, SecurityError, TypeError, ValueError) as exc:
            return [error(path, _lineno(exc), f"template does not render: {exc}")]
        who = context["child_name"] if context["twins"] else context["parent_name"]
        if info.segments > budget.segments:
            return [
                error(
                    path,
                    1,
                    f"SMS is {info.segments} segments with the name {who!r} ({info.units} "
                    f"{info.encoding} characters) but {budget.segments} with a short name: "
                    "leave room for a longer name",
                )
            ]
        if info.encoding != budget.encoding:
            return [error(path, 1, f"the name {who!r} switches this SMS to {info.encoding}")]
    return []


def _lineno(exc: BaseException) -> int:
    tb = exc.__traceback__
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2") or "<template>" in (
            tb.tb_frame.f_code.co_filename
        ):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
