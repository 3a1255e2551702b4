"""A known history for the administrator pages: families enrolled through the service, and
outbox rows written as the workers would have left them (status, times, provider error).

Not a test module: plain functions shared by the integration and browser tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Event, Family, Message, Nudge
from notifier.bootstrap import App
from notifier.domain.enrolment import EnrolmentInput, RecipientInput
from notifier.domain.programme import Channel
from notifier.services.enrolment import enrol
from notifier.services.publishing import current_programme

NOW = datetime(2026, 11, 29, 11, 0, tzinfo=UTC)  # 12:00 in Den Haag
TODAY = date(2026, 11, 29)

SAMIRA_PHONE = "+31612345678"
SAMIRA_EMAIL = "samira.elamrani@example.nl"
OTHER_PHONE = "+31612345679"


@dataclass(frozen=True)
class Sent:
    """One outbox row: step, channel, final status and, relative to NOW, when it was due."""

    step: str
    channel: str
    status: str
    due_ago: timedelta
    accepted_after: timedelta | None = None  # due -> sent_at
    delivered_after: timedelta | None = None  # sent_at -> delivered_at
    error_code: str | None = None
    reason: str | None = None


def enrol_parent(
    app: App,
    phone: str | None,
    email: str | None = None,
    *,
    birth_date: date | None = None,
    due_date: date | None = None,
    name: str = "Samira",
    created_at: datetime | None = None,
) -> str:
    if birth_date is None and due_date is None:
        due_date = TODAY + timedelta(weeks=10)
    channels = tuple(c for c, v in ((Channel.SMS, phone), (Channel.EMAIL, email)) if v)
    with unit_of_work(app.factory) as session:
        _, programme = current_programme(session)
        family = enrol(
            session,
            programme,
            EnrolmentInput(
                (RecipientInput(phone, email, "nl", channels, name),),
                "staff",
                due_date=due_date,
                birth_date=birth_date if due_date is None else None,
                confirmed=True,
                consent_by="wijkverpleegkundige@cjg.example",
            ),
            TODAY,
            ["NL"],
        )
        if created_at is not None:
            family.created_at = created_at
        return family.public_id


def add_messages(app: App, public_id: str, rows: list[Sent]) -> None:
    with unit_of_work(app.factory) as session:
        family = session.scalars(select(Family).where(Family.public_id == public_id)).one()
        child, recipient = family.children[0], family.recipients[0]
        for row in rows:
            due = NOW - row.due_ago
            sent = due + row.accepted_after if row.accepted_after is not None else None
            delivered = (
                sent + row.delivered_after if sent and row.delivered_after is not None else None
            )
            nudge = session.scalar(
                select(Nudge).where(Nudge.child_id == child.id, Nudge.step_key == row.step)
            )
            if nudge is None:
                nudge = Nudge(family_id=family.id, child_id=child.id, step_key=row.step,
                              day=due.date(), planned_on=due.date(), status="placed")
                session.add(nudge)
                session.flush()
            session.add(
                Message(
                    nudge_id=nudge.id, family_id=family.id, child_id=child.id,
                    recipient_id=recipient.id, step_key=row.step, channel=row.channel,
                    language="nl", due_at=due, expires_at=due + timedelta(days=14),
                    status=row.status, reason=row.reason, error_code=row.error_code,
                    attempts=1 if sent or row.error_code else 0,
                    provider_ref=f"SM{row.step[:4]}{row.channel}" if sent else None,
                    created_at=due - timedelta(hours=1), updated_at=delivered or sent or due,
                    sent_at=sent, delivered_at=delivered,
                )
            )


def add_event(app: App, public_id: str, kind: str, channel: str, source: str,
              detail: dict[str, object]) -> None:
    with unit_of_work(app.factory) as session:
        family = session.scalars(select(Family).where(Family.public_id == public_id)).one()
        session.add(Event.for_recipient(family.recipients[0], kind, channel, source,
                                        detail=detail))


def add_skipped_step(app: App, public_id: str, step: str, reason: str) -> None:
    with unit_of_work(app.factory) as session:
        family = session.scalars(select(Family).where(Family.public_id == public_id)).one()
        session.add(Nudge(family_id=family.id, child_id=family.children[0].id, step_key=step,
                          day=TODAY, status="skipped", reason=reason))


def seed_samira(app: App) -> str:
    """Samira (SMS and email, baby born in August): a delivered, a failed and a suppressed SMS,
    a delivered email, a STOP by SMS, and a step the planner skipped."""
    public_id = enrol_parent(app, SAMIRA_PHONE, SAMIRA_EMAIL, birth_date=date(2026, 8, 20))
    minute = timedelta(minutes=1)
    add_messages(app, public_id, [
        Sent("aangifte", "sms", "delivered", timedelta(days=99), minute, 2 * minute),
        Sent("slapen", "email", "delivered", timedelta(days=40), minute, minute),
        Sent("slapen", "sms", "failed", timedelta(days=40), minute, error_code="30003",
             reason="provider error 30003"),
        Sent("oefenhapjes", "sms", "suppressed", timedelta(days=2),
             reason="SMS consent withdrawn (21610)"),
    ])
    add_event(app, public_id, "consent.withdrawn", "sms", "provider", {"error_code": "21610"})
    add_skipped_step(app, public_id, "tandjes", "no channel left for this step")
    return public_id


class _Tables(HTMLParser):
    """Every <table id=...> of a page as rows of cell texts (whitespace collapsed)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables
