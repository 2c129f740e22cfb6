"""Resolution: every anchor's suppliers → candidate register links (rules first, then Splink) → clusters.

`resolve` finds the candidates (the slow part) and then calls `clusters.finalise`, which applies the
review decisions and writes supplier_resolution; review commands call `finalise` alone.
"""

from __future__ import annotations

import time
from typing import Any

import duckdb

from anchorage.core.errors import AnchorageError
from anchorage.ingest import progress as prog
from anchorage.store import lake
from anchorage.store.spark import spark_session
from anchorage.suppliers import clusters, model, record_keys, records, spark_link
from anchorage.suppliers.link import ENGINES, link
from anchorage.workspace import Workspace

_TRADING_UID = (
    "|trading"  # suffix of the linking id under which a record's trading name is compared
)
# Deterministic rules: the same company number or charity number as a register entity.
_RULES_SQL = """
    SELECT r.record_id, e.source, e.register_id, 1.0 AS match_probability, NULL::DOUBLE AS match_weight,
           CASE e.source WHEN 'charity_commission' THEN 'charity number' ELSE 'company number' END AS method,
           CASE e.source WHEN 'charity_commission' THEN 'same charity number ' || e.register_id
                ELSE 'same company number ' || e.register_id END AS explanation
    FROM records r JOIN register e
      ON (e.source IN ('companies_house', 'cic') AND e.register_id = r.company_number)
      OR (e.source = 'charity_commission' AND e.register_id = r.charity_number)
"""


def _register_sql() -> str:
    """One row per register entity (a charity's linked subsidiaries share its number)."""
    return (
        "SELECT * FROM register_entities "
        "QUALIFY row_number() OVER (PARTITION BY source, register_id ORDER BY name) = 1"
    )


