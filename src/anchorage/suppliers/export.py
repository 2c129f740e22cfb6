"""Export the resolved register: one row per supplier as each anchor gave it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from anchorage.core.errors import AnchorageError
from anchorage.exports import write_table
from anchorage.reference.names import legal_name_sql, trading_name_sql
from anchorage.workspace import Workspace

# The legal and trading names are the two parts of "X T/A Y" as written (the legal name alone otherwise).
EXPORT_SQL = f"""
    SELECT org, supplier_name, {legal_name_sql("supplier_name")} AS legal_name,
           {trading_name_sql("supplier_name")} AS trading_name, supplier_id, register_id, match_probability, register_source, register_name,
           method, explanation, registered_postcode, sector, register_sme, register_vcse, warning, record_id,
           supplier_name_norm
    FROM supplier_resolution ORDER BY supplier_id, org, supplier_name, record_id
"""


def resolved_suppliers(ws: Workspace) -> pd.DataFrame:
    """The resolution as a table (what the export writes, and what a review page can show)."""
    with ws.warehouse() as con:
        return con.execute(EXPORT_SQL).df()


def export_suppliers(ws: Workspace, out: Path) -> int:
    """Write CSV (or XLSX by extension); returns the number of rows. register_id is '' when unmatched."""
    df = resolved_suppliers(ws)
    if df.empty:
        raise AnchorageError(
            "No suppliers have been resolved yet.",
            web_fix="Upload spend or supplier files; the suppliers are then matched.",
            fix="Load spend or supplier files, then run `anchorage suppliers resolve`.",
        )
    df["register_id"] = df["register_id"].fillna("")
    write_table(out, df, sheet="Suppliers")
    return len(df)
