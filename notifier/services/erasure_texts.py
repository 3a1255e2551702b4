"""Texts that outlive an erasure without the erased number or address in them."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from notifier.adapters.db.tables import Message, Recipient
from notifier.domain.contact_forms import contact_forms, scrub


def scrub_message_reasons(session: Session, recipient: Recipient) -> None:
    """A provider's error or a bounce kept as a message's reason may name the number or the
    address ("The 'To' number +316... is not valid"): the reason stays (delivery statistics),
    without them. Every erasure of a recipient calls this, retention included."""
    forms = contact_forms(recipient.phone, recipient.email)
    if not forms:
        return
    rows = session.execute(
        select(Message.id, Message.reason)
        .where(Message.recipient_id == recipient.id)
        .where(Message.reason.is_not(None))
    ).all()
    for message_id, reason in rows:
        cleaned = scrub(reason or "", forms)
        if cleaned != reason:
            session.execute(
                update(Message)
                .where(Message.id == message_id)
                .values(reason=cleaned)
                .execution_options(synchronize_session=False)
            )
