"""Assets: review decisions, spaces, needs, form attempts, space requests, notifications, ACV and transfers.

Revision ID: 0004_assets (before renumbering: 0005)
Revises: 0003_workforce
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_assets"
down_revision = "0003_workforce"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "acv_listings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("org", sa.String(length=120), nullable=True),
        sa.Column("asset_key", sa.String(length=300), nullable=True),
        sa.Column("nominated_by", sa.String(length=200), nullable=False),
        sa.Column("nominated_on", sa.Date(), nullable=False),
        sa.Column("decision_due", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "asset_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org", sa.String(length=120), nullable=False),
        sa.Column("asset_key", sa.String(length=300), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("asset_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_asset_decisions_asset_key"), ["asset_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_asset_decisions_org"), ["org"], unique=False)

    op.create_table(
        "asset_transfers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org", sa.String(length=120), nullable=False),
        sa.Column("asset_key", sa.String(length=300), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("terms", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("asset_transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_asset_transfers_org"), ["org"], unique=False)

    op.create_table(
        "form_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ip_hash", sa.String(length=64), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("form_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_attempts_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_form_attempts_email_hash"), ["email_hash"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_form_attempts_ip_hash"), ["ip_hash"], unique=False)

    op.create_table(
        "needs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ref", sa.String(length=120), nullable=True),
        sa.Column("group_name", sa.String(length=120), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("activity", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("times", sa.JSON(), nullable=False),
        sa.Column("accessibility", sa.JSON(), nullable=False),
        sa.Column("facilities", sa.JSON(), nullable=False),
        sa.Column("area", sa.String(length=120), nullable=False),
        sa.Column("easting", sa.Float(), nullable=True),
        sa.Column("northing", sa.Float(), nullable=True),
        sa.Column("max_distance_m", sa.Integer(), nullable=False),
        sa.Column("budget_per_hour", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ip_hash", sa.String(length=64), nullable=True),
        sa.Column("email_hash", sa.String(length=64), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_needs_fingerprint"), ["fingerprint"], unique=False)
        batch_op.create_index(batch_op.f("ix_needs_ref"), ["ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_needs_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_needs_token_hash"), ["token_hash"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("recipient", sa.String(length=140), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_recipient"), ["recipient"], unique=False)

    op.create_table(
        "spaces",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org", sa.String(length=120), nullable=False),
        sa.Column("ref", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("asset_key", sa.String(length=300), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("easting", sa.Float(), nullable=True),
        sa.Column("northing", sa.Float(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("times", sa.JSON(), nullable=False),
        sa.Column("facilities", sa.JSON(), nullable=False),
        sa.Column("accessibility", sa.JSON(), nullable=False),
        sa.Column("hourly_cost", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("spaces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spaces_org"), ["org"], unique=False)

    op.create_table(
        "disposal_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("acv_id", sa.Integer(), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=False),
        sa.Column("interim_ends", sa.Date(), nullable=False),
        sa.Column("full_ends", sa.Date(), nullable=False),
        sa.Column("protected_ends", sa.Date(), nullable=False),
        sa.Column("intent_to_bid_on", sa.Date(), nullable=True),
        sa.Column("intent_from", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["acv_id"],
            ["acv_listings.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("disposal_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disposal_notices_acv_id"), ["acv_id"], unique=False)

    op.create_table(
        "space_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["needs.id"],
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["spaces.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("space_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_space_requests_need_id"), ["need_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_space_requests_space_id"), ["space_id"], unique=False)


def downgrade() -> None:
    for table in (
        "space_requests",
        "disposal_notices",
        "spaces",
        "notifications",
        "needs",
        "form_attempts",
        "asset_transfers",
        "asset_decisions",
        "acv_listings",
    ):
        op.drop_table(table)
