"""The audit log: every change staff make, and every family record they look at."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import AuditEntry, StaffUser


def record(
    session: Session,
    actor: StaffUser | None,
    action: str,
    target: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. `actor=None` is the system or an operator on the command line."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        actor=actor.email if actor else "cli",
        action=action,
        target=target,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry


def recent(session: Session, limit: int = 200, action: str | None = None) -> Sequence[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEntry.action == action)
    return session.scalars(query).all()
