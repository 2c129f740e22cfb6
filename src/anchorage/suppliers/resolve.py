"""Resolution: every anchor's suppliers → candidate register links (rules first, then Splink) → clusters.

`resolve` finds the candidates (the slow part) and then calls `clusters.finalise`, which applies the
review decisions and writes supplier_resolution; review commands call `finalise` alone.
"""

from __future__ import annotations

import time
from typing import Any

import duckdb
import pandas as pd

from anchorage.ingest import progress as prog
from anchorage.store.spark import spark_session
from anchorage.suppliers import clusters, model, record_keys
from anchorage.suppliers.link import link
from anchorage.workspace import Workspace

_TRADING_UID = "|trading"  # suffix of the linking id under which a record's trading name is compared
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
    return ("SELECT * FROM register_entities "
            "QUALIFY row_number() OVER (PARTITION BY source, register_id ORDER BY name) = 1")


def find_candidates(con: duckdb.DuckDBPyConnection, *, backend: str = "duckdb", spark: Any = None,
                    progress: prog.Progress | None = None) -> dict[str, int]:
    """Rebuild supplier_candidates: rule links, then Splink for records no rule linked."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE records AS {clusters.RECORDS_SQL}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE register AS {_register_sql()}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE rules AS {_RULES_SQL}")
    rules = con.execute("SELECT * FROM rules").df()
    if progress:
        progress("Linking suppliers to the registers", 0.1)
    # A record with a trading name ("ABC Ltd T/A Tasty Food") is compared under both names.
    left = con.execute(model.features_sql(
        "SELECT record_id AS uid, supplier_name_norm AS name_norm, postcode, NULL::VARCHAR AS town FROM records "
        "WHERE record_id NOT IN (SELECT record_id FROM rules) UNION ALL "
        f"SELECT record_id || '{_TRADING_UID}', trading_name_norm, postcode, NULL FROM records "
        "WHERE trading_name_norm IS NOT NULL AND record_id NOT IN (SELECT record_id FROM rules)")).to_arrow_table()
    right = con.execute(model.features_sql(
        "SELECT source || ':' || register_id AS uid, name_norm, postcode, town FROM register")).to_arrow_table()
    found = link(left, right, backend=backend, spark=spark)
    if progress:
        progress("Linking suppliers to the registers", 0.9)
    source_id = found["uid_r"].str.split(":", n=1, expand=True) if len(found) else pd.DataFrame({0: [], 1: []})
    by_trading = found["uid_l"].str.endswith(_TRADING_UID)
    model_rows = pd.DataFrame({
        "record_id": found["uid_l"].str.removesuffix(_TRADING_UID), "source": source_id[0],
        "register_id": source_id[1], "match_probability": found["match_probability"].astype(float),
        "match_weight": found["match_weight"], "method": "model",
        "explanation": ("trading name: " + found["explanation"]).where(by_trading, found["explanation"]),
    })
    # A register entity found under both names keeps the better of the two matches.
    model_rows = (model_rows.sort_values(["match_probability", "explanation"], ascending=[False, True])
                  .drop_duplicates(["record_id", "source", "register_id"]).sort_index())
    con.begin()
    try:
        con.execute("DELETE FROM supplier_candidates")
        for frame in (rules, model_rows):
            if len(frame):
                con.register("cand_frame", frame)
                con.execute("INSERT INTO supplier_candidates SELECT record_id, source, register_id, "
                            "match_probability, match_weight, method, explanation FROM cand_frame")
                con.unregister("cand_frame")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    n_records, n_register = (con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
                             for t in ("records", "register"))
    return {"records": n_records, "register_entities": n_register, "rule_links": len(rules),
            "model_candidates": len(model_rows)}


def resolve(ws: Workspace, *, backend: str = "duckdb", spark: Any = None,
            progress: prog.Progress | None = None) -> clusters.ResolveSummary:
    """Resolve every anchor's suppliers against the imported registers; decisions are re-applied."""
    start = time.perf_counter()
    if backend == "spark" and spark is None:  # a session from the workspace's [compute] config
        with spark_session(ws.config.compute, ws.tmp_dir, "anchorage-suppliers") as session:
            return resolve(ws, backend=backend, spark=session, progress=progress)
    with ws.warehouse() as con:
        record_keys.sync(ws, con)
        counts = find_candidates(con, backend=backend, spark=spark, progress=progress)
    summary = clusters.finalise(ws)
    summary.backend = backend
    summary.register_entities = counts["register_entities"]
    summary.seconds = round(time.perf_counter() - start, 2)
    return summary
