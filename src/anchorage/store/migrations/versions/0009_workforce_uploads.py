"""Workforce: each row of a workforce file remembers the upload it was loaded from (issue 14).

Revision ID: 0009_workforce_uploads
Revises: 0008_pledge_org
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_workforce_uploads"
down_revision = "0008_pledge_org"
branch_labels = None
depends_on = None

TABLES = (
    "wf_programmes",
    "wf_placements",
    "wf_apprentices",
    "wf_levy_paybill",
    "wf_levy_commitments",
    "wf_pledges",
    "wf_bid_starts",
    "wf_he_engagements",
)


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("upload_id", sa.String(length=64), nullable=True))
            batch.create_index(f"ix_{table}_upload_id", ["upload_id"])


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_upload_id")
            batch.drop_column("upload_id")
