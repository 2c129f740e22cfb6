"""Workforce: the anchor whose user entered a pledge ('' for the collaborative's own list, loaded by file).

Revision ID: 0008_pledge_org (before renumbering: 0012)
Revises: 0007_opportunities
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_pledge_org"
down_revision = "0007_opportunities"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("wf_pledges") as batch:
        batch.add_column(sa.Column("org", sa.String(length=120), nullable=False, server_default=""))
        batch.create_index("ix_wf_pledges_org", ["org"])


def downgrade() -> None:
    with op.batch_alter_table("wf_pledges") as batch:
        batch.drop_index("ix_wf_pledges_org")
        batch.drop_column("org")
