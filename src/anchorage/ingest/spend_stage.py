"""How a spend part is staged: one pass over the file's rows that checks, keys and sorts them at once.

Nearly every row of a clean file takes the fast path: two cheap casts check it, and the pass also works out
what it is stored as (its supplier and line keys, its transaction number), so storing it later copies a few
numbers instead of reading its text again. Every other row keeps all its cells, in one list, for the full
parsers and the quarantine; they are few, so they are moved to a small table of their own first (a scan of
two columns, where finding them among eight text columns of every row cost more than parsing them).
"""

from __future__ import annotations

import duckdb

from anchorage.ingest.mapping import ColumnMapping
from anchorage.ingest.pipeline import Batch, trimmed_sql
from anchorage.store.spend_store import LINE_CELLS, SUPPLIER_CELLS, key_sql, transaction_sql

GLUED_DATE_SQL = r"(\d{1,2}/\d{1,2}/\d{4})\s*$"
EARLIEST = "1990-01-01"
STAGED_SALT = 0  # the salt the staged keys are hashed with; another salt is applied when storing


def date_cell_sql(m: ColumnMapping, columns: list[str]) -> str:
    """The staged cell holding the payment date; for a date glued to the end of a text cell, that tail."""
    c = f"c{columns.index(m.fields['payment_date'])}"
    return f"NULLIF(regexp_extract({c}, '{GLUED_DATE_SQL}', 1), '')" if m.glued_date else c


def fast_date_sql(cell: str, order: str = "dmy") -> str:
    """anchorage_date_dmy (anchorage_date_mdy when month-first) for every date from the year 1 on, which is
    every date the fast path takes (1990 on): half the work, as the macro's year check parses the date twice
    and its shape check cuts three substrings. LIKE's `_` is one character, as length() and v[i] count them."""
    fmt = "%m/%d/%Y" if order == "mdy" else "%d/%m/%Y"
    return (
        f"CASE WHEN {cell} LIKE '__/__/____' THEN CAST(try_strptime({cell}, '{fmt}') AS DATE) END"
    )


def _cells(m: ColumnMapping, columns: list[str], fields: tuple[str, ...]) -> list[str]:
    return [f"c{columns.index(m.fields[f])}" for f in fields if f in m.fields]


def staged_sql(m: ColumnMapping, columns: list[str], order: str = "dmy") -> str:
    """The select list that stages a part, in one pass over the rows.

    `_fast`: a supplier starting with a printable ASCII character, an amount that is a plain number and a
    DD/MM/YYYY date (MM/DD/YYYY when the order is given as month-first) in range, all read from the untrimmed
    cells. For these rows the full parsers (on the trimmed cells) give exactly the same amount and date and no
    reason. A long whole number (8+ characters, no point) leaves the fast path too, as it may be a reference
    number in the amount column. `_sk` and `_lk` key the row's supplier and line cells (store/spend_store.py's
    key_sql), `_tn` and `_tid` are its transaction id as stored; `_cells` holds every cell of a row off the
    fast path (NULL on it). The supplier, line and description cells stay as columns: the distinct supplier and
    line combinations are gathered from them."""
    # The mapping has passed require(): supplier, amount and date are mapped.
    sup, amt = _cells(m, columns, ("supplier_name", "amount"))
    dat = date_cell_sql(m, columns)
    kept = dict.fromkeys(_cells(m, columns, (*SUPPLIER_CELLS, *LINE_CELLS, "description")))
    tx = _cells(m, columns, ("transaction_id",))
    every = ", ".join(f"c{i}" for i in range(len(columns)))
    return (
        f"TRY_CAST({amt} AS DECIMAL(18, 2)) AS _amount, {fast_date_sql(dat, order)} AS _date, "
        f"coalesce(ascii({sup}) BETWEEN 33 AND 126 AND _amount IS NOT NULL AND NOT starts_with({dat}, ' ') "
        f"AND (length({amt}) < 8 OR contains({amt}, '.')) "
        f"AND _date BETWEEN DATE '{EARLIEST}' AND current_date + 366, false) AS _fast, "
        f"{key_sql(STAGED_SALT, _cells(m, columns, SUPPLIER_CELLS))} AS _sk, "
        f"{key_sql(STAGED_SALT, _cells(m, columns, LINE_CELLS))} AS _lk, "
        f"{transaction_sql(trimmed_sql(tx[0]) if tx else 'CAST(NULL AS VARCHAR)', ('_tn', '_tid'))}, "
        f"CASE WHEN NOT _fast THEN [{every}] END AS _cells, {', '.join(kept)}"
    )


def stage_slow_rows(con: duckdb.DuckDBPyConnection, b: Batch) -> str:
    """Copy the rows off the fast path, with their row number and their cells as c0..cN again, into a table of
    their own (a scan of two columns of the staged part); return its name."""
    slow = f"slow_{b.part.table}"
    cells = ", ".join(f"_cells[{i + 1}] AS c{i}" for i in range(len(b.part.columns)))
    line = ", _line_no" if b.part.sheet is not None else ""
    con.execute(
        f"CREATE TEMP TABLE {slow} AS SELECT rowid + 1 AS row_no{line}, {cells} "
        f"FROM {b.part.table} WHERE NOT _fast"
    )
    return slow
