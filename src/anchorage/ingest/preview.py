"""Look before loading: the first rows of a file and the column mapping that would be used."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from anchorage.errors import HeaderNotFound
from anchorage.ingest import mapping as mapmod
from anchorage.ingest.readers import stage_file


@dataclass
class Preview:
    file: str
    sheet: str | None
    columns: list[str]
    rows: list[list[str | None]]
    mapping: dict[str, str]  # field -> column
    fields: list[str]  # every field this kind knows, in order
    required: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        return [f for f in self.required if f not in self.mapping]


def text_cells(row: list[str]) -> int:
    """Fallback header score: how many cells hold a label rather than a number."""
    return sum(1 for c in row if c and c.strip() and not c.strip().replace(".", "").replace(",", "").isdigit())


def preview_file(path: Path, kind: str = "spend", *, workdir: Path, limit: int = 10,
                 mapping: dict[str, str] | None = None) -> Preview:
    """Find the header, read the first `limit` data rows and propose (or check) the mapping."""
    con = duckdb.connect()
    try:
        try:
            parts, notes = stage_file(con, path, mapmod.header_scorer(kind), workdir, kind=kind,
                                      what=mapmod.HEADER_HINTS.get(kind, "its"))
        except HeaderNotFound:
            parts, notes = stage_file(con, path, text_cells, workdir)
            notes.append("We did not recognise the column names, so we took the first row with several "
                         "labels as the header. Choose the columns below.")
        part = parts[0]
        cols = ", ".join(f"c{i}" for i in range(len(part.columns)))
        rows = [list(r) for r in con.execute(f"SELECT {cols} FROM {part.table} LIMIT {int(limit)}").fetchall()]
    finally:
        con.close()
    auto = mapmod.automatic_mapping(part.columns, kind).fields
    chosen = auto if mapping is None else {f: c for f, c in mapping.items() if c in part.columns}
    if len(parts) > 1:
        notes.append(f"{len(parts)} sheets have data; all are loaded, the first is shown.")
    return Preview(path.name, part.sheet, part.columns, rows, chosen, list(mapmod.FIELDS[kind]),
                   list(mapmod.REQUIRED[kind]), notes)


def write_mapping_file(mapping: dict[str, str], path: Path) -> Path:
    """Save a chosen mapping as a JSON mapping file (the same format `--mapping FILE` reads)."""
    path.write_text(json.dumps({f: c for f, c in mapping.items() if c}, indent=2), encoding="utf-8")
    return path
