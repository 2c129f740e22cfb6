"""Read back the quarantine: every row that was not loaded, with its file, row, column and reason."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from anchorage.exports import write_table
from anchorage.workspace import Workspace


def quarantine_frame(
    ws: Workspace, org: str | None = None, kind: str | None = None
) -> pd.DataFrame:
    """Quarantined rows of live uploads (rows of replaced uploads were deleted with them)."""
    where, params = ["TRUE"], []
    if org:
        where.append("org = ?")
        params.append(ws.config.anchor(org).slug)
    if kind:
        where.append("kind = ?")
        params.append(kind)
    with ws.warehouse(read_only=True) as con:
        return con.execute(
            "SELECT org, kind, source_file AS file, sheet, row_no AS row, line_no AS line, column_name AS column, "
            f"reason, amount, raw FROM quarantine WHERE {' AND '.join(where)} ORDER BY org, file, row, line",
            params,
        ).df()


def export_quarantine(
    ws: Workspace, out: Path, org: str | None = None, kind: str | None = None
) -> int:
    """Write the quarantine to CSV or XLSX (by the file's suffix); returns the row count."""
    df = quarantine_frame(ws, org, kind)
    write_table(out, df, sheet="Quarantine")
    return len(df)
