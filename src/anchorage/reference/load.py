"""Import reference files into a workspace's warehouse, whatever their kind (sniffed from content)."""

from __future__ import annotations

from pathlib import Path

from anchorage.ingest.result import ImportSummary
from anchorage.reference.kinds import import_geography
from anchorage.workspace import Workspace


def import_reference(ws: Workspace, paths: list[Path]) -> list[ImportSummary]:
    """Folders and zips are taken as ONSPD/NSPL releases; single files are sniffed by their header. Each is
    one upload of the collaborative (see reference/kinds.py)."""
    return [import_geography(ws, Path(path)) for path in paths]
