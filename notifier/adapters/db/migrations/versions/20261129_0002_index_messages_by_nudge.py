"""index messages by nudge

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 06:32:19.723891
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reporting a birth forgets the unsent messages of a nudge: without this index that is a
    # scan of the whole outbox per nudge.
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index("ix_messages_nudge_id", ["nudge_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_nudge_id")
