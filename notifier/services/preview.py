"""What a family with a given due or birth date receives: the pure planner's timeline, rendered.

The preview uses the planner itself (``timeline``), never a second implementation."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from notifier.domain.context import message_context
from notifier.domain.enrolment import EnrolmentInput, check_dates
from notifier.domain.errors import InputError
from notifier.domain.family import ChildFacts, ChildStatus, FamilyFacts, RecipientFacts
from notifier.domain.planner import CapRule, Decision, NudgeStatus, timeline
from notifier.domain.programme import Channel, Programme, template_name
from notifier.domain.timing import SendHours
from notifier.services.composing import compose

HORIZON = timedelta(days=3 * 366)


@dataclass(frozen=True)
class PreviewEntry:
    step: str
    theme: str
    send_at: str  # ISO 8601, local time with offset
    channel: str
    language: str
    requested_language: str
    fallback: bool
    segments: int | None
    subject: str | None
    body: str
    skipped: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def preview(
    programme: Programme,
    *,
    today: date,
    hours: SendHours,
    cap: CapRule,
    public_url: str,
    due_date: date | None = None,
    birth_date: date | None = None,
    weeks_at_birth: int | None = None,
    language: str = "nl",
    channel: str | None = None,
    preferred_time: time | None = None,
    parent_name: str = "",
    child_name: str = "",
    location: str | None = None,
) -> list[PreviewEntry]:
    check_dates(
        EnrolmentInput(
            (), "staff", due_date=due_date, birth_date=birth_date, weeks_at_birth=weeks_at_birth
        ),
        today,
    )
    if language not in programme.languages:
        raise InputError(
            f"unknown language {language!r} (one of: {', '.join(programme.languages)})", "language"
        )
    try:
        channels = frozenset([Channel(channel)]) if channel else frozenset(Channel)
    except ValueError:
        raise InputError(f"unknown channel {channel!r} (sms or email)", "channel") from None
    anchor = due_date or birth_date
    assert anchor is not None  # check_dates demands one of them
    child = ChildFacts(
        1,
        anchor,
        birth_date,
        weeks_at_birth,
        ChildStatus.BORN if birth_date else ChildStatus.EXPECTING,
        name=child_name,
    )
    family = FamilyFacts(
        1,
        (child,),
        (RecipientFacts(1, channels, language, preferred_time, parent_name),),
        location=location,
    )
    decisions = timeline(programme, family, today, today + HORIZON, hours=hours, cap=cap)
    entries = []
    for decision in decisions:
        entries.extend(_entries(programme, family, decision, hours, public_url, channels))
    entries.sort(key=lambda e: e.send_at)
    return entries


def _entries(
    programme: Programme,
    family: FamilyFacts,
    decision: Decision,
    hours: SendHours,
    public_url: str,
    channels: frozenset[Channel],
) -> list[PreviewEntry]:
    step = decision.slot.step
    recipient = family.recipients[0]
    if decision.status is NudgeStatus.PLACED:
        sends = [(m.channel, m.due_at) for m in decision.messages]
        reason = None
    else:
        at = hours.slot(decision.slot.day, recipient.preferred_time)
        sends = [(c, at) for c in step.channels if c in channels]
        reason = decision.reason or decision.status.value
    entries = []
    for chan, at in sends:
        local: datetime = at.astimezone(hours.zone)
        language = programme.template_language(recipient.language, template_name(step.key, chan))
        context = message_context(
            children=[decision.slot.lead],
            day=local.date(),
            language=language,
            location=programme.location(family.location),
            step_key=step.key,
            public_url=public_url,
            parent_name=recipient.first_name,
            offers=programme.offers_at(programme.location(family.location).key),
        )
        composed = compose(programme, step.key, chan, language, context)
        entries.append(
            PreviewEntry(
                step=step.key,
                theme=step.theme.value,
                send_at=local.isoformat(timespec="minutes"),
                channel=chan.value,
                language=language,
                requested_language=recipient.language,
                fallback=language != recipient.language,
                segments=composed.segments,
                subject=composed.subject,
                body=composed.text.strip(),
                skipped=reason,
            )
        )
    return entries
