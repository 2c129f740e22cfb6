"""API tokens: an opaque random id (to list and revoke a token without its secret) and when it was last used.

Revision ID: 0010_api_token_ids
Revises: 0009_workforce_uploads
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0010_api_token_ids"
down_revision = "0009_workforce_uploads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("public_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    tokens = sa.table(
        "api_tokens", sa.column("token_hash", sa.String), sa.column("public_id", sa.String)
    )
    for (token_hash,) in conn.execute(sa.select(tokens.c.token_hash)).all():
        conn.execute(
            tokens.update()
            .where(tokens.c.token_hash == token_hash)
            .values(public_id=secrets.token_urlsafe(12))
        )
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("public_id", existing_type=sa.String(length=32), nullable=False)
        batch.create_index("ix_api_tokens_public_id", ["public_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_index("ix_api_tokens_public_id")
        batch.drop_column("last_used_at")
        batch.drop_column("public_id")
