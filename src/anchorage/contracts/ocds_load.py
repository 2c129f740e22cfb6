"""OCDS import, one import kind ("ocds") on the shared pipeline: stream releases into a staging table, file each
under its buyer's anchor (or the area's public notices), compile them per ocid into one contract row each.

A row (for rows_read / rows_loaded / rows_quarantined, and £: the value each release states) is a release: a
record counts as its compiled release (or its embedded releases). OCDS files ADD releases (a release already
held is not added twice), so a whole area's notices can be loaded file after file; definitions in
docs/pipeline.md.
"""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from anchorage.contracts.ocds_buyers import PUBLIC, Placed, parse_confirmed, place_buyers
from anchorage.contracts.ocds_extract import FIELDS, STAGES, Bad, extract
from anchorage.contracts.ocds_read import iter_items
from anchorage.ingest.pipeline import Batch, Transform, run_import
from anchorage.ingest.progress import Progress
from anchorage.ingest.readers import StagedPart
from anchorage.ingest.result import ImportSummary
from anchorage.reference.names import name_norm_sql
from anchorage.reference.postcode import postcode_display_sql
from anchorage.workspace import Workspace

KIND = "ocds"
BATCH = 20_000
SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("line_no", pa.int64()),
        ("ocid", pa.string()),
        ("release_id", pa.string()),
        ("release_ts", pa.timestamp("us")),
        ("stage_rank", pa.int32()),
        ("buyer_name", pa.string()),
        ("buyer_ids", pa.string()),
        ("title", pa.string()),
        ("description", pa.string()),
        ("supplier_name", pa.string()),
        ("supplier_id", pa.string()),
        ("supplier_postcode", pa.string()),
        ("value", pa.float64()),
        ("currency", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
        ("end_date_max", pa.date32()),
        ("cpv", pa.string()),
        ("tender_deadline", pa.date32()),
        ("procurement_start", pa.date32()),
        ("award_date", pa.date32()),
        ("status", pa.string()),
        ("source_url", pa.string()),
        ("reason", pa.string()),
        ("raw", pa.string()),
    ]
)
assert tuple(SCHEMA.names) == FIELDS
RELEASE_COLUMNS = tuple(c for c in FIELDS[:-2] if c != "buyer_ids")  # what ocds_releases keeps
DELETE_SQL = [
    "DELETE FROM ocds_releases WHERE upload_id = ?",
    "DELETE FROM quarantine WHERE upload_id = ?",
]
_ids = itertools.count()


def stage_releases(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, progress: Progress | None
) -> None:
    """Read every item of the file into `table` (one row per release or bad item), a batch at a time."""
    con.register("_ocds_batch", pa.Table.from_pylist([], schema=SCHEMA))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _ocds_batch")
    batch: list[dict[str, Any]] = []
    size = max(path.stat().st_size, 1)

    def flush() -> None:
        con.register("_ocds_batch", pa.Table.from_pylist(batch, schema=SCHEMA))
        con.execute(f"INSERT INTO {table} SELECT * FROM _ocds_batch")
        con.unregister("_ocds_batch")
        batch.clear()

    for n, item in enumerate(iter_items(path), start=1):
        row: dict[str, Any] = {
            "seq": item.seq,
            "line_no": item.line_no,
            "reason": item.problem,
            "raw": item.raw,
        }
        if item.release is not None:
            try:
                row.update(extract(item.release, item.package_uri))
            except Bad as exc:
                row["reason"] = str(exc)
                row["raw"] = json.dumps(item.release, default=str)[:2000]
                row["ocid"] = (
                    item.release.get("ocid") if isinstance(item.release.get("ocid"), str) else None
                )
        batch.append(row)
        if n % BATCH == 0:
            flush()
            if progress is not None and item.line_no:
                progress(f"Reading {path.name}", min(item.line_no * 200 / size, 0.99))
    flush()


def _latest(col: str) -> str:
    return f"arg_max({col}, ord) FILTER (WHERE {col} IS NOT NULL) AS {col}"


