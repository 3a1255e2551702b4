"""``notifier demo``: sample families through simulated time on SQLite and the local outbox.

Every day of simulated time runs the real tick (plan at 00:05, send at 20:30), and the family
events (a birth reported, a preterm birth) go through the same services as the web and SMS.
"""

from __future__ import annotations

import secrets
import shutil
import time as wallclock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Family, Message, Nudge
from notifier.adapters.system_texts import label
from notifier.config import Settings, get_settings
from notifier.domain.enrolment import EnrolmentInput, RecipientInput
from notifier.domain.message_status import MessageStatus
from notifier.domain.programme import Channel, step_title
from notifier.services import family_changes
from notifier.services.enrolment import enrol
from notifier.services.ports import Runtime
from notifier.services.publishing import current_programme
from notifier.services.scheduling import record_tick
from notifier.services.setup import upgrade_database
from notifier.services.staff_accounts import create_user
from notifier.services.ticking import tick

SMS, EMAIL = (Channel.SMS,), (Channel.EMAIL,)
BOTH = (Channel.SMS, Channel.EMAIL)


@dataclass
class Sample:
    label: dict[str, str]  # language -> what this family shows
    recipients: tuple[RecipientInput, ...]
    due_in: timedelta | None = None  # due date = start + due_in
    born_ago: relativedelta | None = None  # birth date = start - born_ago
    weeks_at_birth: int | None = None
    child_name: str = ""
    location: str | None = None
    born_after_due: int | None = None  # days after (or before, negative) the due date
    born_weeks: int | None = None  # gestation when that birth is reported


SAMPLES = [
    Sample(
        {"nl": "Vroeg in de zwangerschap (week 8), geboorte 3 dagen na de uitgerekende datum",
         "en": "Early pregnancy (week 8), birth reported 3 days after the due date"},
        (RecipientInput("06 12345678", "samira@example.org", "nl", BOTH, "Samira"),),
        due_in=timedelta(weeks=32),
        child_name="Noor",
        location="escamp",
        born_after_due=3,
        born_weeks=40,
    ),
    Sample(
        {"nl": "Laat in de zwangerschap (week 34), 2 weken te vroeg geboren, alleen sms",
         "en": "Late pregnancy (week 34), born 2 weeks early, SMS only"},
        (RecipientInput("06 23456789", None, "nl", SMS, "Fatma"),),
        due_in=timedelta(weeks=6),
        location="laak",
        born_after_due=-14,
        born_weeks=38,
    ),
    Sample(
        {"nl": "Pasgeboren (5 dagen), alleen e-mail", "en": "Newborn (5 days), email only"},
        (RecipientInput(None, "joost@example.org", "nl", EMAIL, "Joost"),),
        born_ago=relativedelta(days=5),
        child_name="Sem",
    ),
    Sample(
        {"nl": "Te vroeg geboren: bij 32 weken, 3 weken geleden",
         "en": "Preterm: born at 32 weeks, 3 weeks ago"},
        (RecipientInput("06 34567890", "kim@example.org", "nl", BOTH, "Kim"),),
        born_ago=relativedelta(weeks=3),
        weeks_at_birth=32,
        child_name="Lotte",
        location="centrum",
    ),
    Sample(
        {"nl": "Tien maanden oud: meldt zich laat aan, krijgt alleen wat nog nuttig is",
         "en": "Ten months old: joins late, gets only what is still useful"},
        (RecipientInput("06 45678901", None, "nl", SMS, ""),),
        born_ago=relativedelta(months=10),
        location="scheveningen",
    ),
    Sample(
        {
            "nl": "Engelstalige ouders samen (week 20): Alex per sms om 19:30, Sam per e-mail "
            "(vroeg om 07:00, krijgt het vanaf 09:00)",
            "en": "English-speaking co-parents (week 20): Alex by SMS at 19:30, Sam by email "
            "(asked for 07:00, sent from 09:00)",
        },
        (
            RecipientInput("06 56789012", None, "en", SMS, "Alex", time(19, 30)),
            RecipientInput(None, "sam@example.org", "en", EMAIL, "Sam", time(7, 0)),
        ),
        due_in=timedelta(weeks=20),
        child_name="Mia",
        born_after_due=0,
        born_weeks=40,
    ),
]


@dataclass
class FamilyReport:
    label: str
    enrollment_id: str
    lines: list[str] = field(default_factory=list)
    sent: int = 0
    not_sent: int = 0


