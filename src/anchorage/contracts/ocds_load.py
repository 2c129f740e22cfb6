"""OCDS import: stream releases into a staging table, compile them per ocid into one contract row each.

A row (for rows_read / rows_loaded / rows_quarantined) is a release: a record counts as its compiled release
(or its embedded releases). All-or-nothing and idempotent like every import; definitions in docs/pipeline.md.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from anchorage.contracts.ocds_extract import FIELDS, STAGES, Bad, extract
from anchorage.contracts.ocds_read import iter_items
from anchorage.errors import InputFileError
from anchorage.ingest.progress import Progress
from anchorage.ingest.result import ImportSummary
from anchorage.reference.names import name_norm_sql
from anchorage.reference.postcode import postcode_display_sql
from anchorage.store import records
from anchorage.workspace import Workspace, file_sha256

KIND = "ocds"
BATCH = 20_000
SCHEMA = pa.schema([
    ("seq", pa.int64()), ("line_no", pa.int64()), ("ocid", pa.string()), ("release_id", pa.string()),
    ("release_ts", pa.timestamp("us")), ("stage_rank", pa.int32()), ("buyer_name", pa.string()),
    ("title", pa.string()), ("description", pa.string()), ("supplier_name", pa.string()),
    ("supplier_id", pa.string()), ("supplier_postcode", pa.string()), ("value", pa.float64()),
    ("currency", pa.string()), ("start_date", pa.date32()), ("end_date", pa.date32()),
    ("end_date_max", pa.date32()), ("cpv", pa.string()), ("tender_deadline", pa.date32()),
    ("procurement_start", pa.date32()), ("award_date", pa.date32()), ("status", pa.string()),
    ("source_url", pa.string()), ("reason", pa.string()), ("raw", pa.string()),
])
assert tuple(SCHEMA.names) == FIELDS


def _stage(con: duckdb.DuckDBPyConnection, path: Path, progress: Progress | None) -> Counter[str]:
    """Read every item of the file into `_ocds_stage`; returns the buyers seen."""
    con.register("_ocds_batch", pa.Table.from_pylist([], schema=SCHEMA))
    con.execute("CREATE OR REPLACE TEMP TABLE _ocds_stage AS SELECT * FROM _ocds_batch")
    batch: list[dict[str, Any]] = []
    buyers: Counter[str] = Counter()
    size = max(path.stat().st_size, 1)

    def flush() -> None:
        con.register("_ocds_batch", pa.Table.from_pylist(batch, schema=SCHEMA))
        con.execute("INSERT INTO _ocds_stage SELECT * FROM _ocds_batch")
        con.unregister("_ocds_batch")
        batch.clear()

    for n, item in enumerate(iter_items(path), start=1):
        row: dict[str, Any] = {"seq": item.seq, "line_no": item.line_no, "reason": item.problem, "raw": item.raw}
        if item.release is not None:
            try:
                row.update(extract(item.release, item.package_uri))
                buyers[row["buyer_name"] or "no buyer given"] += 1
            except Bad as exc:
                row["reason"] = str(exc)
                row["raw"] = json.dumps(item.release, default=str)[:2000]
                row["ocid"] = item.release.get("ocid") if isinstance(item.release.get("ocid"), str) else None
        batch.append(row)
        if n % BATCH == 0:
            flush()
            if progress is not None and item.line_no:
                progress(f"Reading {path.name}", min(item.line_no * 200 / size, 0.99))
    flush()
    return buyers


def _latest(col: str) -> str:
    return f"arg_max({col}, ord) FILTER (WHERE {col} IS NOT NULL) AS {col}"


RELEASE_COLUMNS = FIELDS[:-2]  # all but reason and raw


def compile_contracts(con: duckdb.DuckDBPyConnection, org: str) -> None:
    """Rebuild an anchor's OCDS contracts from all its releases: per ocid, each field's latest value."""
    latest = ", ".join(_latest(c) for c in (
        "upload_id", "buyer_name", "title", "description", "supplier_name", "supplier_id", "supplier_postcode",
        "value", "currency", "start_date", "end_date", "end_date_max", "cpv", "tender_deadline",
        "procurement_start", "award_date", "status", "source_url"))
    stage_names = "[" + ", ".join(f"'{s}'" for s in STAGES) + "]"
    con.execute("DELETE FROM contracts WHERE org = ? AND source = 'ocds'", [org])
    con.execute(f"""
        INSERT INTO contracts
        WITH good AS (
            SELECT *, CAST(epoch(coalesce(release_ts, TIMESTAMP '1970-01-01')) AS BIGINT) * 1000000000 + seq AS ord
            FROM ocds_releases WHERE org = $org
        ), c AS (
            SELECT ocid, min(seq) AS row_no, count(DISTINCT coalesce(release_id, upload_id || seq)) AS releases,
                   max(stage_rank) AS stage_rank, max(release_ts) AS release_ts, arg_max(release_id, ord) AS release_id,
                   {latest}
            FROM good GROUP BY ocid
        )
        SELECT upload_id, $org, row_no, 'ocds', ocid, ocid, release_id,
               coalesce(title, 'Untitled (' || ocid || ')'), description, buyer_name, supplier_name,
               CASE WHEN supplier_name IS NOT NULL THEN {name_norm_sql('supplier_name')} END, supplier_id,
               {postcode_display_sql('supplier_postcode')}, CAST(value AS DECIMAL(18, 2)), currency,
               start_date, end_date, coalesce(end_date_max, end_date), NULL, NULL, cpv, NULL,
               {stage_names}[stage_rank + 1], status, tender_deadline, procurement_start, award_date,
               release_ts, releases, source_url, true
        FROM c
    """, {"org": org})


def _load(con: duckdb.DuckDBPyConnection, upload_id: str, org: str, source_file: str,
          previous: str | None) -> None:
    con.begin()
    try:
        if previous is not None:
            for table in ("ocds_releases", "quarantine"):
                con.execute(f"DELETE FROM {table} WHERE upload_id = ?", [previous])
        con.execute(f"INSERT INTO ocds_releases SELECT ?, ?, {', '.join(RELEASE_COLUMNS)} "
                    "FROM _ocds_stage WHERE reason IS NULL", [upload_id, org])
        compile_contracts(con, org)
        con.execute("""
            INSERT INTO quarantine
            SELECT ?, ?, 'ocds', ?, NULL, seq, line_no,
                   CASE WHEN reason LIKE '% is not a %' AND reason NOT LIKE 'line %' THEN split_part(reason, ' ', 1)
                   END, reason, NULL, raw
            FROM _ocds_stage WHERE reason IS NOT NULL
        """, [upload_id, org, source_file])
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _summarise(con: duckdb.DuckDBPyConnection, out: ImportSummary, buyers: Counter[str]) -> None:
    row = con.execute("SELECT count(*), count(*) FILTER (reason IS NULL), count(*) FILTER (reason IS NOT NULL), "
                      "count(DISTINCT ocid) FILTER (reason IS NULL) FROM _ocds_stage").fetchone()
    assert row is not None
    out.rows_read, out.rows_loaded, out.rows_quarantined, contracts = row
    for reason, n in con.execute("SELECT reason, count(*) FROM _ocds_stage WHERE reason IS NOT NULL "
                                 "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 50").fetchall():
        key = reason.split('"')[0].strip() + (" …" if '"' in reason else "")
        out.quarantine_reasons[key] = out.quarantine_reasons.get(key, 0) + n
    out.notes.append(f"{out.rows_loaded:,} releases compiled into {contracts:,} contracts (one per ocid)")
    if buyers:
        top = ", ".join(f"{b} ({n:,})" for b, n in buyers.most_common(3))
        out.notes.append(f"buyers in the file: {top}" + (" and others" if len(buyers) > 3 else ""))
    other = con.execute("SELECT count(*) FROM _ocds_stage WHERE reason IS NULL AND currency <> 'GBP'").fetchone()
    if other and other[0]:
        out.notes.append(f"{other[0]:,} releases give values in another currency; values are not converted")


def import_ocds(ws: Workspace, path: Path, org: str, *, progress: Progress | None = None) -> ImportSummary:
    """Load an OCDS file (package, record, release or JSON lines) as the anchor's published contracts."""
    anchor = ws.config.anchor(org)
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise InputFileError(str(path), "the file does not exist or is empty.", fix="Check the path and try again.")
    sha = file_sha256(path)
    out = ImportSummary(kind=KIND, file=path.name, org=anchor.slug)
    with ws.session() as session:
        done = records.loaded_upload(session, anchor.slug, KIND, sha)
        if done is not None:
            out.duplicate, out.upload_id = True, done.id
            out.notes.append(f"already loaded as upload {done.id} on {done.created_at:%Y-%m-%d}; nothing added")
            return out
        previous = records.previous_version(session, anchor.slug, KIND, path.name)
        upload = records.Upload(id=uuid.uuid4().hex[:16], org=anchor.slug, kind=KIND, filename=path.name,
                                sha256=sha, raw_path=str(ws.keep_raw(path, sha)), status="pending", mapping={})
        session.add(upload)
        session.commit()
        out.upload_id = upload.id
        try:
            with ws.warehouse() as con:
                buyers = _stage(con, path, progress)
                _summarise(con, out, buyers)
                _load(con, upload.id, anchor.slug, path.name, previous.id if previous else None)
        except BaseException:
            session.delete(upload)
            session.commit()
            raise
        upload.status = "loaded"
        upload.mapping_source = "ocds"
        upload.rows_read, upload.rows_loaded, upload.rows_quarantined = (
            out.rows_read, out.rows_loaded, out.rows_quarantined)
        if previous is not None:
            previous.status = "replaced"
            upload.replaces = out.replaced_upload = previous.id
            session.add(previous)
        session.add(upload)
        session.commit()
    return out
