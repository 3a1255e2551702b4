"""A small, known delivery history (three local days in November 2026, UTC+1) for the exact-figure
tests of the delivery statistics, the CSV export and the alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from notifier.adapters.db.tables import Child, Event, Family, Message, PlannerState, Recipient

FIRST, LAST = date(2026, 11, 2), date(2026, 11, 4)
NOW = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)
PERSONAL = {  # every personal value in the history: none may come out of a report
    "phones": ["+31611111111", "+31622222222", "+31633333333", "+31644444444"],
    "emails": ["anna@example.nl", "bea@example.nl"],
    "names": ["Anna", "Bea", "Carla", "Dirk", "Elif", "Femke"],
    "dates": ["2026-08-01", "2027-03-01", "2025-01-10", "2024-06-01", "2025-11-04"],
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _family(session: Session, name: str, phone: str | None, email: str | None, created: str,
            child: dict, status: str = "active") -> tuple[Family, Recipient, Child]:
    family = Family(consent_source="staff", status=status, created_at=at(created))
    recipient = Recipient(first_name=name, phone=phone, email=email, channels="sms,email",
                          sms_consent="confirmed", email_consent="confirmed")
    kid = Child(name=f"{name} jr", anchor_birth=child.get("birth_date") or child["due_date"],
                anchor_corrected=child.get("birth_date") or child["due_date"], **child)
    family.recipients.append(recipient)
    family.children.append(kid)
    session.add(family)
    session.flush()
    return family, recipient, kid


def _message(session: Session, who: tuple[Family, Recipient, Child], channel: str, step: str,
             due: str, status: str, sent: str | None = None, delivered: str | None = None,
             error: str | None = None, updated: str | None = None) -> Message:
    family, recipient, child = who
    due_at = at(due)
    message = Message(
        family_id=family.id, child_id=child.id, recipient_id=recipient.id, step_key=step,
        channel=channel, language="nl", due_at=due_at, expires_at=due_at + timedelta(days=7),
        status=status, sent_at=at(sent) if sent else None,
        delivered_at=at(delivered) if delivered else None, error_code=error,
        created_at=due_at - timedelta(hours=1), updated_at=at(updated or sent or due),
    )
    session.add(message)
    return message


def seed_history(session: Session) -> None:
    a = _family(session, "Anna", PERSONAL["phones"][0], "anna@example.nl", "2026-10-27T12:00",
                {"due_date": date(2026, 8, 1), "birth_date": date(2026, 8, 1), "status": "born"})
    b = _family(session, "Bea", PERSONAL["phones"][1], "bea@example.nl", "2026-11-03T08:00",
                {"due_date": date(2027, 3, 1)})
    c = _family(session, "Carla", PERSONAL["phones"][2], None, "2026-11-03T09:00",
                {"due_date": date(2025, 1, 10), "birth_date": date(2025, 1, 10),
                 "status": "born"}, status="stopped")
    # 23:30 UTC on 1 November is 00:30 on 2 November in Den Haag: week 45, not 44.
    d = _family(session, "Dirk", PERSONAL["phones"][3], None, "2026-11-01T23:30",
                {"due_date": date(2024, 6, 1), "birth_date": date(2024, 6, 1), "status": "born"})
    _family(session, "Elif", None, None, "2026-10-01T10:00",  # exactly 12 months old on NOW
            {"due_date": date(2025, 11, 4), "birth_date": date(2025, 11, 4), "status": "born"})
    _family(session, "Femke", None, None, "2026-10-01T10:00",  # a loss: not counted
            {"due_date": date(2027, 1, 1), "status": "lost"})
    # 2 November (local)
    _message(session, c, "email", "kraamzorg", "2026-11-01T23:00", "cancelled")  # 00:00 local
    _message(session, a, "sms", "kraamzorg", "2026-11-02T09:00", "delivered",
             "2026-11-02T09:00:30", "2026-11-02T09:01:30")
    _message(session, b, "sms", "kraamzorg", "2026-11-02T09:00", "failed",
             "2026-11-02T09:02:00", error="30005")
    _message(session, a, "email", "kraamzorg", "2026-11-02T09:00", "delivered",
             "2026-11-02T09:00:10", "2026-11-02T09:00:10")
    # 3 November
    _message(session, a, "sms", "slapen", "2026-11-03T09:00", "delivered",
             "2026-11-03T09:01:00", "2026-11-03T09:06:00")
    _message(session, b, "sms", "slapen", "2026-11-03T09:00", "suppressed", error="21610")
    _message(session, c, "sms", "slapen", "2026-11-03T09:00", "expired")
    _message(session, a, "email", "slapen", "2026-11-03T09:00", "failed", error="550")
    # 4 November (the first one is 00:30 local: still waiting to go)
    _message(session, d, "sms", "voeding", "2026-11-03T23:30", "scheduled")
    _message(session, a, "sms", "voeding", "2026-11-04T09:00", "sent", "2026-11-04T09:00:05")
    # outside the range: 23:59 local on 1 November, 00:00 local on 5 November
    _message(session, a, "sms", "oud", "2026-11-01T22:59", "delivered",
             "2026-11-01T22:59:30", "2026-11-01T23:00:00")
    _message(session, b, "email", "voeding", "2026-11-04T23:00", "scheduled")
    # Anna stops (both channels, one family stop) after the sleep SMS; Bea stops before any
    # message reached her; Carla stops after the range.
    for channel in ("sms", "email"):
        event = Event.for_recipient(a[1], "consent.withdrawn", channel, "web")
        event.at = at("2026-11-03T12:00")
        session.add(event)
    session.add(Event(family_id=b[0].id, recipient_id=b[1].id, kind="consent.withdrawn",
                      channel="sms", source="sms", at=at("2026-11-02T08:00")))
    session.add(Event(family_id=c[0].id, recipient_id=c[1].id, kind="consent.withdrawn",
                      channel="sms", source="sms", at=at("2026-11-05T08:00")))
    session.merge(PlannerState(key="last_tick_at", value="2026-11-04T09:59:00+00:00 host:1"))
    session.flush()

