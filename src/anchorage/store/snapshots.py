"""Snapshots in the warehouse: a kind whose new file for an anchor supersedes that anchor's previous one.

An asset register, a supplier master or a staff extract is a picture of the anchor at one date, so a new one
replaces the old one, whatever its file name. The old upload's rows (and its quarantine) are not deleted:
they move to the table's `_history` twin (warehouse migration 4), where nothing counts them, and move back
when the upload is restored. Spend, contracts and delivery reports are additions: they are not snapshots.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

# The tables whose rows a snapshot kind keeps in history (each has a `<name>_history` twin).
HISTORY_TABLES = ("assets", "supplier_master", "staff", "quarantine")


@dataclass(frozen=True)
class Snapshot:
    """How a kind's rows are kept when a newer file supersedes them."""

    what: str  # plain words: "asset register"
    tables: tuple[str, ...]  # its warehouse tables, by upload_id (quarantine is always included)
    # Rebuilds what is derived from the kind's rows for an anchor (e.g. the supplier profile), after a swap.
    after_swap: Callable[[duckdb.DuckDBPyConnection, str], None] | None = None

    def __post_init__(self) -> None:
        unknown = set(self.tables) - set(HISTORY_TABLES)
        if unknown:
            raise ValueError(f"no history table for {', '.join(sorted(unknown))}")

    @property
    def all_tables(self) -> tuple[str, ...]:
        return (*self.tables, "quarantine")


def history_sql() -> str:
    """Warehouse migration 4: an empty twin of each table, with the same columns."""
    return "\n".join(
        f"CREATE TABLE IF NOT EXISTS {t}_history AS SELECT * FROM {t} LIMIT 0;"
        for t in HISTORY_TABLES
    )


def _move(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, upload_id: str, source: str, target: str
) -> int:
    """Move an upload's rows from each table `{t}{source}` to `{t}{target}`; the number of rows moved."""
    moved = 0
    for t in snapshot.all_tables:
        con.execute(
            f"INSERT INTO {t}{target} BY NAME SELECT * FROM {t}{source} WHERE upload_id = ?",
            [upload_id],
        )
        row = con.execute(f"DELETE FROM {t}{source} WHERE upload_id = ?", [upload_id]).fetchone()
        moved += int(row[0]) if row else 0
    return moved


def archive(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, upload_id: str) -> int:
    """Move an upload's rows to history (inside the caller's transaction); the number of rows moved."""
    return _move(con, snapshot, upload_id, "", "_history")


def bring_back(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, upload_id: str) -> int:
    """Move an upload's rows back from history (inside the caller's transaction); the number of rows moved."""
    return _move(con, snapshot, upload_id, "_history", "")


def kept_rows(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, upload_id: str) -> int:
    """How many rows of an upload history holds."""
    total = 0
    for t in snapshot.all_tables:
        row = con.execute(
            f"SELECT count(*) FROM {t}_history WHERE upload_id = ?", [upload_id]
        ).fetchone()
        total += int(row[0]) if row else 0
    return total
