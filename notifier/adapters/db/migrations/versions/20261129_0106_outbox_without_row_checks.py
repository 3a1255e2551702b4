"""messages: a partial index on provider_ref

Revision ID: 0106
Revises: 0105

Only sent messages have a provider reference, so its index becomes partial: the rows the daily
planning tick writes (provider_ref still NULL) no longer go into it. Lookups by
provider_ref = :ref still use it.

The foreign keys on nudges and messages stay, although their per-row checks are a large part of
the tick's cost at 1M families (bench/README.md): erasure (privacy.erase_family and the partner
API) relies on their ON DELETE CASCADE / SET NULL to leave no row pointing at a removed person.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0106"
down_revision = "0105"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_provider_ref")
        batch_op.create_index(
            "ix_messages_provider_ref",
            ["provider_ref"],
            unique=False,
            postgresql_where=sa.text("provider_ref IS NOT NULL"),
            sqlite_where=sa.text("provider_ref IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_provider_ref")
        batch_op.create_index("ix_messages_provider_ref", ["provider_ref"], unique=False)
