"""All tables, for Alembic and for code that needs several."""

from notifier.adapters.db.api_tables import ApiEnrolment, ApiKey
from notifier.adapters.db.base import Base
from notifier.adapters.db.consent_tables import Confirmation, InboundMessage, InboundReceipt
from notifier.adapters.db.draft_tables import ProgrammeDraft
from notifier.adapters.db.family_tables import Child, Family, Recipient
from notifier.adapters.db.incident_tables import Incident
from notifier.adapters.db.outbox_tables import Message, Nudge
from notifier.adapters.db.record_tables import Event, PlannerState, ProgrammeVersion
from notifier.adapters.db.staff_tables import (
    AuditEntry,
    StaffRecoveryCode,
    StaffSession,
    StaffUser,
)

__all__ = [
    "ApiEnrolment",
    "ApiKey",
    "AuditEntry",
    "Base",
    "Child",
    "Confirmation",
    "Event",
    "Family",
    "InboundMessage",
    "InboundReceipt",
    "Incident",
    "Message",
    "Nudge",
    "PlannerState",
    "ProgrammeDraft",
    "ProgrammeVersion",
    "Recipient",
    "StaffRecoveryCode",
    "StaffSession",
    "StaffUser",
]
