"""The sign-up page's sample: the first few messages a family would get, from the published
schedule through the preview (the planner itself), never a text written for the page."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from notifier.domain.errors import InputError
from notifier.domain.planner import CapRule
from notifier.domain.programme import Programme
from notifier.domain.timing import SendHours
from notifier.services.preview import preview

EXAMPLE_WEEKS_PREGNANT = 20


def example_due_date(today: date) -> date:
    """The due date of someone EXAMPLE_WEEKS_PREGNANT weeks pregnant today."""
    return today + timedelta(weeks=40 - EXAMPLE_WEEKS_PREGNANT)


def first_messages(
    programme: Programme,
    *,
    today: date,
    hours: SendHours,
    cap: CapRule,
    public_url: str,
    language: str,
    due_date: date | None = None,
    birth_date: date | None = None,
    weeks_at_birth: int | None = None,
    count: int = 3,
) -> list[tuple[date, str]]:
    """(send day, SMS text) of the first ``count`` messages; [] for dates out of range."""
    try:
        entries = preview(
            programme,
            today=today,
            hours=hours,
            cap=cap,
            public_url=public_url,
            due_date=due_date,
            birth_date=birth_date,
            weeks_at_birth=weeks_at_birth,
            language=language if language in programme.languages else "nl",
            channel="sms",
        )
    except InputError:
        return []
    sent = [e for e in entries if e.skipped is None][:count]
    return [(datetime.fromisoformat(e.send_at).date(), e.body) for e in sent]
