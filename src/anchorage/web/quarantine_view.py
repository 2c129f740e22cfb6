"""An upload's quarantined rows as a person reads them: one row per quarantined row, its reason, and the file's
own columns under their own names (not the stored JSON of the row)."""

from __future__ import annotations

import json
from typing import Any

from anchorage.access.table import Column, TableSpec

# The filters and search are those of the download (routes/uploads.QUARANTINE), so a filtered page downloads the
# rows it shows.
LEADING = (
    Column("row_no", "Row", "int"),
    Column("reason", "Why it was held back", filter="contains"),
    Column("column_name", "In column", filter="equals"),
)
TRAILING = (Column("fixed_label", "Fixed by", sortable=False),)
LINE = Column("line_text", "The line as written in the file", sortable=False)


def _cells(raw: str | None) -> dict[str, Any] | None:
    """The row's cells by the file's column names, or None when what was kept is a line that could not be split."""
    if not raw:
        return {}
    try:
        cells = json.loads(raw)
    except ValueError:
        return None
    return cells if isinstance(cells, dict) else None


def shaped(rows: list[dict[str, Any]]) -> tuple[TableSpec, list[dict[str, Any]]]:
    """The table of the quarantine page and its rows: each of the file's columns (in the file's order) becomes a
    column of its own, keyed f0, f1, … so that any header text is safe in a page address."""
    names: list[str] = []
    out = []
    lines = False
    for r in rows:
        cells = _cells(r.get("raw"))
        row = dict(r)
        if cells is None:
            row["line_text"], lines = r["raw"], True
        else:
            for name, value in cells.items():
                if name not in names:
                    names.append(name)
                row[f"f{names.index(name)}"] = "" if value is None else str(value)
        out.append(row)
    own = tuple(Column(f"f{i}", name, sortable=False) for i, name in enumerate(names))
    spec = TableSpec(
        name="Quarantine",
        columns=(*LEADING, *own, *((LINE,) if lines else ()), *TRAILING),
        default_sort="row_no",
        tie=("row_no", "line_no"),
        search=("reason", "column_name", "raw"),
    )
    return spec, out
