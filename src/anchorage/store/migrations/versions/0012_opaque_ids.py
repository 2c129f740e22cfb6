"""Opaque random ids in place of sequential numbers for every object a URL or form names: users, supplier
decisions, pledges and starts, spaces, needs, requests and notifications, ACV listings, disposal notices and
asset transfers. Every existing row gets a random id, and every column that refers to it follows.

Revision ID: 0012_opaque_ids
Revises: 0011_supplier_record_keys
"""

import secrets
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0012_opaque_ids"
down_revision = "0011_supplier_record_keys"
branch_labels = None
depends_on = None

# table -> the (table, column) pairs that hold its id
REFERENCES: dict[str, list[tuple[str, str]]] = {
    "users": [
        ("invitations", "invited_by"),
        ("web_sessions", "user_id"),
        ("api_tokens", "user_id"),
        ("shares", "granted_by"),
    ],
    "supplier_decisions": [],
    "wf_pledges": [("wf_bid_starts", "pledge_id")],
    "wf_bid_starts": [],
    "needs": [("space_requests", "need_id")],
    "spaces": [("space_requests", "space_id")],
    "space_requests": [("notifications", "request_id")],
    "notifications": [],
    "acv_listings": [("disposal_notices", "acv_id")],
    "disposal_notices": [],
    "asset_transfers": [],
}
FOREIGN_KEYS = [
    (child, col, parent)
    for parent, refs in REFERENCES.items()
    for child, col in refs
    if (child, col) != ("notifications", "request_id")
]  # request_id was never a foreign key
NULLABLE = {
    ("invitations", "invited_by"),
    ("shares", "granted_by"),
    ("notifications", "request_id"),
}
OPAQUE = sa.String(32)


def _columns() -> dict[str, list[str]]:
    """table -> its columns to convert (its own id first)."""
    out: dict[str, list[str]] = {t: ["id"] for t in REFERENCES}
    for refs in REFERENCES.values():
        for child, col in refs:
            out.setdefault(child, []).append(col)
    return out


def _drop_foreign_keys() -> list[tuple[str, str, str, str]]:
    """PostgreSQL will not change the type of a column a foreign key joins: drop them (to recreate after)."""
    bind = op.get_bind()
    dropped = []
    for child, col, parent in FOREIGN_KEYS:
        for fk in sa.inspect(bind).get_foreign_keys(child):
            if fk["constrained_columns"] == [col] and fk["referred_table"] == parent and fk["name"]:
                op.drop_constraint(fk["name"], child, type_="foreignkey")
                dropped.append((fk["name"], child, col, parent))
    return dropped


def _retype(to: sa.types.TypeEngine, using: str) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, cols in _columns().items():
        if (
            postgres and "id" in cols and to is OPAQUE
        ):  # ids come from the application now, not a sequence
            op.execute(f"ALTER TABLE {table} ALTER COLUMN id DROP DEFAULT")
        with op.batch_alter_table(table) as batch:
            for col in cols:
                batch.alter_column(
                    col,
                    type_=to,
                    existing_nullable=(table, col) in NULLABLE,
                    postgresql_using=f"{col}::{using}",
                )


def _convert(to: sa.types.TypeEngine, using: str, new_id: Callable[[str, str, int], str]) -> None:
    """Change the id columns' type and give every row its new id, with the foreign keys set aside meanwhile."""
    dropped = _drop_foreign_keys() if op.get_bind().dialect.name == "postgresql" else []
    if to is OPAQUE:
        _retype(to, using)
        _rekey(new_id)
    else:  # numbers are written while the columns still take text
        _rekey(new_id)
        _retype(to, using)
    for name, child, col, parent in dropped:
        op.create_foreign_key(name, child, parent, [col], ["id"])


def _rekey(new_id: Callable[[str, str, int], str]) -> None:
    """Give every row of each table a new id (new_id(table, old, position)) and make every reference follow."""
    bind = op.get_bind()
    for table, refs in REFERENCES.items():
        old = [str(r) for r in bind.execute(sa.text(f"SELECT id FROM {table}")).scalars()]
        pairs = [
            {"old": o, "new": new_id(table, o, n)}
            for n, o in enumerate(sorted(old, key=_order), start=1)
        ]
        if not pairs:
            continue
        bind.execute(sa.text(f"UPDATE {table} SET id = :new WHERE id = :old"), pairs)
        for child, col in refs:
            bind.execute(sa.text(f"UPDATE {child} SET {col} = :new WHERE {col} = :old"), pairs)
        if table == "needs":  # a group's notifications are addressed to 'need:<id>'
            bind.execute(
                sa.text("UPDATE notifications SET recipient = :new WHERE recipient = :old"),
                [{"old": f"need:{p['old']}", "new": f"need:{p['new']}"} for p in pairs],
            )


def _order(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (0, value)


def upgrade() -> None:
    _convert(OPAQUE, "varchar", lambda table, old, n: secrets.token_hex(10))


def downgrade() -> None:
    _convert(sa.Integer(), "integer", lambda table, old, n: str(n))
    if op.get_bind().dialect.name == "postgresql":  # numbers come from the table's sequence again
        for table in REFERENCES:
            op.execute(f"CREATE SEQUENCE IF NOT EXISTS {table}_id_seq OWNED BY {table}.id")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{table}_id_seq')")
            op.execute(
                f"SELECT setval('{table}_id_seq', COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
