"""All tables, for Alembic and for code that needs several."""

from notifier.adapters.db.base import Base
from notifier.adapters.db.draft_tables import ProgrammeDraft
from notifier.adapters.db.family_tables import Child, Family, Recipient
from notifier.adapters.db.outbox_tables import Message, Nudge
from notifier.adapters.db.record_tables import Event, PlannerState, ProgrammeVersion
from notifier.adapters.db.staff_tables import AuditEntry, StaffUser

__all__ = [
    "AuditEntry",
    "Base",
    "Child",
    "Event",
    "Family",
    "Message",
    "Nudge",
    "PlannerState",
    "ProgrammeDraft",
    "ProgrammeVersion",
    "Recipient",
    "StaffUser",
]
