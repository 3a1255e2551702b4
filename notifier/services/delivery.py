"""Sending what is due: claim (compare-and-set), re-check, render, send, record.

Each message is claimed with one UPDATE that only succeeds from a sendable status, so a second
worker, a redelivered task or a rerun sends nothing new. Consent, pause, loss and quiet hours are
checked again at send time: the plan may be hours old.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from notifier.adapters import metrics, system_texts
from notifier.adapters.channels.base import Channel as ChannelPort
from notifier.adapters.channels.base import Outcome, OutgoingMessage, Result
from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.family_repository import child_facts, usable_channels
from notifier.adapters.db.tables import Child, Family, Message, ProgrammeVersion, Recipient
from notifier.adapters.logs import bound, get_logger
from notifier.adapters.tokens import PREFERENCES, UNSUBSCRIBE, ShortLinks, Tokens
from notifier.domain.context import message_context
from notifier.domain.errors import ScheduleError
from notifier.domain.family import ChildFacts, ChildStatus
from notifier.domain.message_status import (
    SENDABLE,
    MessageStatus,
    SendFacts,
    Verdict,
    decide_send,
)
from notifier.domain.programme import Anchor, Channel
from notifier.domain.segments import append_if_room
from notifier.domain.timing import SendHours
from notifier.services.composing import Composed, compose
from notifier.services.outcomes import apply_outcome, record_accepted
from notifier.services.publishing import steps_in_force, version_programme
from notifier.services.system_messages import is_system_message, prepare_system

PREFERENCES_LINK_DAYS = 60


def short_preferences_link(public_url: str, secret: str, recipient_id: int, today: date) -> str:
    """The preferences link for an SMS: about 20 characters instead of about 90."""
    code = ShortLinks(secret, PREFERENCES).make(recipient_id, today)
    return f"{public_url.rstrip('/')}/k/{code}"


log = get_logger("notifier.delivery")


@dataclass(frozen=True)
class SendContext:
    """What sending needs besides the database: hours, links, a clock, a rate limiter."""

    hours: SendHours
    public_url: str
    tokens: Tokens
    clock: Callable[[], datetime]
    limiter: Callable[[str], None] = lambda _channel: None


@dataclass
class DrainResult:
    attempted: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> None:
        self.by_status[status] = self.by_status.get(status, 0) + 1


def expire_overdue(session: Session, now: datetime) -> int:
    channels = list(
        session.scalars(
            update(Message)
            .where(Message.status.in_(SENDABLE))
            .where(Message.expires_at < now)
            .values(status=MessageStatus.EXPIRED, reason="send window passed", updated_at=now)
            .returning(Message.channel)
            .execution_options(synchronize_session=False)
        )
    )
    for channel in set(channels):
        count = channels.count(channel)
        metrics.after_commit(session, metrics.message_status, channel, MessageStatus.EXPIRED, count)
    if channels:
        log.info("messages.expired", count=len(channels))
    return len(channels)


def _end(session: Session, message: Message, status: str, reason: str | None) -> str:
    """A claimed message that will not be sent: suppressed, expired or failed, with why."""
    message.status, message.reason = status, reason
    metrics.after_commit(session, metrics.message_status, message.channel, status)
    log.info(
        "message.not_sent",
        message_id=message.id,
        channel=message.channel,
        status=status,
        reason=reason,
    )
    return status


def due_ids(session: Session, now: datetime, limit: int = 10_000) -> list[int]:
    return list(
        session.scalars(
            select(Message.id)
            .where(Message.status.in_(SENDABLE))
            .where(Message.due_at <= now)
            .order_by(Message.due_at, Message.id)
            .limit(limit)
        )
    )


def claim(session: Session, message_id: int, now: datetime) -> bool:
    """scheduled|queued -> sending, in one statement; False when someone else has it."""
    result = session.execute(
        update(Message)
        .where(Message.id == message_id)
        .where(Message.status.in_(SENDABLE))
        .values(status=MessageStatus.SENDING, attempts=Message.attempts + 1, updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _children_about(
    session: Session, message: Message, family: Family | None, loss_step: bool
) -> list[ChildFacts]:
    """The children a message is about: its birth (twins together), without a child who was
    lost; a loss message is about the lost one(s)."""
    lead = session.get(Child, message.child_id) if message.child_id else None
    if family is None or lead is None:
        return []
    birth = [child_facts(c) for c in family.children if c.due_date == lead.due_date]
    lost = [c for c in birth if c.status is ChildStatus.LOST]
    return lost if loss_step else [c for c in birth if c.status is not ChildStatus.LOST]


def claim_many(session: Session, message_ids: Sequence[int], now: datetime) -> list[int]:
    """``claim`` for a batch in one statement; returns the ids this caller now holds.

    On PostgreSQL the rows are locked first with SKIP LOCKED: a row another transaction holds is
    being claimed, moved or republished by it, and waiting for it could deadlock two batches
    that overlap in another order."""
    if not message_ids:
        return []
    target = Message.id.in_(list(message_ids))
    if session.get_bind().dialect.name == "postgresql":
        locked = (
            select(Message.id)
            .where(target)
            .where(Message.status.in_(SENDABLE))
            .order_by(Message.id)
            .with_for_update(skip_locked=True)
        )
        target = Message.id.in_(locked.scalar_subquery())
    rows = session.execute(
        update(Message)
        .where(target)
        .where(Message.status.in_(SENDABLE))
        .values(status=MessageStatus.SENDING, attempts=Message.attempts + 1, updated_at=now)
        .returning(Message.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(rows.scalars())


def prepare(session: Session, message_id: int, ctx: SendContext) -> OutgoingMessage | str:
    """Claim and render one message; returns what to send, or the status it ended in."""
    now = ctx.clock()
    if not claim(session, message_id, now):
        return "not claimable"
    message = session.get(Message, message_id)
    assert message is not None
    return _prepare_claimed(session, message, ctx, now)


def prepare_many(
    session: Session, message_ids: Sequence[int], ctx: SendContext
) -> dict[int, OutgoingMessage | str]:
    """``prepare`` for a batch: one claim, one query per table, the same checks per message.

    A message that cannot be rendered ends ``failed`` exactly as ``send_one`` leaves it."""
    now = ctx.clock()
    result: dict[int, OutgoingMessage | str] = dict.fromkeys(message_ids, "not claimable")
    claimed = claim_many(session, message_ids, now)
    if not claimed:
        return result
    messages = list(session.scalars(select(Message).where(Message.id.in_(claimed))))
    # Into the identity map, so that session.get below finds them without a query; it holds
    # objects weakly, so ``loaded`` keeps them until the loop is done.
    loaded: list[object] = [
        *_load(session, Family, {m.family_id for m in messages}, selectinload(Family.children)),
        *_load(session, Recipient, {m.recipient_id for m in messages}),
        *_load(session, ProgrammeVersion, {m.programme_version_id for m in messages}),
    ]
    in_force = steps_in_force(session)
    for message in messages:
        try:
            result[message.id] = _prepare_claimed(session, message, ctx, now, in_force)
        except (TemplateError, ScheduleError, KeyError, ValueError) as exc:
            message.attempts, message.updated_at = message.attempts - 1, ctx.clock()
            why = f"could not render: {exc}"[:300]
            result[message.id] = _end(session, message, MessageStatus.FAILED, why)
    del loaded
    return result


def _load(session: Session, table: Any, ids: set[int | None], *options: Any) -> list[Any]:
    wanted = [i for i in ids if i]
    if not wanted:
        return []
    return list(session.scalars(select(table).where(table.id.in_(wanted)).options(*options)))


def _prepare_claimed(
    session: Session,
    message: Message,
    ctx: SendContext,
    now: datetime,
    in_force: frozenset[str] | None = None,
) -> OutgoingMessage | str:
    if is_system_message(message):  # a confirmation: its own checks, no programme step
        return prepare_system(session, message, ctx.public_url, now, ctx.tokens.secret)
    hours = ctx.hours
    family = session.get(Family, message.family_id) if message.family_id else None
    recipient = session.get(Recipient, message.recipient_id) if message.recipient_id else None
    programme = version_programme(session, message.programme_version_id or 0)
    step = next((s for s in programme.steps if s.key == message.step_key), None)
    if in_force is None:
        in_force = steps_in_force(session)
    if step is not None and step.key not in in_force:  # a later version removed it
        step = None
    loss_step = step is not None and step.anchor is Anchor.LOSS
    about = _children_about(session, message, family, loss_step)
    decision = decide_send(
        SendFacts(
            now=now,
            expires_at=message.expires_at,
            today=hours.today(now),
            step_in_programme=step is not None,
            family_present=family is not None and recipient is not None,
            family_status=family.status if family is not None else "",
            channel=message.channel,
            channel_usable=recipient is not None
            and Channel(message.channel) in usable_channels(recipient),
            loss_step=loss_step,
            child_lost=message.child_id is not None and not about and not loss_step,
            paused_until=family.paused_until if family is not None else None,
            within_allowed_hours=hours.allowed(now.replace(second=0, microsecond=0)),
        )
    )
    if decision.verdict is Verdict.EXPIRE:
        return _end(session, message, MessageStatus.EXPIRED, decision.reason)
    if decision.verdict is Verdict.SUPPRESS or family is None or recipient is None or step is None:
        return _end(session, message, MessageStatus.SUPPRESSED, decision.reason)
    if decision.verdict is Verdict.WAIT_FOR_PAUSE and family.paused_until is not None:
        after = hours.slot(family.paused_until + timedelta(days=1), recipient.preferred_time)
        if after > message.expires_at:  # the window closes during the pause
            return _end(session, message, MessageStatus.SUPPRESSED, "paused")
        message.status, message.due_at = MessageStatus.SCHEDULED, after  # after the pause
        message.reason, message.attempts = decision.reason, message.attempts - 1
        return "waiting for the pause to end"
    if decision.verdict is Verdict.WAIT_FOR_HOURS:  # all of the last minute must be allowed
        message.status = MessageStatus.SCHEDULED
        message.due_at = hours.next_allowed(now, recipient.preferred_time)
        message.attempts -= 1
        return "waiting for allowed hours"
    context = message_context(
        children=about or [child_facts(family.children[0])],
        day=hours.today(now),
        language=message.language,
        location=programme.location(family.location_key),
        step_key=message.step_key,
        public_url=ctx.public_url,
        parent_name=recipient.first_name,
        offers=programme.offers_at(programme.location(family.location_key).key),
    )
    base = ctx.public_url.rstrip("/")
    headers: dict[str, str] = {}
    if message.channel == "email":
        token = ctx.tokens.make(PREFERENCES, {"r": recipient.id})
        context["preferences_link"] = f"{base}/p/{token}"
        headers["unsubscribe_url"] = f"{base}/u/{ctx.tokens.make(UNSUBSCRIBE, {'r': recipient.id})}"
    else:
        headers["status_callback"] = f"{base}/webhooks/twilio/status?m={message.id}"
        headers["validity_period"] = str(int((message.expires_at - now).total_seconds()))
    composed = compose(
        programme, message.step_key, Channel(message.channel), message.language, context
    )
    if message.channel == "sms":  # where there is room: how to change or stop, as a short link
        link = short_preferences_link(base, ctx.tokens.secret, recipient.id, hours.today(now))
        footer = system_texts.sms("sms-footer", message.language, {"link": link})
        composed = Composed(append_if_room(composed.text, footer))
    message.body = (
        composed.text
        if composed.subject is None
        else (f"Subject: {composed.subject}\n\n{composed.text}")
    )
    to = recipient.phone if message.channel == "sms" else recipient.email
    return OutgoingMessage(
        message.id,
        message.channel,
        to or "",
        message.language,
        composed.text,
        composed.subject,
        composed.html,
        headers,
    )


def send_one(
    factory: sessionmaker[Session],
    message_id: int,
    channels: Mapping[str, ChannelPort],
    ctx: SendContext,
) -> str:
    """Claim, re-check and render in one transaction; send outside it; record in another."""
    try:
        with unit_of_work(factory) as session:
            prepared = prepare(session, message_id, ctx)
    except (TemplateError, ScheduleError, KeyError, ValueError) as exc:
        with unit_of_work(factory) as session:  # a message that cannot be made never will be
            channel = session.scalar(
                update(Message)
                .where(Message.id == message_id)
                .where(Message.status.in_(SENDABLE))
                .values(
                    status=MessageStatus.FAILED,
                    reason=f"could not render: {exc}"[:300],
                    updated_at=ctx.clock(),
                )
                .returning(Message.channel)
            )
            if channel is not None:
                metrics.after_commit(session, metrics.message_status, channel, MessageStatus.FAILED)
        if channel is not None:
            log.warning(
                "message.not_sent", message_id=message_id, status="failed", reason=str(exc)
            )
        return MessageStatus.FAILED
    if isinstance(prepared, str):
        return prepared
    return _send(factory, prepared, channels, ctx)


def _send(
    factory: sessionmaker[Session],
    prepared: OutgoingMessage,
    channels: Mapping[str, ChannelPort],
    ctx: SendContext,
) -> str:
    """Hand one prepared message to its channel and record the outcome; every log line in
    between carries the message id."""
    with bound(message_id=prepared.id, channel=prepared.channel):
        ctx.limiter(prepared.channel)
        log.debug("message.sending", to=prepared.to)  # masked by the log processor
        outcome = channels[prepared.channel].send(prepared)
        return record(factory, prepared.id, outcome, ctx.clock)


def record(
    factory: sessionmaker[Session], message_id: int, outcome: Outcome, clock: Callable[[], datetime]
) -> str:
    """``apply_outcome`` with the row locked first. Twilio may call back before its answer to
    the send arrives: without the lock, a ``delivered`` committed by the status callback between
    apply_outcome's read and its write would be overwritten with ``sent``, for good."""
    with unit_of_work(factory) as session:
        session.execute(select(Message.id).where(Message.id == message_id).with_for_update())
        return apply_outcome(session, message_id, outcome, clock())


