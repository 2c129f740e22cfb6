"""Uploads: provenance and reconciliation of every loaded file.

Revision ID: 0001_uploads (before renumbering: 0001)
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_uploads"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("org", sa.String(120), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("filename", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("raw_path", sa.String(1000), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("mapping_source", sa.String(1000), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_loaded", sa.Integer(), nullable=False),
        sa.Column("rows_quarantined", sa.Integer(), nullable=False),
        sa.Column("amount_read", sa.Numeric(18, 2)),
        sa.Column("amount_loaded", sa.Numeric(18, 2)),
        sa.Column("amount_quarantined", sa.Numeric(18, 2)),
        sa.Column("replaces", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("uploads")
