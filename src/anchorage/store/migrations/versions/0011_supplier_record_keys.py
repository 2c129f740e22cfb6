"""Suppliers: opaque random record ids in place of md5(anchor|name), with existing decisions re-keyed.

Revision ID: 0011_supplier_record_keys
Revises: 0010_api_token_ids
"""

import hashlib
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0011_supplier_record_keys"
down_revision = "0010_api_token_ids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supplier_record_keys",
        sa.Column("record_id", sa.String(32), primary_key=True),
        sa.Column("org", sa.String(120)),
        sa.Column("supplier_name_norm", sa.String(500)),
        sa.Column("legacy_id", sa.String(12), index=True),
        sa.UniqueConstraint("org", "supplier_name_norm", name="uq_supplier_record_keys_name"),
    )
    # Decisions name records by the old, guessable ids: give each old id a random one now; the record's anchor
    # and name are filled in when the warehouse next lists it (suppliers.record_keys.sync), which also re-keys
    # the warehouse's candidates and resolution.
    bind = op.get_bind()
    old = {
        r
        for row in bind.execute(
            sa.text("SELECT record_id, other_record_id FROM supplier_decisions")
        )
        for r in row
        if r
    }
    keys = sa.table("supplier_record_keys", sa.column("record_id"), sa.column("legacy_id"))
    for legacy in sorted(old):
        new = secrets.token_hex(12)
        bind.execute(keys.insert().values(record_id=new, legacy_id=legacy[:12]))
        for col in ("record_id", "other_record_id"):
            bind.execute(
                sa.text(f"UPDATE supplier_decisions SET {col} = :new WHERE {col} = :old"),
                {"new": new, "old": legacy},
            )


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT record_id, org, supplier_name_norm, legacy_id FROM supplier_record_keys")
    )
    for new, org, name, legacy in rows.fetchall():
        old = hashlib.md5(f"{org}|{name}".encode()).hexdigest()[:12] if org is not None else legacy
        for col in ("record_id", "other_record_id"):
            bind.execute(
                sa.text(f"UPDATE supplier_decisions SET {col} = :old WHERE {col} = :new"),
                {"new": new, "old": old},
            )
    op.drop_table("supplier_record_keys")
