"""Supplier review decisions.

Revision ID: 0005_suppliers (before renumbering: 0003)
Revises: 0004_assets
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_suppliers"
down_revision = "0004_assets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supplier_decisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("record_id", sa.String(32), nullable=False, index=True),
        sa.Column("register_source", sa.String(32)),
        sa.Column("register_id", sa.String(32)),
        sa.Column("other_record_id", sa.String(32)),
        sa.Column("note", sa.String(1000)),
        sa.Column("decided_by", sa.String(120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("supplier_decisions")
