"""Publishing programme versions and finding the one in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.adapters import programme_store
from notifier.adapters.db.base import utcnow
from notifier.adapters.db.tables import ProgrammeVersion
from notifier.domain.errors import ScheduleError
from notifier.domain.programme import Programme
from notifier.services.schedule_check import check_files


@dataclass(frozen=True)
class Published:
    version_id: int
    content_hash: str
    programme: Programme
    new: bool


def load_checked(schedules: Path, templates: Path, today: date) -> Programme:
    """The programme from files, or ScheduleError listing every error."""
    loaded, problems = check_files(schedules, templates, today)
    errors = [p for p in problems if p.severity == "error"]
    if errors or loaded.programme is None:
        first = str(errors[0]) if errors else "it could not be read"
        more = (
            f" (and {len(errors) - 1} more: run `notifier schedules check`)"
            if len(errors) > 1
            else ""
        )
        raise ScheduleError(f"the programme does not validate: {first}{more}")
    return loaded.programme


def publish(
    session: Session,
    programme: Programme,
    actor: str,
    note: str = "",
    *,
    draft_id: int | None = None,
    approved_by: str | None = None,
) -> Published:
    """Publish ``programme``; publishing the content already in force changes nothing.

    ``actor`` is who published, ``draft_id`` and ``approved_by`` the draft it came from and the
    second person who approved it (the web editor); ``schedules publish`` leaves them empty."""
    content = programme_store.dumps(programme)
    digest = programme_store.content_hash(content)
    current = current_version(session)
    if current is not None and current.content_hash == digest:
        return Published(current.id, digest, programme, new=False)
    version = ProgrammeVersion(
        content_hash=digest,
        content=content,
        status="published",
        created_by=actor,
        published_at=utcnow(),
        note=note[:500],
        draft_id=draft_id,
        approved_by=approved_by,
    )
    session.add(version)
    session.flush()
    return Published(version.id, digest, programme, new=True)


def current_version(session: Session) -> ProgrammeVersion | None:
    return session.scalars(
        select(ProgrammeVersion)
        .where(ProgrammeVersion.status == "published")
        .order_by(ProgrammeVersion.published_at.desc(), ProgrammeVersion.id.desc())
        .limit(1)
    ).first()


_CACHE: dict[tuple[int, str], Programme] = {}


def programme_of(version: ProgrammeVersion) -> Programme:
    key = (version.id, version.content_hash)
    if key not in _CACHE:
        _CACHE[key] = programme_store.loads(version.content)
    return _CACHE[key]


def version_programme(session: Session, version_id: int) -> Programme:
    version = session.get(ProgrammeVersion, version_id)
    if version is None:
        raise ScheduleError(f"programme version {version_id} does not exist")
    return programme_of(version)


def current_programme(session: Session) -> tuple[int, Programme]:
    version = current_version(session)
    if version is None:
        raise ScheduleError(
            "no programme is published: run `notifier db upgrade` or `notifier schedules publish`"
        )
    return version.id, programme_of(version)


def steps_in_force(session: Session) -> frozenset[str]:
    """The step keys of the version in force: a message of a step a later version removed is
    not sent (it keeps the text of its own version otherwise)."""
    version = current_version(session)
    if version is None:
        return frozenset()
    return frozenset(s.key for s in programme_of(version).steps)


def versions(session: Session, limit: int = 50) -> list[ProgrammeVersion]:
    return list(
        session.scalars(
            select(ProgrammeVersion).order_by(ProgrammeVersion.id.desc()).limit(limit)
        )
    )
