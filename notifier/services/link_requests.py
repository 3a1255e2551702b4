"""A new link to the preferences page, asked for by number or address. The answer on the page is
the same whether we know the person or not; the same sign-up limits apply (a form that sends
SMS is a form that can be abused to send SMS)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import Family, Recipient
from notifier.domain.contact import lookup_email, lookup_phone
from notifier.domain.errors import InputError
from notifier.domain.limits import HOUR, contact_key, within
from notifier.services.confirmation import send_confirmations
from notifier.services.ports import Runtime
from notifier.services.preferences import preferences_link
from notifier.services.signup import counter_for, limits_of
from notifier.services.system_messages import LINK_STEP, system_message

VALID_FOR = timedelta(hours=4)


def _channel_and_match(contact: str, regions: list[str]) -> tuple[str, str, object] | None:
    """(channel, the number or address as stored, a condition that finds it)."""
    try:
        phone = lookup_phone(contact, regions)
        return "sms", phone, Recipient.phone == phone
    except InputError:
        pass
    try:
        email = lookup_email(contact).lower()
        return "email", email, func.lower(Recipient.email) == email
    except InputError:
        return None


def request_link(app: Runtime, contact: str, ip: str, now: datetime) -> None:
    """Send a fresh preferences link to this number or address if someone there gets our
    messages (confirmed); otherwise do nothing. Never tells the caller which it was."""
    found = _channel_and_match(contact, app.settings.phone_regions)
    if found is None:
        return
    channel, normalised, match = found
    limits = limits_of(app.settings)
    counter = counter_for(app.settings)
    secret = app.settings.secret_key
    ok = within(counter.hit("link-ip", contact_key(secret, ip), HOUR), limits.per_ip)
    key = contact_key(secret, normalised)
    ok = within(counter.hit("link-contact", key, HOUR), limits.per_contact) and ok
    if channel == "sms":
        ok = within(counter.hit("sms", "all", HOUR), limits.sms_total) and ok
    if not ok:
        return
    ids = []
    with unit_of_work(app.factory) as session:
        people = session.scalars(
            select(Recipient)
            .join(Family, Family.id == Recipient.family_id)
            .where(match)  # type: ignore[arg-type]
            .where(getattr(Recipient, f"{channel}_consent") == "confirmed")
            .order_by(Recipient.id)
        ).all()
        for recipient in people:
            link = preferences_link(app.settings.public_url, secret, recipient.id)
            context: dict[str, object] = {"link": link, "parent_name": recipient.first_name}
            message = system_message(recipient, LINK_STEP, channel, context, now, now + VALID_FOR)
            session.add(message)
            session.flush()
            ids.append(message.id)
    send_confirmations(app, ids)
