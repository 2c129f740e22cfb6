"""Supplier master ingest: an anchor's own supplier list (postcode, registration numbers, SME/VCSE)."""

from __future__ import annotations

from pathlib import Path

from anchorage.ingest.pipeline import Batch, Transform, run_import
from anchorage.ingest.progress import Progress
from anchorage.ingest.result import ImportSummary
from anchorage.ingest.spend_load import company_number_sql, rebuild_supplier_profile
from anchorage.reference.names import name_norm_sql
from anchorage.reference.postcode import postcode_display_sql
from anchorage.store.snapshots import Snapshot
from anchorage.workspace import Workspace

# An anchor's supplier master is a snapshot: a new one supersedes the last (kept, restorable).
SUPPLIER_SNAPSHOT = Snapshot(
    "supplier master", ("supplier_master",), after_swap=rebuild_supplier_profile
)


def flag_sql(expr: str) -> str:
    """Y/N, Yes/No, True/False, 1/0 → boolean; anything else unknown (NULL)."""
    return (
        f"CASE WHEN upper({expr}) IN ('Y', 'YES', 'TRUE', '1') THEN TRUE "
        f"WHEN upper({expr}) IN ('N', 'NO', 'FALSE', '0') THEN FALSE END"
    )


def _rows_sql(b: Batch) -> str:
    """The part's non-blank rows with their row and line numbers."""
    return f"SELECT rowid + 1 AS row_no, {b.line_sql()} AS line_no, * FROM {b.part.table} WHERE NOT ({b.all_blank_sql()})"


def _prepare(b: Batch) -> ImportSummary:
    name = b.col("supplier_name")
    base = _rows_sql(b)
    out = ImportSummary(kind="suppliers", file=b.source_file)
    out.rows_read, out.rows_loaded = b.con.execute(  # type: ignore[misc]
        f"SELECT count(*), count(*) FILTER ({name} IS NOT NULL) FROM ({base})"
    ).fetchone()
    out.rows_quarantined = out.rows_read - out.rows_loaded
    if out.rows_quarantined:
        out.quarantine_reasons["supplier name is empty"] = out.rows_quarantined
    return out


def _load(b: Batch) -> None:
    name = b.col("supplier_name")
    h_name = b.column_header("supplier_name").replace("'", "''")
    base = _rows_sql(b)
    b.con.execute(
        f"""
        INSERT INTO supplier_master
        SELECT ?, ?, row_no, {b.col("supplier_ref")}, {name}, {name_norm_sql(name)},
               {postcode_display_sql(b.col("postcode"))}, {b.col("country")},
               {company_number_sql(b.col("company_number"))}, {b.col("charity_number")},
               upper(regexp_replace({b.col("vat_number")}, '[\\s-]', '', 'g')),
               {flag_sql(b.col("is_sme"))}, {flag_sql(b.col("is_vcse"))}
        FROM ({base}) WHERE {name} IS NOT NULL
    """,
        [b.upload_id, b.org],
    )
    b.con.execute(
        f"""
        INSERT INTO quarantine
        SELECT ?, ?, 'suppliers', ?, ?, row_no, line_no, '{h_name}', 'supplier name is empty', NULL,
               {b.raw_json_sql("q")}
        FROM ({base}) q WHERE {name.replace("trim(c", "trim(q.c")} IS NULL
    """,
        [b.upload_id, b.org, b.source_file, b.part.sheet],
    )


def ingest_suppliers(
    ws: Workspace,
    path: Path,
    org: str,
    *,
    mapping_file: Path | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Load an anchor's supplier master; it refines the supplier profile used by the analysis."""
    return run_import(
        ws,
        path,
        org,
        "suppliers",
        Transform(_prepare, _load, snapshot=SUPPLIER_SNAPSHOT),
        delete_sql=[
            "DELETE FROM supplier_master WHERE upload_id = ?",
            "DELETE FROM quarantine WHERE upload_id = ?",
        ],
        after_load=rebuild_supplier_profile,
        mapping_file=mapping_file,
        progress=progress,
        money=False,
    )