def send_many(
    factory: sessionmaker[Session],
    message_ids: Sequence[int],
    channels: Mapping[str, ChannelPort],
    ctx: SendContext,
    map_: Callable[
        [Callable[[OutgoingMessage | str], Any], list[OutgoingMessage | str]], Iterable[Any]
    ] = map,
) -> list[str]:
    """``send_one`` for a batch (a worker task): claim, re-check and render all in one
    transaction; then each is sent outside it (``map_`` may run those on threads). The accepted
    ones are recorded together in one transaction when all sends are done; any other outcome is
    recorded on its own, as ``send_one`` does. Returns the statuses in the order of
    ``message_ids``.

    Until they are recorded, the accepted messages stay ``sending``: a status callback may move
    them on meanwhile (then the record changes nothing), and if the worker dies first, they are
    resolved like any send whose outcome is unknown (the callbacks, or reconciling)."""
    with unit_of_work(factory) as session:
        prepared = prepare_many(session, message_ids, ctx)

    def finish(item: OutgoingMessage | str) -> str | tuple[int, Outcome, datetime]:
        if isinstance(item, str):
            return item
        with bound(message_id=item.id, channel=item.channel):
            ctx.limiter(item.channel)
            log.debug("message.sending", to=item.to)  # masked by the log processor
            outcome = channels[item.channel].send(item)
            if outcome.result is Result.ACCEPTED and outcome.provider_ref:
                return (item.id, outcome, ctx.clock())
            return record(factory, item.id, outcome, ctx.clock)

    items: list[OutgoingMessage | str] = []
    for n, message_id in enumerate(message_ids):  # an id twice in a batch is claimed once
        items.append("not claimable" if message_id in message_ids[:n] else prepared[message_id])
    done = list(map_(finish, items))
    accepted = [(d[0], d[1].provider_ref or "", d[2]) for d in done if isinstance(d, tuple)]
    with unit_of_work(factory) as session:
        record_accepted(session, accepted)
    return [d if isinstance(d, str) else MessageStatus.SENT for d in done]


def drain(
    factory: sessionmaker[Session], channels: Mapping[str, ChannelPort], ctx: SendContext
) -> DrainResult:
    """Send everything due now, in-process (the embedded default, and ``tick --drain``)."""
    result = DrainResult()
    with unit_of_work(factory) as session:
        expired = expire_overdue(session, ctx.clock())
        ids = due_ids(session, ctx.clock())
    if expired:
        result.by_status[MessageStatus.EXPIRED] = expired
    for message_id in ids:
        result.attempted += 1
        result.count(send_one(factory, message_id, channels, ctx))
    return result
