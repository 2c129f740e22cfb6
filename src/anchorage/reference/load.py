"""Import reference files into a workspace's warehouse, whatever their kind (sniffed from content)."""

from __future__ import annotations

from pathlib import Path

from anchorage.ingest.result import ImportSummary
from anchorage.reference.geography import import_any, import_postcodes
from anchorage.workspace import Workspace


def import_reference(ws: Workspace, paths: list[Path]) -> list[ImportSummary]:
    """Folders and zips are taken as ONSPD/NSPL releases; single files are sniffed by their header."""
    summaries = []
    with ws.warehouse() as con:
        for path in paths:
            path = Path(path)
            if path.is_dir() or path.suffix.lower() == ".zip":
                summaries.append(import_postcodes(con, [path]))
            else:
                summaries.append(import_any(con, path))
    return summaries
