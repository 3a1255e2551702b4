"""The API's request and response bodies (they are also its OpenAPI schema).

Requests are strict about types (a number is not a date, a string is not a number) and refuse
unknown fields, so what the schema says is what the API accepts."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from notifier.adapters.db.tables import Family, Recipient
from notifier.domain.enrolment import EnrolmentInput, RecipientInput
from notifier.domain.programme import Channel
from notifier.services.enrolment_api import EnrolmentChange, RecipientChange

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HH_MM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _iso_date_text(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("use a date as YYYY-MM-DD")
    return value


def _json_integer(value: Any) -> Any:
    """What JSON Schema calls an integer: 3 or 3.0, never "3" or true."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("give a whole number")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("give a whole number")
    return int(value)


JsonInt = Annotated[int, BeforeValidator(_json_integer)]
ApiDate = Annotated[date, BeforeValidator(_iso_date_text)]
LocalTime = Annotated[
    str,
    Field(pattern=_HH_MM, description="HH:MM, local time (Europe/Amsterdam)", examples=["19:30"]),
]
ChannelName = Literal["sms", "email"]
Language = Annotated[str, Field(min_length=2, max_length=8, examples=["nl"])]
Weeks = Annotated[JsonInt, Field(ge=22, le=44, description="completed weeks of pregnancy")]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecipientIn(_Request):
    phone: str | None = Field(None, max_length=40, examples=["+31612345678"])
    email: str | None = Field(None, max_length=254, examples=["ouder@example.nl"])
    language: Language = "nl"
    channels: list[ChannelName] = Field(
        default_factory=list,
        max_length=2,
        description="default: every channel the contact details allow",
    )
    first_name: str = Field("", max_length=80)
    preferred_time: LocalTime | None = None

    def as_input(self) -> RecipientInput:
        return RecipientInput(
            phone=self.phone,
            email=self.email,
            language=self.language,
            channels=tuple(dict.fromkeys(Channel(c) for c in self.channels)),
            first_name=self.first_name,
            preferred_time=_time(self.preferred_time),
        )


def _enrollment_example(schema: dict[str, Any]) -> None:
    """A valid request on the day the document is made (dates are checked against today)."""
    due = date.today() + timedelta(weeks=20)
    schema["examples"] = [
        {
            "due_date": due.isoformat(),
            "first_child": True,
            "location": "den-haag",
            "recipients": [
                {
                    "phone": "+31612345678",
                    "email": "ouder@example.nl",
                    "language": "nl",
                    "channels": ["sms", "email"],
                    "first_name": "Samira",
                    "preferred_time": "19:30",
                }
            ],
        }
    ]


class EnrollmentIn(_Request):
    """Give a due date (pregnancy) or a birth date (a child under two), not both."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_enrollment_example)

    due_date: ApiDate | None = None
    birth_date: ApiDate | None = None
    weeks_at_birth: Weeks | None = None
    first_child: StrictBool | None = None
    child_name: str = Field("", max_length=80)
    location: str | None = Field(None, max_length=64, description="CJG location key")
    recipients: list[RecipientIn] = Field(
        min_length=1, max_length=2, description="a parent, and optionally a second caregiver"
    )

    def as_input(self) -> EnrolmentInput:
        return EnrolmentInput(
            recipients=tuple(r.as_input() for r in self.recipients),
            consent_source="api",
            due_date=self.due_date,
            birth_date=self.birth_date,
            weeks_at_birth=self.weeks_at_birth,
            child_name=self.child_name,
            location=self.location,
            first_child=self.first_child,
        )


class RecipientChangeIn(_Request):
    position: JsonInt = Field(ge=0, le=1, description="the recipient's position in `recipients`")
    channels: list[ChannelName] | None = Field(None, min_length=1, max_length=2)
    language: Language | None = None
    preferred_time: LocalTime | None = None

    def as_change(self) -> RecipientChange:
        return RecipientChange(
            position=self.position,
            channels=tuple(dict.fromkeys(Channel(c) for c in self.channels))
            if self.channels is not None
            else None,
            language=self.language,
            preferred_time=_time(self.preferred_time),
        )


class EnrollmentPatch(_Request):
    """Only what is given changes; all of it or nothing."""

    due_date: ApiDate | None = Field(None, description="a new due date (before the birth)")
    birth_date: ApiDate | None = Field(None, description="report the birth")
    weeks_at_birth: Weeks | None = None
    paused_until: ApiDate | None = Field(None, description="pause messages until this day")
    recipients: list[RecipientChangeIn] = Field(default_factory=list, max_length=2)

    def as_change(self) -> EnrolmentChange:
        return EnrolmentChange(
            due_date=self.due_date,
            birth_date=self.birth_date,
            weeks_at_birth=self.weeks_at_birth,
            paused_until=self.paused_until,
            recipients=tuple(r.as_change() for r in self.recipients),
        )


ConsentState = Literal["none", "pending", "confirmed", "withdrawn"]


class ConsentOut(BaseModel):
    sms: ConsentState
    email: ConsentState


class RecipientOut(BaseModel):
    position: int
    first_name: str
    phone: str | None = Field(description="masked: the API never returns a full number")
    email: str | None = Field(description="masked: the API never returns a full address")
    language: str
    channels: list[ChannelName]
    preferred_time: str | None = Field(description="HH:MM, local time")
    consent: ConsentOut


class ChildOut(BaseModel):
    name: str
    status: Literal["expecting", "born", "lost", "ended"]
    due_date: date
    birth_date: date | None
    weeks_at_birth: int | None


class EnrollmentOut(BaseModel):
    id: str = Field(description="opaque enrollment id")
    status: Literal["active", "stopped", "lost", "ended"]
    created_at: datetime
    paused_until: date | None
    location: str | None
    children: list[ChildOut]
    recipients: list[RecipientOut]

    @classmethod
    def of(cls, family: Family) -> EnrollmentOut:
        return cls(
            id=family.public_id,
            status=family.status,
            created_at=family.created_at,
            paused_until=family.paused_until,
            location=family.location_key,
            children=[
                ChildOut(
                    name=c.name,
                    status=c.status,
                    due_date=c.due_date,
                    birth_date=c.birth_date,
                    weeks_at_birth=c.weeks_at_birth,
                )
                for c in family.children
            ],
            recipients=[_recipient(i, r) for i, r in enumerate(family.recipients)],
        )


def _recipient(position: int, r: Recipient) -> RecipientOut:
    return RecipientOut(
        position=position,
        first_name=r.first_name,
        phone=mask_phone(r.phone),
        email=mask_email(r.email),
        language=r.language,
        channels=[c for c in r.channels.split(",") if c],
        preferred_time=r.preferred_time.strftime("%H:%M") if r.preferred_time else None,
        consent=ConsentOut(sms=r.sms_consent, email=r.email_consent),
    )


def mask_phone(phone: str | None) -> str | None:
    """``+31612345678`` -> ``+316******78``: enough to recognise, not enough to use."""
    if not phone:
        return None
    return phone[:4] + "*" * max(len(phone) - 6, 0) + phone[-2:]


def mask_email(email: str | None) -> str | None:
    """``ouder@example.nl`` -> ``o***@example.nl``."""
    if not email:
        return None
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _time(text: str | None) -> time | None:
    return time.fromisoformat(text) if text else None
