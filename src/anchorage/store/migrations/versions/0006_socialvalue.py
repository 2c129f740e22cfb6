"""Social value: one-time LM3 survey links.

Revision ID: 0006_socialvalue (before renumbering: 0007)
Revises: 0005_suppliers
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_socialvalue"
down_revision = "0005_suppliers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lm3_survey_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org", sa.String(length=120), nullable=False),
        sa.Column("supplier_name", sa.String(length=200), nullable=False),
        sa.Column("income", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lm3_survey_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lm3_survey_links_org"), ["org"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_lm3_survey_links_token_hash"), ["token_hash"], unique=True
        )


def downgrade() -> None:
    op.drop_table("lm3_survey_links")