@dataclass
class DemoReport:
    start: date
    end: date
    seconds: float
    families: list[FamilyReport]
    database: str
    outbox: str
    language: str = "nl"

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "seconds": round(self.seconds, 1),
            "database": self.database,
            "outbox": self.outbox,
            "language": self.language,
            "families": [f.__dict__ for f in self.families],
        }

    def text(self) -> str:
        lang = self.language
        out = [
            label("demo", "header", lang, start=self.start, end=self.end,
                  seconds=f"{self.seconds:.1f}", database=self.database, outbox=self.outbox),
            "",
        ]
        for family in self.families:
            counts = label("demo", "counts", lang, sent=family.sent, other=family.not_sent)
            out += [f"== {family.label}  [{family.enrollment_id}]  ({counts})", *family.lines, ""]
        return "\n".join(out)


def demo_settings(base: Settings) -> Settings:
    var = base.var_dir
    return base.model_copy(
        update={
            "database_url": f"sqlite:///{var / 'demo.db'}",
            "broker_url": None,
            "twilio_account_sid": None,
            "smtp_url": None,
            # The demo's own administrator on sample data, served on 127.0.0.1 only: signed in
            # with the printed password alone (production refuses this: config.py).
            "staff_totp_roles": [],
        }
    )


def run_demo(
    build: Callable[[Settings], Runtime],
    months: int = 30,
    start: date | None = None,
    progress: Callable[[str], None] = lambda _: None,
    language: str = "nl",
    until_today: bool = False,
) -> DemoReport:
    """Simulate ``months`` from ``start`` (today), or the ``months`` that end yesterday when
    ``until_today`` (so that the staff pages, which run on today's clock, show the simulated
    delivery as recent)."""
    settings = demo_settings(get_settings())
    var = Path(settings.var_dir)
    (var / "demo.db").unlink(missing_ok=True)
    shutil.rmtree(settings.outbox_dir, ignore_errors=True)
    app = build(settings)
    upgrade_database(app)
    if until_today:
        end = date.today() - timedelta(days=1)
        start = end - relativedelta(months=months)
    else:
        start = start or date.today()
        end = start + relativedelta(months=months)
    began = wallclock.monotonic()
    ids = _enrol_samples(app, start)
    births = _birth_days(app, ids, start)
    day = start
    while day <= end:
        for sample, public_id in zip(SAMPLES, ids, strict=True):
            if births.get(public_id) == day:
                _report_birth(app, public_id, day, sample.born_weeks)
        last = app.hours.local(day, time(0, 5))
        tick(app, last, send=False)
        for last in _due_instants(app, day):  # as the every-minute scheduler would
            tick(app, last, send=True)
        if day.day == 1 and day.month % 6 == 1:
            progress("  " + label("demo", "progress", language, day=day))
        day += timedelta(days=1)
    with unit_of_work(app.factory) as session:
        record_tick(session, last, "demo")
    report = DemoReport(
        start,
        end,
        wallclock.monotonic() - began,
        [_family_report(app, s, i, language) for s, i in zip(SAMPLES, ids, strict=True)],
        str(var / "demo.db"),
        str(settings.outbox_dir),
        language,
    )
    app.engine.dispose()
    return report


def _due_instants(app: Runtime, day: date) -> list[datetime]:
    start, end = app.hours.local(day, time(0, 0)), app.hours.local(day, time(23, 59))
    with unit_of_work(app.factory) as session:
        return sorted(
            set(
                session.scalars(
                    select(Message.due_at)
                    .where(Message.status == MessageStatus.SCHEDULED)
                    .where(Message.due_at.between(start, end))
                )
            )
        )


def _enrol_samples(app: Runtime, start: date) -> list[str]:
    ids = []
    with unit_of_work(app.factory) as session:
        _, programme = current_programme(session)
        for s in SAMPLES:
            request = EnrolmentInput(
                recipients=s.recipients,
                consent_source="staff",
                confirmed=True,
                consent_by="demo",
                due_date=start + s.due_in if s.due_in else None,
                birth_date=start - s.born_ago if s.born_ago else None,
                weeks_at_birth=s.weeks_at_birth,
                child_name=s.child_name,
                location=s.location,
            )
            ids.append(
                enrol(session, programme, request, start, app.settings.phone_regions).public_id
            )
    return ids


def _birth_days(app: Runtime, ids: list[str], start: date) -> dict[str, date]:
    days = {}
    for sample, public_id in zip(SAMPLES, ids, strict=True):
        if sample.due_in is not None and sample.born_after_due is not None:
            days[public_id] = start + sample.due_in + timedelta(days=sample.born_after_due)
    return days


