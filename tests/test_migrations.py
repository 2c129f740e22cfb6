"""Schemas are migrated, not re-created: numbered warehouse migrations and the renumbered Alembic chain."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import sqlalchemy as sa
from tests.cli_support import run_cli
from tests.conftest import make_workspace

from anchorage.store import records, warehouse, warehouse_migrations
from anchorage.workspace import Workspace

# The warehouse as an Anchorage from before migrations left it: the tables of the time (no journal, no
# schema_version) and payments in one wide `spend` table.
OLD_SPEND = """CREATE TABLE spend (upload_id VARCHAR NOT NULL, org VARCHAR NOT NULL, row_no BIGINT NOT NULL,
    payment_date DATE NOT NULL, amount DECIMAL(18, 2) NOT NULL, supplier_name VARCHAR NOT NULL,
    supplier_name_norm VARCHAR NOT NULL, supplier_ref VARCHAR, supplier_postcode VARCHAR, company_number VARCHAR,
    charity_number VARCHAR, vat_number VARCHAR, category VARCHAR, service VARCHAR, description VARCHAR,
    transaction_id VARCHAR, is_redacted BOOLEAN NOT NULL)"""
ROWS = [
    (
        "u1",
        "council",
        1,
        dt.date(2024, 4, 2),
        Decimal("10.50"),
        "Acme Ltd",
        "ACME",
        None,
        "SE6 4RU",
        None,
        None,
        None,
        "Catering",
        None,
        None,
        "7",
        False,
    ),
    (
        "u1",
        "council",
        2,
        dt.date(2024, 4, 3),
        Decimal("-2.00"),
        "Acme Ltd",
        "ACME",
        None,
        "SE6 4RU",
        None,
        None,
        None,
        "Catering",
        None,
        None,
        "8",
        False,
    ),
]


def _old_layout(root: Path) -> None:
    """Turn a fresh workspace into one an old Anchorage made: old warehouse tables, records stamped with an
    old (pre-renumbering) Alembic revision id."""
    (root / "warehouse.duckdb").unlink()
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        con.execute(warehouse.SCHEMA)
        con.execute(OLD_SPEND)
        con.executemany(f"INSERT INTO spend VALUES ({', '.join('?' * 17)})", ROWS)
    # The records schema as it was at the opportunities revision, stamped with its old id (0011); the ones
    # after it (wf_pledges.org, then this session's) are still to run.
    from alembic import command
    from alembic.config import Config

    (root / "records.db").unlink()
    url = f"sqlite:///{root / 'records.db'}"
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(records.__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "0007_opportunities")
    engine = sa.create_engine(url)
    with engine.begin() as c:
        c.execute(sa.text("UPDATE alembic_version SET version_num = '0011'"))
    engine.dispose()


def _state(root: Path) -> tuple:
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        versions = con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        spend = con.execute("SELECT * FROM spend ORDER BY row_no").fetchall()
        tables = con.execute(
            "SELECT table_name, table_type FROM information_schema.tables ORDER BY 1"
        ).fetchall()
    engine = sa.create_engine(f"sqlite:///{root / 'records.db'}")
    with engine.connect() as c:
        rev = c.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        cols = [col["name"] for col in sa.inspect(c).get_columns("wf_pledges")]
    engine.dispose()
    return versions, spend, tables, rev, cols


def test_an_old_workspace_migrates_and_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", [("Council", "council")])
    _old_layout(ws.root)
    cli = ["migrate", "--workspace", str(ws.root)]
    first = run_cli(cli)
    assert first.returncode == 0, first.stderr
    assert "records database: 0007_opportunities -> 0013_jobs" in first.stdout
    assert f"now at {warehouse_migrations.LATEST} of {warehouse_migrations.LATEST}" in first.stdout
    after = _state(ws.root)
    versions, spend, tables, rev, cols = after
    assert versions == [(n,) for n, _, _ in warehouse_migrations.MIGRATIONS]
    assert spend == ROWS
    assert ("spend", "VIEW") in tables and ("upload_journal", "BASE TABLE") in tables
    assert (
        rev == records.revision(f"sqlite:///{ws.root / 'records.db'}")[1] and "org" in cols
    )  # at the head
    second = run_cli(cli)
    assert second.returncode == 0, second.stderr
    assert "up to date" in second.stdout
    assert _state(ws.root) == after


def test_every_old_revision_id_maps_to_its_renumbered_place(tmp_path: Path) -> None:
    """A records database stamped with any old id upgrades from the same point of the (renumbered) chain."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(records.__file__).parent / "migrations"))
    chain = [s.revision for s in reversed(list(ScriptDirectory.from_config(cfg).walk_revisions()))]
    assert chain == sorted(chain), "the revisions apply in the order of their numbers"
    assert [
        records.RENUMBERED[old]
        for old in ("0001", "0002", "0004", "0005", "0003", "0007", "0011", "0012")
    ] == chain[:8]


def test_opening_the_warehouse_twice_in_a_process_uses_one_instance_and_migrates_once(
    tmp_path: Path,
) -> None:
    ws = make_workspace(tmp_path / "ws", [("Council", "council")])
    twin = Workspace.open(ws.root)
    with ws.warehouse() as writer, twin.warehouse(read_only=True) as reader:
        # The same database instance: a table made by one cursor is seen by the other.
        writer.execute("CREATE TABLE probe AS SELECT 1 AS x")
        assert reader.execute("SELECT x FROM probe").fetchall() == [(1,)]
        assert (
            warehouse.migrated(ws.warehouse_path) == []
        )  # made by init; opening again applied nothing
        assert reader.execute("SELECT count(*) FROM schema_version").fetchone() == (
            len(warehouse_migrations.MIGRATIONS),
        )
