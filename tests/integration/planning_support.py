"""Helpers shared by the planning and delivery tests: enrol families, tick through days, read back.

Not a test module: plain functions that drive the real services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, text

from notifier.adapters.channels.outbox import read_outbox
from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.family_repository import sync_anchors
from notifier.adapters.db.tables import Base, Child, Family, Message, Nudge
from notifier.bootstrap import App
from notifier.domain.enrolment import EnrolmentInput, RecipientInput
from notifier.domain.programme import Channel
from notifier.services.enrolment import enrol
from notifier.services.publishing import current_programme
from notifier.services.ticking import tick

SMS, EMAIL = (Channel.SMS,), (Channel.EMAIL,)
BOTH = (Channel.SMS, Channel.EMAIL)
EARLY = time(0, 5)


def phone(n: int) -> str:
    return f"06 {10000000 + n:08d}"


def recipient(
    n: int = 1,
    channels: tuple[Channel, ...] = SMS,
    name: str = "",
    language: str = "nl",
    at: time | None = None,
) -> RecipientInput:
    return RecipientInput(
        phone(n) if Channel.SMS in channels else None,
        f"ouder{n}@example.nl" if Channel.EMAIL in channels else None,
        language,
        channels,
        name,
        at,
    )


def enrol_family(
    app: App,
    today: date,
    *,
    recipients: Sequence[RecipientInput] = (),
    due_date: date | None = None,
    birth_date: date | None = None,
    weeks_at_birth: int | None = None,
    child_name: str = "",
    first_child: bool | None = None,
    twin_name: str | None = None,
) -> str:
    """Enrol through the service (staff consent, confirmed); optionally add a twin."""
    with unit_of_work(app.factory) as session:
        _, programme = current_programme(session)
        family = enrol(
            session,
            programme,
            EnrolmentInput(
                tuple(recipients) or (recipient(),),
                "staff",
                due_date=due_date,
                birth_date=birth_date,
                weeks_at_birth=weeks_at_birth,
                child_name=child_name,
                confirmed=True,
                first_child=first_child,
            ),
            today,
            ["NL"],
        )
        if twin_name is not None:
            add_child(family, twin_name, family.children[0].due_date, birth_date, weeks_at_birth)
        return family.public_id


def add_child(
    family: Family,
    name: str,
    due_date: date,
    birth_date: date | None,
    weeks_at_birth: int | None = None,
    first_child: bool | None = None,
) -> Child:
    child = Child(
        name=name,
        due_date=due_date,
        birth_date=birth_date,
        weeks_at_birth=weeks_at_birth,
        first_child=first_child,
        status="born" if birth_date else "expecting",
    )
    sync_anchors(child)
    family.children.append(child)
    family.replan = True
    return child


def run_days(
    app: App, first: date, last: date, *, at: time = EARLY, send: bool = False
) -> None:
    """Tick once a day at ``at`` local time, from ``first`` to ``last`` inclusive."""
    day = first
    while day <= last:
        tick(app, app.hours.local(day, at), send=send)
        day += timedelta(days=1)


def family_id(app: App, public_id: str) -> int:
    with unit_of_work(app.factory) as session:
        return session.scalars(select(Family.id).where(Family.public_id == public_id)).one()


def nudges(app: App, fid: int | None = None) -> dict[str, Nudge]:
    """Nudges by step key (for one-birth families)."""
    with unit_of_work(app.factory) as session:
        query = select(Nudge)
        if fid is not None:
            query = query.where(Nudge.family_id == fid)
        return {n.step_key: n for n in session.scalars(query)}


def messages(app: App, **where: object) -> list[Message]:
    with unit_of_work(app.factory) as session:
        query = select(Message).order_by(Message.id)
        for name, value in where.items():
            query = query.where(getattr(Message, name) == value)
        return list(session.scalars(query))


def count(app: App, model: type) -> int:
    with unit_of_work(app.factory) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def outbox(app: App) -> list[dict[str, object]]:
    return read_outbox(app.settings.outbox_dir)


def outbox_steps(app: App) -> list[str]:
    """The step key of each outbox file, found through its message id."""
    by_id = {m.id: m.step_key for m in messages(app)}
    return [by_id[int(str(r["id"]))] for r in outbox(app)]


def wipe(app: App) -> None:
    """Empty every table (a fresh database for the next hypothesis example)."""
    with app.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


def local(app: App, instant: datetime) -> datetime:
    return instant.astimezone(app.hours.zone)
