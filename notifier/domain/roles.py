"""Staff roles and what each may do: one table, asked everywhere (pages never test role names)."""

from __future__ import annotations

from enum import StrEnum

from notifier.domain.errors import InputError


class Role(StrEnum):
    VIEWER = "viewer"
    AUTHOR = "author"
    REVIEWER = "reviewer"
    ADMIN = "admin"


class Permission(StrEnum):
    READ_PROGRAMME = "read_programme"  # see the programme, its versions and previews
    EDIT_DRAFT = "edit_draft"  # change steps, texts, locations and offers in a draft
    REVIEW = "review"  # approve a colleague's draft
    PUBLISH = "publish"  # publish an approved draft, roll back
    ENROL_FAMILY = "enrol_family"  # enrol a family with consent taken at the CJG
    VIEW_DELIVERY = "view_delivery"  # the delivery dashboard and alerts
    VIEW_FAMILY = "view_family"  # look up one family's history (audited)
    MANAGE_USERS = "manage_users"  # create, disable, reset staff accounts
    READ_AUDIT = "read_audit"


_READ = {Permission.READ_PROGRAMME}
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset(_READ),
    Role.AUTHOR: frozenset(_READ | {Permission.EDIT_DRAFT, Permission.ENROL_FAMILY}),
    Role.REVIEWER: frozenset(
        _READ
        | {Permission.EDIT_DRAFT, Permission.REVIEW, Permission.PUBLISH, Permission.ENROL_FAMILY}
    ),
    # Administrators run the service; they do not write or approve content (separation of duties).
    Role.ADMIN: frozenset(
        _READ
        | {
            Permission.VIEW_DELIVERY,
            Permission.VIEW_FAMILY,
            Permission.MANAGE_USERS,
            Permission.READ_AUDIT,
        }
    ),
}


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InputError(f"unknown role {value!r}: use one of {names}", "role") from None


def allows(role: str, permission: Permission) -> bool:
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False
