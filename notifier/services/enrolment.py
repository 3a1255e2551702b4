"""Enrolling a family: validate, store, log consent, mark for planning."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from notifier.adapters.db.family_repository import sync_anchors
from notifier.adapters.db.tables import Child, Event, Family, Recipient
from notifier.domain.enrolment import EnrolmentInput, check_enrolment
from notifier.domain.programme import Programme


def enrol(
    session: Session,
    programme: Programme,
    enrolment: EnrolmentInput,
    today: date,
    regions: list[str],
) -> Family:
    """Store a valid enrolment (InputError before anything is written otherwise)."""
    enrolment = check_enrolment(
        enrolment, today, programme.languages, list(programme.locations), regions
    )
    consent = "confirmed" if enrolment.confirmed else "pending"
    family = Family(
        consent_source=enrolment.consent_source,
        consent_by=enrolment.consent_by,
        location_key=enrolment.location,
        replan=True,
        status="active",
    )
    born = enrolment.birth_date is not None
    due = enrolment.due_date or enrolment.birth_date
    assert due is not None
    child = Child(
        name=enrolment.child_name.strip(),
        due_date=due,
        birth_date=enrolment.birth_date,
        weeks_at_birth=enrolment.weeks_at_birth,
        first_child=enrolment.first_child,
        status="born" if born else "expecting",
    )
    sync_anchors(child)
    family.children.append(child)
    for r in enrolment.recipients:
        channels = {c.value for c in r.channels}
        family.recipients.append(
            Recipient(
                first_name=r.first_name,
                phone=r.phone,
                email=r.email,
                language=r.language,
                channels=",".join(sorted(channels)),
                preferred_time=r.preferred_time,
                sms_consent=consent if "sms" in channels else "none",
                email_consent=consent if "email" in channels else "none",
            )
        )
    session.add(family)
    session.flush()
    for recipient in family.recipients:
        for channel in recipient.channels.split(","):
            source, actor = enrolment.consent_source, enrolment.consent_by
            session.add(Event.for_recipient(recipient, "consent.given", channel, source, actor))
            if enrolment.confirmed:
                session.add(
                    Event.for_recipient(
                        recipient,
                        "consent.confirmed",
                        channel,
                        source,
                        actor,
                        {"how": "confirmed elsewhere"},
                    )
                )
    return family
