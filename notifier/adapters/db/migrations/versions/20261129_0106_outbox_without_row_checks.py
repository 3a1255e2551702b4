"""nudges and messages without per-row foreign-key checks

Revision ID: 0106
Revises: 0002
Create Date: 2026-11-29 09:00:00

The daily planning tick writes, at 1,000,000 families, some 40,000 nudge records and 60,000
outbox rows in one transaction. Every foreign key on those tables is a trigger that looks up and
key-share-locks the parent row, per row and per key: eight look-ups per nudge and message, which
cost more than everything else in the tick (bench/plan.py). The references hold without them:

* the planner writes only ids it has read in the same transaction (the family, its children and
  recipients, the nudge it has just inserted or loaded, the published programme version);
* nothing deletes families, children, recipients or programme versions: a family that leaves
  is ended (its status), a programme version is superseded, never removed; the only deletes are
  of unsent nudges together with their messages (family_changes._forget_unsent);
* whoever adds hard deletion (erasure) must delete or anonymise the family's nudges and messages
  in the same transaction, as ON DELETE CASCADE / SET NULL did.

Only sent messages have a provider reference, so its index becomes partial: the tick's rows
(provider_ref still NULL) no longer go into it. Lookups by provider_ref = :ref still use it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0106"
down_revision = "0002"
branch_labels = None
depends_on = None

_NUDGE_KEYS = (
    ("fk_nudges_child_id_children", "child_id", "children", "CASCADE"),
    ("fk_nudges_family_id_families", "family_id", "families", "CASCADE"),
    (
        "fk_nudges_programme_version_id_programme_versions",
        "programme_version_id",
        "programme_versions",
        "SET NULL",
    ),
)
_MESSAGE_KEYS = (
    ("fk_messages_child_id_children", "child_id", "children", "SET NULL"),
    ("fk_messages_family_id_families", "family_id", "families", "SET NULL"),
    ("fk_messages_nudge_id_nudges", "nudge_id", "nudges", "SET NULL"),
    (
        "fk_messages_programme_version_id_programme_versions",
        "programme_version_id",
        "programme_versions",
        "SET NULL",
    ),
    ("fk_messages_recipient_id_recipients", "recipient_id", "recipients", "SET NULL"),
)


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        for name, *_ in _MESSAGE_KEYS:
            batch_op.drop_constraint(name, type_="foreignkey")
        batch_op.drop_index("ix_messages_provider_ref")
        batch_op.create_index(
            "ix_messages_provider_ref",
            ["provider_ref"],
            unique=False,
            postgresql_where=sa.text("provider_ref IS NOT NULL"),
            sqlite_where=sa.text("provider_ref IS NOT NULL"),
        )
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        for name, *_ in _NUDGE_KEYS:
            batch_op.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        for name, column, parent, ondelete in _NUDGE_KEYS:
            batch_op.create_foreign_key(name, parent, [column], ["id"], ondelete=ondelete)
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_provider_ref")
        batch_op.create_index("ix_messages_provider_ref", ["provider_ref"], unique=False)
        for name, column, parent, ondelete in _MESSAGE_KEYS:
            batch_op.create_foreign_key(name, parent, [column], ["id"], ondelete=ondelete)
