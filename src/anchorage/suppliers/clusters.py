"""Finalise a resolution: apply review decisions, choose each record's link, cluster records into suppliers,
enrich them from the register, and write supplier_resolution (the table the spend analysis reads)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from anchorage.store import lake
from anchorage.suppliers import cluster_sql, record_keys
from anchorage.suppliers.enrich import enrich_resolution
from anchorage.suppliers.records import RECORDS_SQL, active_decisions, review_queue
from anchorage.workspace import Workspace


@dataclass
class ResolveSummary:
    """What a resolution run found, in records and in £ of spend (after review decisions)."""

    records: int = 0
    anchors: int = 0
    register_entities: int = 0
    linked_by_number: int = 0
    linked_by_model: int = 0
    linked_by_review: int = 0
    linked_via_cluster: int = 0
    unmatched: int = 0
    to_review: int = 0
    suppliers: int = 0
    suppliers_across_anchors: int = 0
    spend_total: float = 0.0
    spend_matched: float = 0.0
    spend_unmatched: float = 0.0
    matched_spend_pct: float | None = None
    warnings: int = 0
    decisions_applied: int = 0
    backend: str = "duckdb"
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_INPUTS = ("cl_records", "cl_candidates", "cl_decisions")
_RESOLUTION_COLUMNS = (
    "org, supplier_name_norm, record_id, supplier_name, supplier_id, register_source, register_id, "
    "register_name, match_probability, method, explanation"
)


def _inputs(con: Any, decisions: list[Any]) -> None:
    """The clustering's three input tables (cluster_sql.py) as temporary tables of this connection."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE cl_all_records AS {RECORDS_SQL}")
    # Names compare without spaces ("MatherCare" is "Mather Care"); the trading name of "ABC Ltd T/A Tasty Food"
    # is kept to join records named just "Tasty Food" (cluster_sql.py).
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cl_records AS SELECT record_id, org, supplier_name_norm, "
        "replace(supplier_name_norm, ' ', '') AS name_squash, "
        "replace(trading_name_norm, ' ', '') AS trading_squash, "
        + ", ".join(
            f"nullif(trim({k}), '') AS {k}"
            for k in ("company_number", "charity_number", "vat_number")
        )
        + " FROM cl_all_records"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cl_candidates AS SELECT record_id, source || ':' || register_id AS target, "
        "match_probability, match_weight, method, explanation FROM supplier_candidates"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cl_decisions (record_id VARCHAR, action VARCHAR, target VARCHAR, "
        "other_record_id VARCHAR, explanation VARCHAR)"
    )
    accepted = {
        d.record_id: d for d in decisions if d.action == "accept"
    }  # a later acceptance replaces one before
    rows = [
        (
            d.record_id,
            d.action,
            f"{d.register_source}:{d.register_id}" if d.register_id else None,
            d.other_record_id,
            f"accepted by {d.decided_by or 'a reviewer'}" + (f": {d.note}" if d.note else ""),
        )
        for d in decisions
        if d.action != "accept" or accepted[d.record_id] is d
    ]
    if rows:
        con.executemany("INSERT INTO cl_decisions VALUES (?, ?, ?, ?, ?)", rows)


def _cluster_on_spark(ws: Workspace, spark: Any, decisions: list[Any]) -> str:
    """Send the inputs to Spark through the lake, cluster there, and return DuckDB SQL reading the clusters."""
    root = lake.root_for(ws.root, ws.config.compute.lake)
    with ws.warehouse() as con:
        record_keys.sync(ws, con)
        _inputs(con, decisions)
        lake.copy_tables(con, root, {t: f"SELECT * FROM {t}" for t in _INPUTS})
    # No warehouse lock while Spark runs: it reads only the lake.
    manifest = lake.read_manifest(root)
    for t in _INPUTS:
        spark.read.parquet(*lake.table_files(root, manifest, t)).createOrReplaceTempView(t)
    cluster_sql.cluster(*cluster_sql.spark_runner(spark))
    folder = lake.fresh_dir(root, "supplier_clusters")
    spark.table("cl_clusters").write.mode("overwrite").parquet(str(folder))
    lake.publish(root, {"supplier_clusters": folder})
    return lake.read_sql(root, "supplier_clusters")