def _report_birth(app: Runtime, public_id: str, day: date, weeks: int | None) -> None:
    now = app.hours.local(day, time(8, 0))
    with unit_of_work(app.factory) as session:
        family = family_changes.get_family(session, public_id)
        family_changes.report_birth(session, family, day, day, now, weeks, source="sms")


def _family_report(app: Runtime, sample: Sample, public_id: str, language: str) -> FamilyReport:
    """What one family received and why the rest was not sent, in words a CJG colleague reads:
    each step by its title, each reason in plain words."""
    report = FamilyReport(sample.label.get(language, sample.label["nl"]), public_id)
    with unit_of_work(app.factory) as session:
        _, programme = current_programme(session)
        family = session.scalars(select(Family).where(Family.public_id == public_id)).one()
        nudges = session.scalars(
            select(Nudge).where(Nudge.family_id == family.id).order_by(Nudge.id)
        ).all()
        messages = session.scalars(select(Message).where(Message.family_id == family.id)).all()
    by_nudge: dict[int | None, list[Message]] = {}
    for m in messages:
        by_nudge.setdefault(m.nudge_id, []).append(m)
    enrolled = family.created_at.astimezone(app.hours.zone).date()
    before: dict[str, int] = {}
    for n in sorted(nudges, key=lambda n: (n.planned_on or n.day, n.id)):
        title = step_title(programme, n.step_key, language)
        sent = by_nudge.get(n.id, [])
        if n.status == "placed" and sent:
            report.sent += 1
            report.lines.append(_sent_line(app, n, sent, title, enrolled, language, app.cap.limit))
            continue
        report.not_sent += 1
        if n.day < enrolled:
            why = _reason(n.reason or n.status, language, app.cap.limit, before_enrolment=True)
            before[why] = before.get(why, 0) + 1
            continue
        why = _reason(n.reason or n.status, language, app.cap.limit)
        status = label("nudge_status", n.status, language)
        report.lines.append(f"  {n.day}        {_short(title):46} {status}: {why}")
    if before:
        summary = "; ".join(f"{count}× {reason}" for reason, count in before.items())
        report.lines.insert(0, "  " + label("demo", "before_enrolment", language, summary=summary))
    return report


def _sent_line(
    app: Runtime, n: Nudge, sent: list[Message], title: str, enrolled: date, language: str, cap: int
) -> str:
    zone = app.hours.zone
    at = min(m.sent_at or m.due_at for m in sent).astimezone(zone)
    times = {(m.sent_at or m.due_at).astimezone(zone).strftime("%H:%M") for m in sent}
    how = "+".join(
        sorted(
            label("channel", m.channel, language) + f"/{m.language}"
            + (f"@{(m.sent_at or m.due_at).astimezone(zone):%H:%M}" if len(times) > 1 else "")
            for m in sent
        )
    )
    states = ",".join(sorted({label("message_status", m.status, language) for m in sent}))
    why = ""
    if n.planned_on is not None and n.planned_on != n.day:
        if n.reason:  # it waited: say for what (the cap only when it was the cap)
            why = _reason(n.reason, language, cap)
        elif n.day < enrolled:
            why = label("reason", "sent at enrolment", language)
    note = f" ({label('demo', 'planned', language)} {n.day}; {why})" if why else ""
    return f"  {at:%Y-%m-%d %H:%M}  {_short(title):46} {how:22} {states}{note}"


def _reason(reason: str, language: str, cap: int, *, before_enrolment: bool = False) -> str:
    if before_enrolment and reason == "window passed":
        return label("reason", "before enrolment", language)
    return label("reason", reason, language, cap=cap)


DEMO_ADMIN = "demo-beheer@cjg.example"


def demo_admin(build: Callable[[Settings], Runtime], settings: Settings) -> tuple[str, str]:
    """An administrator account on the demo database, with a fresh password (printed to whoever
    ran the demo, and valid only there): the staff pages open on the simulated delivery."""
    app = build(demo_settings(settings))
    password = secrets.token_urlsafe(12)
    with unit_of_work(app.factory) as session:
        create_user(session, email=DEMO_ADMIN, role="admin", password=password, name="Demo")
    app.engine.dispose()
    return DEMO_ADMIN, password


def _short(title: str, width: int = 46) -> str:
    return title if len(title) <= width else title[: width - 1] + "…"
