"""programme drafts

Revision ID: 0108
Revises: 0106
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from notifier.adapters.db.base import UTCDateTime

revision = "0108"
down_revision = "0106"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "programme_drafts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column(
            "based_on_version_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("author_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("author", sa.String(length=254), nullable=False),
        sa.Column("contributors", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sa.String(length=254), nullable=True),
        sa.Column("submitted_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(length=254), nullable=True),
        sa.Column(
            "approved_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("approved_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "published_version_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("review_note", sa.String(length=1000), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["staff_users.id"],
            name=op.f("fk_programme_drafts_approved_by_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["staff_users.id"],
            name=op.f("fk_programme_drafts_author_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["based_on_version_id"],
            ["programme_versions.id"],
            name=op.f("fk_programme_drafts_based_on_version_id_programme_versions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["published_version_id"],
            ["programme_versions.id"],
            name=op.f("fk_programme_drafts_published_version_id_programme_versions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_drafts")),
    )
    with op.batch_alter_table("programme_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_drafts_status"), ["status"], unique=False)

    with op.batch_alter_table("programme_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "draft_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(sa.Column("approved_by", sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("programme_versions", schema=None) as batch_op:
        batch_op.drop_column("approved_by")
        batch_op.drop_column("draft_id")

    with op.batch_alter_table("programme_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_drafts_status"))

    op.drop_table("programme_drafts")
