"""Shared steps of the reference imports: an all-or-nothing block, a deterministic CSV scan, quarantine rows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from anchorage.core.errors import InputFileError
from anchorage.reference.postcode import CsvSource


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All-or-nothing block; joins the caller's transaction when one is already open."""
    # A failed BEGIN would abort the caller's transaction, so detect one first: in autocommit mode
    # every statement gets a new transaction id, inside an explicit transaction the id stays put.
    ids = [con.execute("SELECT txid_current()").fetchone() for _ in range(2)]
    if ids[0] == ids[1]:
        yield
        return
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def csv_scan(source: CsvSource) -> str:
    """A deterministic read_csv() over a source: every column VARCHAR and named c0..cN (no sniffing)."""
    cols = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(source.header)))
    path = str(source.path).replace("'", "''")
    return (
        f"read_csv('{path}', header = true, auto_detect = false, columns = {{{cols}}}, delim = ',', "
        f"quote = '\"', escape = '\"', encoding = '{source.encoding}')"
    )


def run_staging(con: duckdb.DuckDBPyConnection, sql: str, source: CsvSource) -> None:
    """Run a statement that reads a source ({scan} in sql), turning DuckDB errors into advice."""
    try:
        con.execute(sql.replace("{scan}", csv_scan(source)))
    except duckdb.Error as exc:
        raise _unreadable(source, exc) from None


def _unreadable(source: CsvSource, exc: Exception) -> InputFileError:
    text = str(exc)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    shape = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if line and shape:  # DuckDB's own message is long and suggests parser flags; say it plainly
        detail = f"line {line[1]} has {shape[2]} fields but the header has {shape[1]}"
    else:
        detail = (
            text.strip().splitlines()[0].removeprefix("Invalid Input Error: ")
            if text.strip()
            else type(exc).__name__
        )
    return InputFileError(
        source.label,
        f"could not be read as CSV: {detail}; nothing was imported.",
        fix="Use the unmodified CSV as published (comma-separated, one header row).",
    )


def code_sql(col: str) -> str:
    """SQL for an ONS code column: trimmed, with '' and pseudo codes such as E99999999 as NULL."""
    return f"nullif(regexp_replace(trim({col}), '^[A-Za-z]9{{8}}$', ''), '')"


# Data row number from rowid (in file order; offset by an internal base inside a transaction).
ROW_NO = "rowid - (SELECT min(rowid) FROM {table}) + 1"


def add_quarantine(
    con: duckdb.DuckDBPyConnection, kind: str, select_sql: str, params: list[Any] | None = None
) -> None:
    """Insert quarantine rows from a SELECT of (upload_id, source_file, row_no, column_name, reason, raw)."""
    con.execute(
        f"INSERT INTO quarantine (upload_id, org, kind, source_file, row_no, column_name, reason, raw) "
        f"SELECT upload_id, '', '{kind}', source_file, row_no, column_name, reason, raw FROM ({select_sql})",
        params,
    )


def reasons(con: duckdb.DuckDBPyConnection, kind: str, upload_ids: list[str]) -> dict[str, int]:
    """Quarantine reason counts for these uploads."""
    rows = con.execute(
        "SELECT reason, count(*) FROM quarantine WHERE kind = ? AND list_contains(?, upload_id) "
        "GROUP BY reason ORDER BY reason",
        [kind, upload_ids],
    ).fetchall()
    return {r: int(n) for r, n in rows}