def compile_contracts(con: duckdb.DuckDBPyConnection, org: str) -> None:
    """Rebuild an anchor's OCDS contracts from all its releases: per ocid, each field's latest value."""
    latest = ", ".join(
        _latest(c)
        for c in (
            "upload_id",
            "buyer_name",
            "title",
            "description",
            "supplier_name",
            "supplier_id",
            "supplier_postcode",
            "value",
            "currency",
            "start_date",
            "end_date",
            "end_date_max",
            "cpv",
            "tender_deadline",
            "procurement_start",
            "award_date",
            "status",
            "source_url",
        )
    )
    stage_names = "[" + ", ".join(f"'{s}'" for s in STAGES) + "]"
    con.execute("DELETE FROM contracts WHERE org = ? AND source = 'ocds'", [org])
    con.execute(
        f"""
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
               CASE WHEN supplier_name IS NOT NULL THEN {name_norm_sql("supplier_name")} END, supplier_id,
               {postcode_display_sql("supplier_postcode")}, CAST(value AS DECIMAL(18, 2)), currency,
               start_date, end_date, coalesce(end_date_max, end_date), NULL, NULL, cpv, NULL,
               {stage_names}[stage_rank + 1], status, tender_deadline, procurement_start, award_date,
               release_ts, releases, source_url, true
        FROM c
    """,
        {"org": org},
    )


def _q(s: str) -> str:
    return s.replace("'", "''")


def _place(b: Batch, ws: Workspace, placed: dict[tuple[str | None, str | None], Placed]) -> None:
    """The parsed table: each release with the anchor it is filed under (`_org`: a slug, PUBLIC, or NULL)
    and its quarantine reason, if any."""
    con, t = b.con, b.part.table
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ocds_who (buyer_name VARCHAR, buyer_ids VARCHAR, org VARCHAR)"
    )
    if placed:
        con.executemany(
            "INSERT INTO _ocds_who VALUES (?, ?, ?)",
            [[n, i, p.org] for (n, i), p in placed.items()],
        )
    names = {a.slug: a.name for a in ws.config.anchors}
    other = (
        (
            "CASE w.org "
            + " ".join(f"WHEN '{_q(s)}' THEN '{_q(n)}'" for s, n in names.items())
            + " ELSE w.org END"
        )
        if names
        else "w.org"
    )
    mine = _q(names.get(b.org, b.org))
    con.execute(
        f"""
        CREATE TEMP TABLE {b.parsed} AS
        SELECT s.*, w.org AS _org, coalesce(s.reason,
               CASE WHEN w.org IS NULL THEN 'the release names no buyer, so it cannot be filed under an anchor: '
                                             || 'load the file with --org for the anchor it belongs to'
                    WHEN ? <> '' AND w.org <> '' AND w.org <> ? THEN 'another anchor''s notice: the buyer "'
                         || s.buyer_name || '" is ' || {other} || ', not {mine}; it is for ' || {other}
                         || ' to load (or load the file for the whole area, to file each buyer''s notices under '
                         || 'its own anchor)' END) AS why
        FROM {t} s LEFT JOIN _ocds_who w ON w.buyer_name IS NOT DISTINCT FROM s.buyer_name
                                        AND w.buyer_ids IS NOT DISTINCT FROM s.buyer_ids
    """,
        [b.org, b.org],
    )


def _split(b: Batch, placed: dict[tuple[str | None, str | None], Placed]) -> dict[str, Any]:
    """Where the releases went: per anchor, the area's public notices, and what could not be placed."""
    money = "coalesce(sum(CAST(value AS DECIMAL(18, 2))), 0)"
    anchors = {
        org: {"releases": n, "contracts": c, "amount": float(v)}
        for org, n, c, v in b.con.execute(
            f"SELECT _org, count(*), count(DISTINCT ocid), {money} FROM {b.parsed} "
            f"WHERE why IS NULL AND _org <> '' GROUP BY 1 ORDER BY 1"
        ).fetchall()
    }
    public = b.con.execute(
        f"SELECT count(*), count(DISTINCT buyer_name), {money} FROM {b.parsed} "
        f"WHERE why IS NULL AND _org = ''"
    ).fetchone()
    unmapped = b.con.execute(
        f"SELECT count(*) FROM {b.parsed} WHERE reason IS NULL AND _org IS NULL"
    ).fetchone()
    other = b.con.execute(
        f"SELECT count(*) FROM {b.parsed} WHERE reason IS NULL AND why IS NOT NULL "
        "AND _org IS NOT NULL"
    ).fetchone()
    assert public is not None and unmapped is not None and other is not None
    counts = dict(
        ((n, i), c)
        for n, i, c in b.con.execute(
            f"SELECT buyer_name, buyer_ids, count(*) FROM {b.parsed} WHERE reason IS NULL GROUP BY 1, 2"
        ).fetchall()
    )
    buyers = [
        {
            "buyer": n or "(no buyer given)",
            "identifiers": i.split("|") if i else [],
            "anchor": p.org if p.org else ("public notice" if p.org == PUBLIC else None),
            "how": p.how,
            "releases": counts.get((n, i), 0),
        }
        for (n, i), p in sorted(placed.items(), key=lambda kv: str(kv[0]))
    ]
    return {
        "anchors": anchors,
        "public_notices": {"releases": public[0], "buyers": public[1], "amount": float(public[2])},
        "unmapped": {"releases": unmapped[0]},
        "other_anchors_quarantined": {"releases": other[0]},
        "buyers": buyers,
    }


def _prepare(b: Batch, ws: Workspace, confirmed: dict[str, str]) -> ImportSummary:
    buyers = [
        (n, i)
        for n, i in b.con.execute(
            f"SELECT DISTINCT buyer_name, buyer_ids FROM {b.part.table} WHERE reason IS NULL"
        ).fetchall()
    ]
    placed = place_buyers(ws.config, buyers, b.org or None, confirmed)
    _place(b, ws, placed)
    out = ImportSummary(kind=KIND, file=b.source_file)
    money = "coalesce(sum(CAST(value AS DECIMAL(18, 2)))"
    row = b.con.execute(
        f"SELECT count(*), count(*) FILTER (why IS NULL), count(*) FILTER (why IS NOT NULL), "
        f"{money}, 0), {money} FILTER (why IS NULL), 0), {money} FILTER (why IS NOT NULL), 0), "
        f"count(DISTINCT ocid) FILTER (why IS NULL AND _org <> '') FROM {b.parsed}"
    ).fetchone()
    assert row is not None
    out.rows_read, out.rows_loaded, out.rows_quarantined = row[:3]
    out.amount_read, out.amount_loaded, out.amount_quarantined = (Decimal(x) for x in row[3:6])
    for reason, n in b.con.execute(
        f"SELECT why, count(*) FROM {b.parsed} WHERE why IS NOT NULL "
        "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 50"
    ).fetchall():
        key = reason.split('"')[0].strip() + (" …" if '"' in reason else "")
        out.quarantine_reasons[key] = out.quarantine_reasons.get(key, 0) + n
    out.split = _split(b, placed)
    public = out.split["public_notices"]["releases"]
    out.notes.append(
        f"{out.rows_loaded - public:,} releases compiled into {row[6]:,} contracts (one per ocid)"
    )
    if public:
        out.notes.append(
            f"{public:,} releases of {out.split['public_notices']['buyers']:,} buyer(s) that are not "
            'anchors kept as the area\'s public notices (confirm a buyer with --buyer "NAME=anchor")'
        )
    other = b.con.execute(
        f"SELECT count(*) FROM {b.parsed} WHERE why IS NULL AND currency <> 'GBP'"
    ).fetchone()
    if other and other[0]:
        out.notes.append(
            f"{other[0]:,} releases give values in another currency; values are not converted"
        )
    return out


def _load(b: Batch) -> ImportSummary:
    t = b.parsed
    # A release is held once: by its anchor, or else (its buyer is no anchor) as one of the area's public
    # notices. One already held is not added again; a public notice that a file now files under an anchor
    # moves to the anchor (it is no anchor's row, so no anchor's rows change).
    held_sql = """release_id IS NOT NULL AND EXISTS (SELECT 1 FROM ocds_releases r WHERE r.ocid = p.ocid
                   AND r.release_id = p.release_id AND (r.org = p._org OR p._org = ''))"""
    held = b.con.execute(f"SELECT count(*) FROM {t} p WHERE why IS NULL AND {held_sql}").fetchone()
    moved = b.con.execute(f"""
        DELETE FROM ocds_releases r WHERE r.org = '' AND EXISTS (SELECT 1 FROM {t} p WHERE p.why IS NULL
            AND p._org <> '' AND p.ocid = r.ocid AND p.release_id = r.release_id)""").fetchone()
    b.con.execute(
        f"""
        INSERT INTO ocds_releases SELECT ?, _org, {", ".join(RELEASE_COLUMNS)} FROM {t} p
        WHERE why IS NULL AND NOT ({held_sql})
    """,
        [b.upload_id],
    )
    for (org,) in b.con.execute(
        f"SELECT DISTINCT _org FROM {t} WHERE why IS NULL AND _org <> '' ORDER BY 1"
    ).fetchall():
        compile_contracts(b.con, org)
    b.con.execute(
        f"""
        INSERT INTO quarantine
        SELECT ?, {f"'{_q(b.org)}'" if b.org else "coalesce(_org, '')"}, '{KIND}', ?, NULL, seq, line_no,
               CASE WHEN why LIKE '% is not a %' AND why NOT LIKE 'line %' THEN split_part(why, ' ', 1)
                    WHEN reason IS NULL THEN 'buyer' END, why, CAST(value AS DECIMAL(18, 2)), raw
        FROM {t} WHERE why IS NOT NULL
    """,
        [b.upload_id, b.source_file],
    )
    out = ImportSummary(kind=KIND, file=b.source_file)
    if held and held[0]:  # counted as loaded: they are in the store, once
        out.notes.append(
            f"{held[0]:,} releases were already held from earlier files, so were not added again"
        )
    if moved and moved[0]:
        out.notes.append(
            f"{moved[0]:,} of the area's public notices are now filed under their anchor"
        )
    return out


def transform(
    ws: Workspace, buyers: list[str] | None = None, progress: Progress | None = None
) -> Transform:
    """The OCDS kind's steps; `buyers` are the uploader's confirmed `--buyer "NAME=anchor"` mappings."""
    confirmed = parse_confirmed(ws.config, buyers)

    def stage(
        con: duckdb.DuckDBPyConnection, path: Path, workdir: Path
    ) -> tuple[list[StagedPart], list[str]]:
        table = f"_ocds_stage_{next(_ids)}"
        stage_releases(con, path, table, progress)
        return [StagedPart(table, [], None, 0)], []

    return Transform(
        lambda b: _prepare(b, ws, confirmed), _load, stage=stage, replaces_by_name=False
    )


def preview_buyers(
    ws: Workspace, path: Path, org: str | None, buyers: list[str] | None = None
) -> list[dict[str, Any]]:
    """The buyers an OCDS file names, each with its releases, £ and where its releases would go, before
    loading (nothing is written: the file is read into a private in-memory database)."""
    slug = ws.config.anchor(org).slug if org else ""
    confirmed = parse_confirmed(ws.config, buyers)
    with duckdb.connect() as con:
        stage_releases(con, Path(path), "_ocds_preview", None)
        rows = con.execute(
            "SELECT buyer_name, buyer_ids, count(*), coalesce(sum(CAST(value AS DECIMAL(18, 2))), 0) "
            "FROM _ocds_preview WHERE reason IS NULL GROUP BY 1, 2 ORDER BY 3 DESC, 1"
        ).fetchall()
    placed = place_buyers(ws.config, [(n, i) for n, i, _, _ in rows], slug or None, confirmed)
    names = {a.slug: a.name for a in ws.config.anchors}
    out = []
    for n, i, count, amount in rows:
        p = placed[(n, i)]
        goes = (
            "cannot be placed (no buyer)"
            if p.org is None
            else "the area's public notices"
            if p.org == PUBLIC
            else names[p.org]
            if not slug or p.org == slug
            else f"quarantined: {names[p.org]}'s, not this file's"
        )
        out.append(
            {
                "buyer": n or "(no buyer given)",
                "identifiers": i.split("|") if i else [],
                "releases": count,
                "amount": float(amount),
                "anchor": p.org,
                "goes_to": goes,
                "how": p.how,
            }
        )
    return out


def import_ocds(
    ws: Workspace,
    path: Path,
    org: str | None,
    *,
    buyers: list[str] | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Load an OCDS file (package, record, release or JSON lines): an anchor's (`org`) or a whole area's (None),
    each release filed under its buyer's anchor or kept as the area's public notices."""
    return run_import(
        ws,
        Path(path),
        org,
        KIND,
        transform(ws, buyers, progress),
        delete_sql=DELETE_SQL,
        progress=progress,
        money=True,
    )
