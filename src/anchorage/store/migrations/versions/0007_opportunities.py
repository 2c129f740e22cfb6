"""Open opportunities: suppliers' self-registrations, anchors' pipeline publication choice, and a form name on
form attempts (one limit per form).

Revision ID: 0007_opportunities (before renumbering: 0011)
Revises: 0006_socialvalue
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_opportunities"
down_revision = "0006_socialvalue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("form_attempts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("form", sa.String(length=32), server_default="space-need", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_form_attempts_form"), ["form"], unique=False)

    op.create_table(
        "supplier_registrations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("size", sa.String(length=16), nullable=False),
        sa.Column("org_type", sa.String(length=24), nullable=False),
        sa.Column("charity_number", sa.String(length=12), nullable=True),
        sa.Column("company_number", sa.String(length=10), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("supplier_registrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supplier_registrations_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_supplier_registrations_fingerprint"), ["fingerprint"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_supplier_registrations_status"), ["status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_supplier_registrations_token_hash"), ["token_hash"], unique=False
        )

    op.create_table(
        "pipeline_publication",
        sa.Column("org", sa.String(length=120), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org"),
    )


def downgrade() -> None:
    op.drop_table("pipeline_publication")
    op.drop_table("supplier_registrations")
    with op.batch_alter_table("form_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_attempts_form"))
        batch_op.drop_column("form")