# A record with a trading name ("ABC Ltd T/A Tasty Food") is compared under both names.
_LEFT_SQL = model.features_sql(
    "SELECT record_id AS uid, supplier_name_norm AS name_norm, postcode, NULL::VARCHAR AS town FROM records "
    "WHERE record_id NOT IN (SELECT record_id FROM rules) UNION ALL "
    f"SELECT record_id || '{_TRADING_UID}', trading_name_norm, postcode, NULL FROM records "
    "WHERE trading_name_norm IS NOT NULL AND record_id NOT IN (SELECT record_id FROM rules)"
)
_RIGHT_SQL = model.features_sql(
    "SELECT source || ':' || register_id AS uid, name_norm, postcode, town FROM register"
)
_CANDIDATE_COLUMNS = (
    "record_id, source, register_id, match_probability, match_weight, method, explanation"
)
# Splink's scored pairs as candidate rows, explained in SQL (model.explain_sql), never through Python.
# Scored pairs as candidate rows (explained in SQL, never through Python): a match under the trading name says
# so, and a register entity found under both names keeps the better of the two.
_MODEL_ROWS_SQL = f"""
    SELECT * FROM (
        SELECT CASE WHEN ends_with(uid_l, '{_TRADING_UID}') THEN left(uid_l, length(uid_l) - {len(_TRADING_UID)})
                    ELSE uid_l END AS record_id,
               split_part(uid_r, ':', 1) AS source, substr(uid_r, length(split_part(uid_r, ':', 1)) + 2) AS register_id,
               CAST(match_probability AS DOUBLE) AS match_probability, match_weight, 'model' AS method,
               CASE WHEN ends_with(uid_l, '{_TRADING_UID}') THEN 'trading name: ' ELSE '' END || {{explanation}}
                   AS explanation
        FROM {{predictions}})
    QUALIFY row_number() OVER (PARTITION BY record_id, source, register_id
                               ORDER BY match_probability DESC, explanation) = 1
"""


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    """The records, the register (one row an entity) and the rule links, as temporary tables."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE records AS {records.RECORDS_SQL}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE register AS {_register_sql()}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE rules AS {_RULES_SQL}")


def _replace_candidates(con: duckdb.DuckDBPyConnection, *selects: str) -> None:
    """supplier_candidates becomes the rows of these SELECTs, in one transaction."""
    con.begin()
    try:
        con.execute("DELETE FROM supplier_candidates")
        for select in selects:
            con.execute(
                f"INSERT INTO supplier_candidates SELECT {_CANDIDATE_COLUMNS} FROM ({select})"
            )
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    row = con.execute(
        "SELECT (SELECT count(*) FROM records), (SELECT count(*) FROM register), "
        "(SELECT count(*) FROM rules)"
    ).fetchone()
    assert row is not None
    return dict(zip(("records", "register_entities", "rule_links"), map(int, row), strict=True))


def find_candidates(
    con: duckdb.DuckDBPyConnection, *, progress: prog.Progress | None = None
) -> dict[str, int]:
    """Rebuild supplier_candidates on DuckDB: rule links, then Splink for records no rule linked."""
    _prepare(con)
    if progress:
        progress("Linking suppliers to the registers", 0.1)
    found = link(con.execute(_LEFT_SQL).to_arrow_table(), con.execute(_RIGHT_SQL).to_arrow_table())
    if progress:
        progress("Linking suppliers to the registers", 0.9)
    con.register("found_frame", found)
    _replace_candidates(
        con,
        "SELECT * FROM rules",
        *(
            []
            if found.empty
            else [_MODEL_ROWS_SQL.format(predictions="found_frame", explanation="explanation")]
        ),
    )
    con.unregister("found_frame")
    return {**_counts(con), "model_candidates": len(found)}


def find_candidates_on_spark(
    ws: Workspace, spark: Any, progress: prog.Progress | None = None
) -> dict[str, int]:
    """Rebuild supplier_candidates with Splink on Spark: DuckDB writes the features to the lake, Spark scores
    them and writes its predictions there, DuckDB reads them back. The warehouse is not locked while Spark runs."""
    root = lake.root_for(ws.root, ws.config.compute.lake)
    with ws.warehouse() as con:
        record_keys.sync(ws, con)
        _prepare(con)
        counts = _counts(con)
        lake.copy_tables(
            con,
            root,
            {
                "link_suppliers": _LEFT_SQL,
                "link_register": _RIGHT_SQL,
                "link_rules": "SELECT * FROM rules",
            },
        )
    if progress:
        progress("Linking suppliers to the registers on Spark", 0.1)
    manifest = lake.read_manifest(root)
    left, right = (
        spark.read.parquet(*lake.table_files(root, manifest, t))
        for t in ("link_suppliers", "link_register")
    )
    folder = lake.fresh_dir(root, "link_predictions")
    spark_link.predict(spark, left, right).write.mode("overwrite").parquet(str(folder))
    lake.publish(root, {"link_predictions": folder})
    if progress:
        progress("Linking suppliers to the registers on Spark", 0.9)
    with ws.warehouse() as con:
        _replace_candidates(
            con,
            f"SELECT * FROM {lake.read_sql(root, 'link_rules')}",
            _MODEL_ROWS_SQL.format(
                predictions=lake.read_sql(root, "link_predictions"), explanation=model.explain_sql()
            ),
        )
        counts["model_candidates"] = int(
            con.execute(  # type: ignore[index]
                "SELECT count(*) FROM supplier_candidates WHERE method = 'model'"
            ).fetchone()[0]
        )
    return counts


def resolve(
    ws: Workspace,
    *,
    engine: str = "duckdb",
    spark: Any = None,
    progress: prog.Progress | None = None,
) -> clusters.ResolveSummary:
    """Resolve every anchor's suppliers against the imported registers; decisions are re-applied.

    On Spark (engine "spark", a session from the workspace's [compute] config unless one is given) both the
    scoring and the clustering run in Spark, on tables passed through the lake.
    """
    start = time.perf_counter()
    if engine not in ENGINES:
        raise AnchorageError(
            f"There is no linking engine called {engine!r}.",
            web_fix="Ask whoever runs the workspace for Anchorage to do this.",
            fix="Use --engine duckdb or --engine spark.",
        )
    if engine == "spark" and spark is None:
        with spark_session(
            ws.config.compute, ws.tmp_dir, "anchorage-suppliers", jars=spark_link.splink_jars()
        ) as session:
            return resolve(ws, engine=engine, spark=session, progress=progress)
    if engine == "spark":
        counts = find_candidates_on_spark(ws, spark, progress)
        summary = clusters.finalise(ws, spark=spark)
    else:
        with ws.warehouse() as con:
            record_keys.sync(ws, con)
            counts = find_candidates(con, progress=progress)
        summary = clusters.finalise(ws)
    summary.backend = engine
    summary.register_entities = counts["register_entities"]
    summary.seconds = round(time.perf_counter() - start, 2)
    return summary
