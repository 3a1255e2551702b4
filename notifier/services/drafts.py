"""Drafts of the programme: start one from the version in force, change it step by step, submit
it, have a colleague approve it, publish it. Every change is audited and checked with the same
rules and messages as ``notifier schedules check``; a change that does not validate is refused
with its problems and nothing is saved.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.adapters import programme_store
from notifier.adapters.db.base import utcnow
from notifier.adapters.db.tables import ProgrammeDraft, ProgrammeVersion, StaffUser
from notifier.adapters.schedule_files import parse_location, parse_offer, parse_step
from notifier.domain.errors import InputError, NotFound
from notifier.domain.problems import Problem
from notifier.domain.programme import STEP_FIELDS, Channel, Programme, Step, template_name
from notifier.domain.review import DraftAction, DraftFacts, DraftStatus, check
from notifier.domain.roles import Permission, allows
from notifier.services import audit
from notifier.services.publishing import (
    Published,
    current_version,
    programme_of,
    publish,
)
from notifier.services.schedule_check import check_draft, check_text

# The step form's fields, in order; a problem's line number says which field it is about.
STEP_FORM = STEP_FIELDS
_LINE, _LINES = "__line__", "__lines__"


class ChangeRefused(InputError):
    """A change that does not validate: ``problems`` says what, per field or text."""

    def __init__(self, message: str, problems: Sequence[Problem]) -> None:
        super().__init__(message)
        self.problems = list(problems)


def field_of(problem: Problem) -> str | None:
    """The step form field a problem from ``update_step``/``add_step`` is about."""
    return STEP_FORM[problem.line - 1] if 1 <= problem.line <= len(STEP_FORM) else None


def facts(draft: ProgrammeDraft) -> DraftFacts:
    return DraftFacts(DraftStatus(draft.status), frozenset(draft.contributors or []))


def programme_of_draft(draft: ProgrammeDraft) -> Programme:
    return programme_store.from_document(json.loads(draft.content))


def get_draft(session: Session, draft_id: int) -> ProgrammeDraft:
    draft = session.get(ProgrammeDraft, draft_id)
    if draft is None:
        raise NotFound(f"draft {draft_id} does not exist")
    return draft


def list_drafts(session: Session, open_only: bool = False) -> list[ProgrammeDraft]:
    query = select(ProgrammeDraft).order_by(ProgrammeDraft.id.desc())
    if open_only:
        query = query.where(
            ProgrammeDraft.status.in_(
                [DraftStatus.DRAFT.value, DraftStatus.SUBMITTED.value, DraftStatus.APPROVED.value]
            )
        )
    return list(session.scalars(query))


def start_draft(session: Session, actor: StaffUser, title: str) -> ProgrammeDraft:
    """A new working copy of the version in force."""
    if not allows(actor.role, Permission.EDIT_DRAFT):
        raise InputError("Uw rol mag geen concepten maken.")
    version = current_version(session)
    if version is None:
        raise NotFound("no programme is published yet")
    title = " ".join(title.split())[:200] or f"Wijziging op versie {version.id}"
    draft = ProgrammeDraft(
        title=title,
        status=DraftStatus.DRAFT.value,
        content=programme_store.dumps(programme_of(version)),
        based_on_version_id=version.id,
        author_id=actor.id,
        author=actor.email,
        contributors=[actor.id],
    )
    session.add(draft)
    session.flush()
    audit.record(session, actor, "draft.create", _target(draft), after={"based_on": version.id})
    return draft


def _target(draft: ProgrammeDraft, what: str = "") -> str:
    return f"draft {draft.id}" + (f": {what}" if what else "")


def _save(
    session: Session,
    draft: ProgrammeDraft,
    actor: StaffUser,
    programme: Programme,
    action: str,
    what: str,
    before: Any,
    after: Any,
) -> None:
    draft.content = programme_store.dumps(programme)
    draft.updated_at = utcnow()
    if actor.id not in (draft.contributors or []):
        draft.contributors = [*(draft.contributors or []), actor.id]
    audit.record(
        session,
        actor,
        action,
        _target(draft, what),
        None if before is None else {"value": before},
        None if after is None else {"value": after},
    )


def _editable(draft: ProgrammeDraft, actor: StaffUser) -> Programme:
    check(DraftAction.EDIT, facts(draft), actor.id, actor.role)
    return programme_of_draft(draft)


def step_document(step: Step) -> dict[str, Any]:
    doc: dict[str, Any] = programme_store.to_document(Programme("x", (step,), {}, {}, ""))["steps"][
        0
    ]
    return doc


def _raw_step(form: Mapping[str, Any]) -> dict[str, Any]:
    """The step form as the YAML parser sees a step, each field on its own 'line'."""
    raw: dict[str, Any] = {_LINE: 0, _LINES: {f: i + 1 for i, f in enumerate(STEP_FORM)}}
    for name in STEP_FORM:
        value = form.get(name)
        if name == "channels":
            items = value if isinstance(value, list | tuple) else ([value] if value else [])
            if items:
                raw[name] = [str(v) for v in items]
        elif name == "first_child_only":
            raw[name] = value in (True, "on", "true", "1", "ja")
        elif value not in (None, ""):
            raw[name] = str(value).strip()
    return raw


def _parse_step(form: Mapping[str, Any], order: int) -> Step:
    problems: list[Problem] = []
    step = parse_step(_raw_step(form), order, "step form", problems)
    if step is None or problems:
        raise ChangeRefused("De stap is niet opgeslagen: verbeter de fouten.", problems)
    return step


def update_step(
    session: Session, draft: ProgrammeDraft, actor: StaffUser, key: str, form: Mapping[str, Any]
) -> Step:
    """Change a step's timing and facts (its key stays)."""
    programme = _editable(draft, actor)
    old = _find_step(programme, key)
    step = _parse_step({**form, "key": key}, old.order)
    steps = tuple(step if s.key == key else s for s in programme.steps)
    if step != old:
        _save(
            session,
            draft,
            actor,
            replace(programme, steps=steps),
            "draft.step.update",
            key,
            step_document(old),
            step_document(step),
        )
    return step


