"""Erasure leaves no copies (issue 16, #9): besides the rows ``privacy.erase_person`` removes
or anonymises, a person's number and address can sit in texts written about them elsewhere:
a provider's error or an SMTP bounce stored as a message's reason, audit details, event
details, an SMS someone else sent us, rate-limit keys in Redis, files in the local outbox.

``erase_everywhere`` finds those copies in every format the value may have been written in
(E.164, national, international without "+", the address in any case), replaces them in the
database in the same transaction as the erasure, and after the commit removes the Redis keys
and outbox files that hold them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session

from notifier.adapters import counters
from notifier.adapters.channels.outbox import forget_in_outbox
from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import AuditEntry, Event, InboundMessage, Message
from notifier.config import Settings
from notifier.domain.contact_forms import contact_forms, scrub
from notifier.domain.limits import contact_key
from notifier.services import privacy
from notifier.services.ports import Runtime


def _mentions(column: Any, forms: list[str]) -> Any:
    text = func.lower(cast(column, Text))
    return or_(*[text.contains(f.lower(), autoescape=True) for f in forms])


def _scrub_json(value: Any, forms: list[str]) -> Any:
    return json.loads(scrub(json.dumps(value, ensure_ascii=False), forms))


def scrub_database(
    session: Session, forms: list[str], recipient_ids: list[int], family_ids: list[int]
) -> int:
    """Replace the person's number and address wherever they were written into a text; returns
    how many rows changed. Messages are read by owner (the table is large); the other tables
    are searched whole."""
    changed = 0
    owned = or_(Message.recipient_id.in_(recipient_ids), Message.family_id.in_(family_ids))
    for message in session.scalars(
        select(Message).where(owned).where(_mentions(Message.reason, forms))
    ):
        message.reason, changed = scrub(message.reason or "", forms), changed + 1
    for entry in session.scalars(
        select(AuditEntry).where(
            or_(
                _mentions(AuditEntry.target, forms),
                _mentions(AuditEntry.before, forms),
                _mentions(AuditEntry.after, forms),
            )
        )
    ):
        entry.target = scrub(entry.target, forms)
        entry.before = _scrub_json(entry.before, forms)
        entry.after = _scrub_json(entry.after, forms)
        changed += 1
    for event in session.scalars(
        select(Event).where(or_(_mentions(Event.detail, forms), _mentions(Event.actor, forms)))
    ):
        event.detail = _scrub_json(event.detail, forms)
        event.actor = scrub(event.actor, forms) if event.actor else event.actor
        changed += 1
    for reply in session.scalars(
        select(InboundMessage).where(
            or_(_mentions(InboundMessage.body, forms), _mentions(InboundMessage.from_phone, forms))
        )
    ):  # a text about the person from someone else's number
        reply.body = scrub(reply.body, forms) if reply.body else reply.body
        reply.from_phone = None if reply.from_phone in forms else reply.from_phone
        changed += 1
    return changed


@dataclass
class ErasedEverywhere:
    erased: privacy.Erased
    rows_scrubbed: int
    redis_keys_deleted: int
    outbox_files_deleted: int


def erase_person_and_copies(
    session: Session,
    settings: Settings,
    *,
    phone: str | None,
    email: str | None,
    now: datetime,
    source: str,
) -> tuple[privacy.Erased, list[str], int]:
    """In the caller's transaction: the copies in the database, then ``privacy.erase_person``
    (NotFound when nobody matches). Returns what it did, the forms searched for and how many
    rows had a copy."""
    people = privacy.find_person(session, phone, email, settings.phone_regions)
    forms = sorted(
        {f for r in people for f in contact_forms(r.phone, r.email)}, key=len, reverse=True
    )
    scrubbed = 0
    if people:
        scrubbed = scrub_database(
            session, forms, [r.id for r in people], [r.family_id for r in people]
        )
    erased = privacy.erase_person(
        session, phone=phone, email=email, regions=settings.phone_regions, now=now, source=source
    )
    return erased, forms, scrubbed


def forget_outside_database(settings: Settings, forms: list[str]) -> tuple[int, int]:
    """Redis keys and local outbox files that hold the person's number or address (or the
    keyed digest the sign-up limits use); returns (keys, files) deleted."""
    keys = [contact_key(settings.secret_key, f) for f in forms]
    redis_url = settings.redis_url or settings.broker_url
    return counters.forget(redis_url, forms + keys), forget_in_outbox(settings.outbox_dir, forms)


def erase_everywhere(
    app: Runtime,
    *,
    phone: str | None = None,
    email: str | None = None,
    now: datetime,
    source: str,
) -> ErasedEverywhere:
    """``privacy.erase_person`` plus every copy: raises NotFound like it when nobody matches."""
    with unit_of_work(app.factory) as session:
        erased, forms, scrubbed = erase_person_and_copies(
            session, app.settings, phone=phone, email=email, now=now, source=source
        )
    keys, files = forget_outside_database(app.settings, forms)
    return ErasedEverywhere(erased, scrubbed, keys, files)
