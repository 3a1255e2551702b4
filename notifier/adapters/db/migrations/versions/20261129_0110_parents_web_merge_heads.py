"""join the staff (0107) and parents-sms (0103) heads on the parents-web branch

No schema change: the parents-web branch has both branches merged and Alembic needs one head.
The lead re-chains the revisions at merge and may drop this file then.

Revision ID: 0110
Revises: 0107, 0103
Create Date: 2026-11-29 09:00:00
"""

from __future__ import annotations

revision = "0110"
down_revision = ("0107", "0103")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
