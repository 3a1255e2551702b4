"""A real SMTP server on loopback (aiosmtpd) that records what arrives: for every email test."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller

from tests.integration.delivery_support import free_port


class Inbox:
    """An SMTP handler that records what arrives and can refuse with a chosen reply."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.reply = "250 OK"
        self.url = ""

    async def handle_DATA(self, server, session, envelope):
        if not self.reply.startswith("250"):
            return self.reply
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    """A running SMTP server; its address is ``inbox.url`` (``smtp://127.0.0.1:<port>``)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{port}"
    try:
        yield inbox
    finally:
        controller.stop()
