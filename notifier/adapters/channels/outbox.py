"""The local outbox channel: messages land as JSON files under ``var/outbox/``.

Used by the demo and in development when no Twilio or SMTP settings are given."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from notifier.adapters.channels.base import Outcome, OutgoingMessage, Result


class OutboxChannel:
    def __init__(self, folder: Path, name: str) -> None:
        self.folder = folder
        self.name = name

    def send(self, message: OutgoingMessage) -> Outcome:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{message.id:010d}.{message.channel}.json"
        record = {
            "id": message.id,
            "channel": message.channel,
            "to": message.to,
            "language": message.language,
            "subject": message.subject,
            "text": message.text,
            "sent_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)
        return Outcome(Result.DELIVERED, provider_ref=f"outbox:{path.name}")


def read_outbox(folder: Path) -> list[dict[str, Any]]:
    if not folder.is_dir():
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def forget_in_outbox(folder: Path, forms: list[str]) -> int:
    """Delete the outbox files that name an erased number or address (in any of ``forms``,
    any case); returns how many."""
    if not folder.is_dir() or not forms:
        return 0
    wanted = [f.lower() for f in forms]
    deleted = 0
    for path in sorted(folder.glob("*.json")):
        text = path.read_text(encoding="utf-8", errors="replace").lower()
        if any(f in text for f in wanted):
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted
