"""What we do with an SMS a parent sends us, and what we answer (in their language).

STOP stops all SMS to that number at once; START resumes it; PAUZE pauses 4 weeks; GEBOREN and
UITGEREKEND change the dates; JA confirms; HELP explains. Anything else gets the HELP answer
and is kept for CJG staff to read (a family may be asking for help).

A number we do not know changes nothing and nothing about it is stored; it gets a short answer
saying so, with the CJG phone number: someone who texts STOP from a number we do not know must
not be left wondering whether it worked, and the answer goes only to the sender."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notifier.adapters import system_texts
from notifier.adapters.db.tables import Family, InboundMessage, InboundReceipt, Recipient
from notifier.domain.errors import InputError
from notifier.domain.keywords import Command, Reply, parse
from notifier.domain.programme import Programme
from notifier.services import consent, family_changes
from notifier.services.confirmation import confirm_by_reply

PAUSE_FOR = timedelta(weeks=4)
SOURCE = "sms"
KEPT_FOR_STAFF = (Command.UNKNOWN, Command.BAD_DATE)
EXAMPLE_KEYWORD = {
    ("born", "nl"): "GEBOREN",
    ("born", "en"): "BORN",
    ("due", "nl"): "UITGEREKEND",
    ("due", "en"): "DUE",
}


@dataclass(frozen=True)
class InboundAnswer:
    text: str
    language: str
    command: str
    outcome: str  # what we did, for logs and tests (no personal data)


def handle_inbound(
    session: Session,
    programme: Programme,
    from_phone: str,
    body: str,
    now: datetime,
    today: date,
    provider_ref: str | None = None,
) -> InboundAnswer:
    if provider_ref and not first_delivery(session, provider_ref, now):
        # Twilio retried a webhook it thought failed: the first delivery did the work and
        # answered; this one changes nothing and answers nothing.
        return InboundAnswer("", "nl", "", "duplicate")
    reply = parse(body)
    recipients = list(
        session.scalars(
            select(Recipient).where(Recipient.phone == from_phone).order_by(Recipient.id)
        )
    )
    if not recipients:
        cjg = programme.location(None)
        text = system_texts.sms("reply-unknown-number", reply.language, {"cjg": cjg})
        return InboundAnswer(text, reply.language, reply.command.value, "unknown number")
    language = recipients[0].language
    cjg = programme.location(recipients[0].family.location_key)
    name, outcome, extra = _act(session, reply, recipients, language, now, today)
    if reply.command in KEPT_FOR_STAFF:
        session.add(
            InboundMessage(
                family_id=recipients[0].family_id,
                recipient_id=recipients[0].id,
                from_phone=from_phone,
                command=reply.command.value,
                language=language,
                body=body.strip()[:1600],
                provider_ref=provider_ref,
                received_at=now,
            )
        )
    text = system_texts.sms(name, language, {"cjg": cjg, **extra})
    return InboundAnswer(text, language, reply.command.value, outcome)


def first_delivery(session: Session, message_sid: str, now: datetime) -> bool:
    """Record that this MessageSid is being handled; False if it was (or is being) already.
    The primary key decides, so two deliveries at the same moment cannot both pass."""
    if session.get(InboundReceipt, message_sid[:64]) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(InboundReceipt(message_sid=message_sid[:64], received_at=now))
    except IntegrityError:
        return False
    return True


def _active(recipients: list[Recipient]) -> list[Family]:
    families: dict[int, Family] = {}
    for r in recipients:
        if r.family.status == "active":
            families.setdefault(r.family_id, r.family)
    return list(families.values())


def _act(
    session: Session,
    reply: Reply,
    recipients: list[Recipient],
    language: str,
    now: datetime,
    today: date,
) -> tuple[str, str, dict[str, str]]:
    """(answer text name, outcome, context for the text)."""
    command = reply.command
    if command is Command.STOP:
        stopped = [
            r for r in recipients if consent.withdraw(session, r, "sms", now, SOURCE, "STOP")
        ]
        return "reply-stopped", f"stopped {len(stopped)}", {}
    if command is Command.START:
        started = [r for r in recipients if consent.resume(session, r, "sms", now, SOURCE, "START")]
        if not started:
            return "reply-not-stopped", "nothing to resume", {}
        return "reply-started", f"resumed {len(started)}", {}
    if command is Command.CONFIRM:
        confirmed = confirm_by_reply(session, recipients[0].phone or "", now)
        if not confirmed:
            return "reply-nothing-to-confirm", "nothing to confirm", {}
        return "reply-confirmed", f"confirmed {len(confirmed)}", {}
    if command is Command.BAD_DATE:
        kind = _date_kind(reply)
        keyword = EXAMPLE_KEYWORD[(kind, "en" if language == "en" else "nl")]
        return "reply-bad-date", "date not readable", {"keyword": keyword,
                                                       "example": _example(kind, today)}
    if command in (Command.HELP, Command.UNKNOWN):
        return "reply-help", "kept for staff" if command is Command.UNKNOWN else "help", {}
    families = _active(recipients)
    if not families:
        return "reply-not-active", "no active enrolment", {}
    if command is Command.PAUSE:
        until = today + PAUSE_FOR
        for family in families:
            family_changes.pause(session, family, until, today, source=SOURCE)
        return "reply-paused", "paused", {"until": until.strftime("%d-%m-%Y")}
    assert reply.day is not None
    expecting = [f for f in families if any(c.status == "expecting" for c in f.children)]
    if not expecting:
        return "reply-not-expecting", "no pregnancy", {}
    day = {"day": reply.day.strftime("%d-%m-%Y"), "example": _example("born", today)}
    try:
        # The date is checked before anything changes, and it is the same for every family: a
        # refused date changes nothing.
        for family in expecting:
            if command is Command.BORN:
                family_changes.report_birth(session, family, reply.day, today, now, None, SOURCE)
            else:
                family_changes.change_due_date(session, family, reply.day, today, now, SOURCE)
    except InputError:
        refused = "reply-birth-refused" if command is Command.BORN else "reply-due-refused"
        return refused, "date refused", day
    return ("reply-born" if command is Command.BORN else "reply-due"), command.value, day


def _date_kind(reply: Reply) -> str:
    word = reply.text.split()[0].upper() if reply.text.split() else ""
    return "due" if word in ("UITGEREKEND", "DUE") else "born"


def _example(kind: str, today: date) -> str:
    """A date to show as an example that would be accepted: a birth in the past (yesterday), a
    due date ahead (in three months)."""
    day = today - timedelta(days=1) if kind == "born" else today + timedelta(weeks=13)
    return day.strftime("%d-%m-%Y")
