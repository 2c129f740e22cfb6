"""Numbered warehouse migrations, recorded in `schema_version`; applied once when a process opens the file.

Every step is idempotent (CREATE ... IF NOT EXISTS, or a conversion that checks what it converts), so a
warehouse made before `schema_version` existed is brought up to date by running every step from 1.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from anchorage.store import snapshots, spend_store
from anchorage.store.warehouse_schema import SCHEMA

JOURNAL = """
-- One row per upload while it loads, and after: staged (before the load transaction), loaded (committed
-- with the rows, with the reconciliation), committed (the records database says loaded too). See journal.py.
CREATE TABLE IF NOT EXISTS upload_journal (
    upload_id VARCHAR NOT NULL,
    org VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    delete_sql VARCHAR NOT NULL,
    replaces VARCHAR,
    summary VARCHAR,
    updated_at TIMESTAMP NOT NULL
);
"""

ANALYSIS = """
-- The last committed analysis (access/committed.py): one run, its coverage, and its result tables as Parquet,
-- replaced in one transaction by the refresh job, so pages read the old figures until the new ones commit.
CREATE TABLE IF NOT EXISTS analysis_runs (
    run_id VARCHAR NOT NULL,
    coverage VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS analysis_tables (
    run_id VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    frame BLOB NOT NULL
);
"""

QUARANTINE_FIXES = """
-- Which quarantined source rows of an upload a later fix upload read, and whether it loaded them
-- (ingest/quarantine_fix.py).
CREATE TABLE IF NOT EXISTS quarantine_fixes (
    fix_upload_id VARCHAR NOT NULL,
    row_no BIGINT NOT NULL,            -- the row in the fix upload
    original_upload_id VARCHAR NOT NULL,
    original_row_no BIGINT NOT NULL,   -- the row in the original file
    loaded BOOLEAN NOT NULL,
    workbook_sha VARCHAR NOT NULL
);
"""


def _tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA)


def _journal(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(JOURNAL)


def _quarantine_fixes(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(QUARANTINE_FIXES)


def _history(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(snapshots.history_sql())


def _analysis(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(ANALYSIS)


MIGRATIONS: list[tuple[int, str, Callable[[duckdb.DuckDBPyConnection], None]]] = [
    (
        1,
        "the warehouse tables (quarantine, suppliers, reference, staff, assets, contracts, social value)",
        _tables,
    ),
    (
        2,
        "payments in narrow per-upload tables behind the `spend` view (converts an old wide `spend` table)",
        spend_store.ensure,
    ),
    (3, "the upload journal (store/journal.py)", _journal),
    (
        4,
        "history twins of the snapshot tables: a superseded register's rows are kept (store/snapshots.py)",
        _history,
    ),
    (5, "the last committed analysis, which pages read (access/committed.py)", _analysis),
    (
        6,
        "which quarantined rows a fix workbook loaded later (ingest/quarantine_fix.py)",
        _quarantine_fixes,
    ),
]
LATEST = MIGRATIONS[-1][0]


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest migration applied (0 for a new or pre-migration warehouse)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version' "
        "AND table_schema = 'main' AND table_catalog = current_database()"
    ).fetchone()
    if exists == (0,):
        return 0
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations a warehouse lacks, each in its own transaction; return the numbers applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, description VARCHAR, "
        "applied_at TIMESTAMP DEFAULT current_timestamp)"
    )
    have = current_version(con)
    applied = []
    for number, description, step in MIGRATIONS:
        if number <= have:
            continue
        con.begin()
        try:
            step(con)
            con.execute(
                "INSERT INTO schema_version (version, description) VALUES (?, ?)",
                [number, description],
            )
            con.commit()
        except BaseException:
            con.rollback()
            raise
        applied.append(number)
    return applied
