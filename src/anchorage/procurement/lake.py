"""The workspace's lake: export the warehouse to it, and read it as an Ibis backend on Spark."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
from sqlalchemy import select

from anchorage.store import lake
from anchorage.store.records import Upload
from anchorage.workspace import Workspace

# The warehouse tables the analysis reads, and the lake table each comes from.
ANALYSIS_TABLES = {
    "spend": "payments",
    "supplier_profile": "supplier_profile",
    "supplier_resolution": "supplier_resolution",
    "postcodes": "postcodes",
    "imd": "imd",
}


def lake_root(ws: Workspace, to: str | Path | None = None) -> Path:
    """--to, else [compute] lake in the config (relative to the workspace), else the workspace's lake/."""
    return lake.root_for(ws.root, ws.config.compute.lake, to)


def loaded_upload_ids(ws: Workspace) -> set[str]:
    """Uploads whose load finished (records), so an upload still being loaded never reaches the lake."""
    with ws.session() as s:
        return set(s.scalars(select(Upload.id).where(Upload.status.in_(("loaded", "committed")))))


def export_lake(ws: Workspace, to: str | Path | None = None) -> lake.ExportSummary:
    """Bring the lake up to date with the warehouse: new uploads written, replaced or removed ones dropped."""
    ids = loaded_upload_ids(ws)
    with ws.warehouse(read_only=True) as con:
        return lake.export(con, lake_root(ws, to), ids)


def spark_backend(session: Any, root: Path) -> Any:
    """An Ibis PySpark backend whose tables are the lake's Parquet files, read by Spark itself."""
    manifest = lake.read_manifest(root)
    for view, table in ANALYSIS_TABLES.items():
        files = lake.table_files(root, manifest, table)
        if not files:
            raise lake.LakeError(
                f"The lake at {root.name} has no {table} yet.",
                web_fix="Load some payments, then ask whoever runs the workspace to export the lake.",
                fix="Load some payments, then run: anchorage lake export",
            )
        session.read.parquet(*files).createOrReplaceTempView(view)
    return ibis.pyspark.connect(session)


def duckdb_backend(root: Path) -> Any:
    """An Ibis DuckDB backend (in memory) whose tables are views over the lake's Parquet files."""
    manifest = lake.read_manifest(root)
    backend = ibis.duckdb.connect()
    for view, table in ANALYSIS_TABLES.items():
        files = lake.table_files(root, manifest, table)
        if not files:
            raise lake.LakeError(
                f"The lake at {root.name} has no {table} yet.",
                web_fix="Load some payments, then ask whoever runs the workspace to export the lake.",
                fix="Load some payments, then run: anchorage lake export",
            )
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        backend.raw_sql(
            f"CREATE VIEW {view} AS SELECT * FROM read_parquet([{listed}], hive_partitioning = false)"
        )
    return backend
