"""Accounts for the web workspace: users, invitations, sessions, API tokens, sharing, audit log.

Revision ID: 0002_accounts (before renumbering: 0002)
Revises: 0001_uploads
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_accounts"
down_revision = "0001_uploads"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("org", sa.String(120), index=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("oidc_subject", sa.String(320), unique=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", TZ),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "invitations",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("org", sa.String(120)),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("invited_by", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("used_at", TZ),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ),
    )
    op.create_table(
        "shares",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String(120), nullable=False, index=True),
        sa.Column("grantee", sa.String(120), nullable=False, index=True),
        sa.Column("granted_by", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("owner", "grantee"),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", TZ, nullable=False, index=True),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("action", sa.String(40), nullable=False, index=True),
        sa.Column("org", sa.String(120)),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("ip", sa.String(64)),
    )


def downgrade() -> None:
    for table in ("audit_events", "shares", "api_tokens", "web_sessions", "invitations", "users"):
        op.drop_table(table)