def finalise(ws: Workspace, *, spark: Any = None) -> ResolveSummary:
    """Apply decisions to the stored candidates and (re)write supplier_resolution; returns the summary.

    The clustering runs in DuckDB, or in Spark when a session is given (inputs and clusters then pass through
    the lake, and DuckDB reads the clusters back from its Parquet files).
    """
    with ws.session() as session:
        decisions = active_decisions(session)
    from_spark = _cluster_on_spark(ws, spark, decisions) if spark is not None else None
    with ws.warehouse() as con:
        record_keys.sync(ws, con)
        _inputs(con, decisions)
        if from_spark is None:
            cluster_sql.cluster(*cluster_sql.duckdb_runner(con))
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE cl_clusters AS SELECT * FROM {from_spark}")
        supplier_id, pads = record_keys.cluster_id_sql(
            record_keys.cluster_key(ws), "coalesce(c.root, r.record_id)"
        )
        con.begin()
        try:
            con.execute("DELETE FROM supplier_resolution")
            # An entity filed under several names shows the alphabetically first (as suppliers/enrich.py does).
            con.execute(
                f"""
                INSERT INTO supplier_resolution ({_RESOLUTION_COLUMNS})
                SELECT r.org, r.supplier_name_norm, r.record_id, r.supplier_name, {supplier_id},
                       split_part(c.target, ':', 1), nullif(substr(c.target, length(split_part(c.target, ':', 1)) + 2), ''),
                       n.name, c.match_probability, c.method, c.explanation
                FROM cl_all_records r LEFT JOIN cl_clusters c ON c.record_id = r.record_id
                LEFT JOIN (SELECT source || ':' || register_id AS target, min(name) AS name FROM register_entities
                           GROUP BY 1) n ON n.target = c.target
            """,
                pads,
            )
            enrich_resolution(con)
            con.commit()
        except BaseException:
            con.rollback()
            raise
        summary = _summarise(con)
    summary.decisions_applied = len(decisions)
    summary.to_review = len(review_queue(ws, limit=None))
    return summary


def _summarise(con: Any) -> ResolveSummary:
    s = ResolveSummary(
        **dict(
            zip(
                ("records", "anchors"),
                con.execute("SELECT count(*), count(DISTINCT org) FROM cl_all_records").fetchone(),
                strict=True,
            )
        )
    )
    row = con.execute("""
        SELECT count(*) FILTER (method IN ('company number', 'charity number')),
               count(*) FILTER (method = 'model'), count(*) FILTER (method LIKE 'review%'),
               count(*) FILTER (method = 'same supplier as another record'), count(*) FILTER (method IS NULL),
               count(DISTINCT supplier_id), count(*) FILTER (warning IS NOT NULL)
        FROM supplier_resolution
    """).fetchone()
    (
        s.linked_by_number,
        s.linked_by_model,
        s.linked_by_review,
        s.linked_via_cluster,
        s.unmatched,
        s.suppliers,
        s.warnings,
    ) = row
    s.suppliers_across_anchors = con.execute(
        "SELECT count(*) FROM (SELECT supplier_id FROM supplier_resolution GROUP BY 1 HAVING count(DISTINCT org) > 1)"
    ).fetchone()[0]
    spend = con.execute("""
        SELECT coalesce(sum(s.amount), 0), coalesce(sum(s.amount) FILTER (r.register_id IS NOT NULL), 0)
        FROM spend s LEFT JOIN supplier_resolution r USING (org, supplier_name_norm)
    """).fetchone()
    s.spend_total, s.spend_matched = float(spend[0]), float(spend[1])
    s.spend_unmatched = round(s.spend_total - s.spend_matched, 2)
    s.matched_spend_pct = round(s.spend_matched / s.spend_total, 4) if s.spend_total else None
    return s