def add_step(
    session: Session, draft: ProgrammeDraft, actor: StaffUser, form: Mapping[str, Any]
) -> Step:
    """A new step; its texts are written next (the check asks for the Dutch ones)."""
    programme = _editable(draft, actor)
    step = _parse_step(form, len(programme.steps))
    if any(s.key == step.key for s in programme.steps):
        raise ChangeRefused(
            "De stap is niet opgeslagen.",
            [Problem("step form", 1, "error", f"duplicate key {step.key!r}")],
        )
    _save(
        session,
        draft,
        actor,
        replace(programme, steps=(*programme.steps, step)),
        "draft.step.add",
        step.key,
        None,
        step_document(step),
    )
    return step


def copy_step(
    session: Session, draft: ProgrammeDraft, actor: StaffUser, key: str, new_key: str
) -> Step:
    """A copy of a step and all its texts under a new key."""
    programme = _editable(draft, actor)
    old = _find_step(programme, key)
    step = add_step(session, draft, actor, {**step_document(old), "key": new_key.strip()})
    programme = programme_of_draft(draft)
    templates = {lang: dict(names) for lang, names in programme.templates.items()}
    for names in templates.values():
        for channel in Channel:
            source = names.get(template_name(key, channel))
            if source is not None:
                names[template_name(step.key, channel)] = source
    _save(
        session,
        draft,
        actor,
        replace(programme, templates=templates),
        "draft.step.copy",
        f"{key} -> {step.key}",
        None,
        None,
    )
    return step


def retire_step(session: Session, draft: ProgrammeDraft, actor: StaffUser, key: str) -> None:
    """Take a step out of the programme, with its texts. Messages already planned for it are
    not sent once this draft is published."""
    programme = _editable(draft, actor)
    old = _find_step(programme, key)
    names = {template_name(key, c) for c in Channel}
    templates = {
        lang: {n: src for n, src in texts.items() if n not in names}
        for lang, texts in programme.templates.items()
    }
    steps = tuple(
        replace(s, order=i) for i, s in enumerate(s for s in programme.steps if s.key != key)
    )
    _save(
        session,
        draft,
        actor,
        replace(programme, steps=steps, templates={k: v for k, v in templates.items() if v}),
        "draft.step.retire",
        key,
        step_document(old),
        None,
    )


def _find_step(programme: Programme, key: str) -> Step:
    try:
        return programme.step(key)
    except KeyError:
        raise NotFound(f"step {key!r} is not in this draft") from None


def set_text(
    session: Session,
    draft: ProgrammeDraft,
    actor: StaffUser,
    key: str,
    channel: str,
    language: str,
    source: str,
) -> list[Problem]:
    """Save one text (an empty translation removes it: Dutch is used). Refused with the check's
    problems when it has an error; returns its warnings."""
    programme = _editable(draft, actor)
    step = _find_step(programme, key)
    try:
        chan = Channel(channel)
    except ValueError:
        raise InputError(f"unknown channel {channel!r}") from None
    if chan not in step.channels:
        raise InputError(f"step {key!r} is not sent by {channel}")
    language = language.strip().lower()
    if not language.isalpha() or len(language) > 3:
        raise InputError(f"bad language code {language!r}", "language")
    name = template_name(key, chan)
    source = source.replace("\r\n", "\n").strip("\n")
    if source:
        source += "\n"
    before = programme.templates.get(language, {}).get(name)
    templates = {lang: dict(names) for lang, names in programme.templates.items()}
    problems: list[Problem] = []
    if not source.strip():
        if language == "nl":
            raise ChangeRefused(
                "De Nederlandse tekst is verplicht.",
                [Problem(f"templates/nl/{name}", 1, "error", "the Dutch text cannot be empty")],
            )
        templates.get(language, {}).pop(name, None)
    else:
        problems = check_text(programme, language, name, source)
        if any(p.severity == "error" for p in problems):
            raise ChangeRefused("De tekst is niet opgeslagen: verbeter de fouten.", problems)
        templates.setdefault(language, {})[name] = source
    if before != (source or None):
        _save(
            session,
            draft,
            actor,
            replace(programme, templates={k: v for k, v in templates.items() if v}),
            "draft.text",
            f"{language}/{name}",
            before,
            source or None,
        )
    return problems


