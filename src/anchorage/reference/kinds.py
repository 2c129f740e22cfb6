"""Reference geography as an import kind on the one unit of work (ingest/unit.py).

ONSPD/NSPL postcodes (a file, a folder of parts or the published zip), IMD, area names and boundaries are
read by their own set-based readers (reference/geography.py, boundaries.py); each file becomes one upload
of the collaborative (no one anchor's), journaled, all-or-nothing, and a repeat of the same content adds
nothing. Their rows replace earlier ones by key (postcode, LSOA and version, area code), so loading one
never removes another file's rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from anchorage.core.errors import InputFileError
from anchorage.ingest.kinds import ImportKind, register
from anchorage.ingest.result import ImportSummary
from anchorage.ingest.unit import run_unit
from anchorage.reference.geography import import_any, import_postcodes
from anchorage.workspace import Workspace

KIND = "geography"
SHARED_NOTE = "reference data: shared by the whole collaborative, not one anchor's"


def import_geography(ws: Workspace, path: Path, org: str | None = None, **_: Any) -> ImportSummary:
    """Load one reference file (or one postcode release: a folder or a zip) for the whole collaborative."""
    path = Path(path)
    if org:
        raise InputFileError(
            path.name,
            "is reference data, which the whole collaborative shares; it is not "
            "loaded for one anchor.",
            fix="Load it without naming an anchor.",
        )
    if not path.exists():
        raise InputFileError(str(path), "does not exist.", fix="Check the path and try again.")
    release = path.is_dir() or path.suffix.lower() == ".zip"

    def load(con: duckdb.DuckDBPyConnection, upload_id: str) -> ImportSummary:
        return import_postcodes(con, [path]) if release else import_any(con, path)

    summary = run_unit(
        ws,
        kind=KIND,
        label=path.name,
        load=load,
        delete_sql=["DELETE FROM quarantine WHERE upload_id = ?"],
    )
    summary.notes.append(SHARED_NOTE)
    return summary


register(
    ImportKind(
        KIND,
        "Reference geography (ONS postcodes, IMD, area names, boundaries)",
        import_geography,
        scope="collaborative",
    )
)
