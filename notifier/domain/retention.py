"""How long personal data is kept: a family is erased three months after its programme ends
or after it stopped; message texts and SMS replies after 30 days."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from notifier.domain.family import ChildFacts, ChildStatus
from notifier.domain.programme import Age, Anchor, Programme

KEEP_AFTER_END = relativedelta(months=3)
# A family that lost its baby and asked us to keep its data: kept this long after the loss
# (about as long as the programme would have run), unless they erase it themselves sooner.
KEEP_ON_REQUEST_AFTER_LOSS = relativedelta(years=2)
TEXT_RETENTION = timedelta(days=30)


def programme_end(programme: Programme, child: ChildFacts) -> date:
    """The last day any step of the programme may still go for this child."""
    last = child.lost_on or child.birth_anchor
    for step in programme.steps:
        if step.anchor is Anchor.LOSS:
            if child.lost_on is None:
                continue
            anchor = child.lost_on
        elif child.status is ChildStatus.LOST:
            continue  # nothing else goes after a loss
        elif step.anchor is Anchor.DUE_DATE:
            anchor = child.due_date
        else:
            anchor = child.corrected_anchor if step.age is Age.CORRECTED else child.birth_anchor
        last = max(last, step.window.apply(step.offset.apply(anchor)))
    return last


def longest_span_days(programme: Programme) -> int:
    """The most days from an anchor to the end of any step (for a coarse SQL pre-filter):
    measured from anchors on every day of a leap year and the next, so month lengths are
    all covered."""
    starts = [date(2024, 1, 1) + timedelta(days=n) for n in range(0, 731, 1)]
    longest = 0
    for step in programme.steps:
        for start in starts[:: 1 if step.offset.months or step.offset.years else 365]:
            longest = max(longest, (step.window.apply(step.offset.apply(start)) - start).days)
    return longest


def erase_due(
    programme: Programme,
    children: Sequence[ChildFacts],
    stopped_on: date | None,
    today: date,
    kept_after_loss: bool = False,
) -> bool:
    """Whether a family's data is due for erasure on ``today``."""
    losses = [c.lost_on for c in children if c.lost_on is not None]
    if kept_after_loss and losses:
        return today >= max(losses) + KEEP_ON_REQUEST_AFTER_LOSS
    if stopped_on is not None:
        return today >= stopped_on + KEEP_AFTER_END
    if not children:
        return True
    return all(today > programme_end(programme, c) + KEEP_AFTER_END for c in children)