def save_location(
    session: Session, draft: ProgrammeDraft, actor: StaffUser, form: Mapping[str, Any]
) -> None:
    """Add or change a CJG location (name, address, phone, url, drop-in hours, languages)."""
    programme = _editable(draft, actor)
    drop_in = {
        k.removeprefix("drop_in_"): str(v).strip()
        for k, v in form.items()
        if k.startswith("drop_in_") and str(v).strip()
    }
    languages = [x.strip() for x in str(form.get("languages", "nl")).split(",") if x.strip()]
    raw = {
        "key": str(form.get("key", "")).strip(),
        "name": str(form.get("name", "")).strip(),
        "address": str(form.get("address", "")).strip(),
        "phone": str(form.get("phone", "")).strip(),
        "url": str(form.get("url", "")).strip(),
        "drop_in": drop_in,
        "languages": languages or ["nl"],
    }
    problems: list[Problem] = []
    location = parse_location(raw, "location form", problems)
    if location is not None and not location.url.startswith("https://"):
        problems.append(Problem("location form", 1, "error", "url must be an https:// address"))
    if location is None or problems:
        raise ChangeRefused("De locatie is niet opgeslagen: verbeter de fouten.", problems)
    before = programme.locations.get(location.key)
    locations = {**programme.locations, location.key: location}
    _save(
        session,
        draft,
        actor,
        replace(programme, locations=locations),
        "draft.location",
        location.key,
        None if before is None else _location_doc(programme, location.key),
        _location_doc(replace(programme, locations=locations), location.key),
    )


def _location_doc(programme: Programme, key: str) -> dict[str, Any]:
    items = programme_store.to_document(programme)["locations"]["items"]
    found: dict[str, Any] = next(i for i in items if i["key"] == key)
    return found


def save_offer(
    session: Session, draft: ProgrammeDraft, actor: StaffUser, form: Mapping[str, Any]
) -> None:
    """Add or change a local offer (course, webinar, meetup, first aid)."""
    programme = _editable(draft, actor)
    details = {
        k.removeprefix("details_"): str(v).strip()
        for k, v in form.items()
        if k.startswith("details_") and str(v).strip()
    }
    where = form.get("locations") or []
    raw = {
        "key": str(form.get("key", "")).strip(),
        "kind": str(form.get("kind", "")).strip(),
        "name": str(form.get("name", "")).strip(),
        "url": str(form.get("url", "")).strip(),
        "details": details,
        "locations": list(where) if isinstance(where, list | tuple) else [where],
    }
    problems: list[Problem] = []
    offer = parse_offer(raw, "offer form", set(programme.locations), problems)
    if offer is None or problems:
        raise ChangeRefused("Het aanbod is niet opgeslagen: verbeter de fouten.", problems)
    before = next((o for o in programme.offers if o.key == offer.key), None)
    offers = tuple(offer if o.key == offer.key else o for o in programme.offers)
    if before is None:
        offers = (*offers, offer)
    _save(
        session,
        draft,
        actor,
        replace(programme, offers=offers),
        "draft.offer",
        offer.key,
        None if before is None else programme_store.offer_document(before),
        programme_store.offer_document(offer),
    )


def remove_offer(session: Session, draft: ProgrammeDraft, actor: StaffUser, key: str) -> None:
    programme = _editable(draft, actor)
    before = next((o for o in programme.offers if o.key == key), None)
    if before is None:
        raise NotFound(f"offer {key!r} is not in this draft")
    offers = tuple(o for o in programme.offers if o.key != key)
    _save(
        session,
        draft,
        actor,
        replace(programme, offers=offers),
        "draft.offer.remove",
        key,
        programme_store.offer_document(before),
        None,
    )


_CHECKED: dict[tuple[str, date], list[Problem]] = {}


def problems_of(draft: ProgrammeDraft, today: date) -> list[Problem]:
    """``check_draft`` of the draft's content, remembered per content and day (a check of the
    whole programme takes a second or two; pages ask for it on every view)."""
    key = (programme_store.content_hash(draft.content), today)
    if key not in _CHECKED:
        if len(_CHECKED) > 64:
            _CHECKED.clear()
        _CHECKED[key] = check_draft(programme_of_draft(draft), today)
    return list(_CHECKED[key])


def submit(session: Session, draft: ProgrammeDraft, actor: StaffUser, today: date) -> None:
    """Ask a colleague to review: only a draft without errors."""
    check(DraftAction.SUBMIT, facts(draft), actor.id, actor.role)
    errors = [p for p in problems_of(draft, today) if p.severity == "error"]
    if errors:
        raise ChangeRefused(
            f"Het concept heeft nog {len(errors)} fout(en); verbeter die eerst.", errors
        )
    _move(session, draft, actor, DraftStatus.SUBMITTED)
    draft.submitted_by, draft.submitted_at = actor.email, utcnow()
    if actor.id not in (draft.contributors or []):
        draft.contributors = [*(draft.contributors or []), actor.id]


def approve(session: Session, draft: ProgrammeDraft, actor: StaffUser, note: str = "") -> None:
    """A second person approves: never someone who worked on the draft."""
    check(DraftAction.APPROVE, facts(draft), actor.id, actor.role)
    _move(session, draft, actor, DraftStatus.APPROVED, note)
    draft.approved_by, draft.approved_by_id, draft.approved_at = actor.email, actor.id, utcnow()


def send_back(session: Session, draft: ProgrammeDraft, actor: StaffUser, note: str) -> None:
    """Back to the author for changes, with the reviewer's note."""
    check(DraftAction.SEND_BACK, facts(draft), actor.id, actor.role)
    if not note.strip():
        raise InputError("Schrijf erbij wat er moet veranderen.", "note")
    _move(session, draft, actor, DraftStatus.DRAFT, note)
    draft.approved_by = draft.approved_by_id = draft.approved_at = None


def withdraw(session: Session, draft: ProgrammeDraft, actor: StaffUser) -> None:
    check(DraftAction.WITHDRAW, facts(draft), actor.id, actor.role)
    _move(session, draft, actor, DraftStatus.WITHDRAWN)


def _move(
    session: Session,
    draft: ProgrammeDraft,
    actor: StaffUser,
    status: DraftStatus,
    note: str = "",
) -> None:
    before = draft.status
    draft.status, draft.updated_at = status.value, utcnow()
    if note.strip():
        draft.review_note = " ".join(note.split())[:1000]
    audit.record(
        session,
        actor,
        f"draft.{status.value}",
        _target(draft),
        {"status": before},
        {"status": status.value, **({"note": draft.review_note} if note.strip() else {})},
    )


def publish_draft(
    session: Session, draft: ProgrammeDraft, actor: StaffUser, today: date
) -> Published:
    """Publish an approved draft as an immutable version (four eyes: not by a contributor)."""
    check(DraftAction.PUBLISH, facts(draft), actor.id, actor.role)
    current = current_version(session)
    if current is not None and current.id != draft.based_on_version_id:
        same = (
            draft.based_on_version_id is not None
            and (base := session.get(ProgrammeVersion, draft.based_on_version_id)) is not None
            and base.content_hash == current.content_hash
        )
        if not same:
            raise InputError(
                f"Sinds dit concept begon is versie {current.id} gepubliceerd. Begin een nieuw "
                "concept op die versie, anders gaan de wijzigingen daarin verloren."
            )
    errors = [p for p in problems_of(draft, today) if p.severity == "error"]
    if errors:
        raise ChangeRefused("Het concept valideert niet meer.", errors)
    result = publish(
        session,
        programme_of_draft(draft),
        actor.email,
        note=draft.title,
        draft_id=draft.id,
        approved_by=draft.approved_by,
    )
    draft.status, draft.updated_at = DraftStatus.PUBLISHED.value, utcnow()
    draft.published_version_id = result.version_id
    audit.record(
        session,
        actor,
        "draft.published",
        _target(draft),
        {"status": DraftStatus.APPROVED.value, "version": current.id if current else None},
        {"version": result.version_id, "content_hash": result.content_hash},
    )
    return result


def rollback(session: Session, version_id: int, actor: StaffUser) -> Published:
    """Put an earlier version back in force, as a new version with the same content."""
    if not allows(actor.role, Permission.PUBLISH):
        raise InputError("Uw rol mag geen versie terugzetten.")
    version = session.get(ProgrammeVersion, version_id)
    if version is None:
        raise NotFound(f"programme version {version_id} does not exist")
    current = current_version(session)
    result = publish(
        session,
        programme_of(version),
        actor.email,
        note=f"teruggezet naar versie {version.id}",
    )
    if result.new:
        audit.record(
            session,
            actor,
            "programme.rollback",
            f"version {version.id}",
            {"version": current.id if current else None},
            {"version": result.version_id, "content_hash": result.content_hash},
        )
    return result
