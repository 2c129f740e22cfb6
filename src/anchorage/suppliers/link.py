"""Run the Splink model: supplier records (left) against register entities (right), on DuckDB or Spark."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from anchorage.config import ENGINES
from anchorage.core.errors import AnchorageError
from anchorage.suppliers import model, spark_link

CANDIDATE_COLUMNS = ["uid_l", "uid_r", "match_probability", "match_weight", "explanation"]


def _explanations(pred: pd.DataFrame) -> list[str]:
    names = list(model.LEVEL_WEIGHTS)
    cols = [pred[f"mw_{n}"].tolist() for n in names]
    return [model.explain({n: cols[k][i] for k, n in enumerate(names)}) for i in range(len(pred))]


def _predict(
    db_api: Any,
    tables: list[Any],
    rules: list[str],
    threshold: float,
    con: duckdb.DuckDBPyConnection | None,
    run: str,
) -> pd.DataFrame:
    """One Splink prediction over the two tables with these blocking rules."""
    from splink import Linker

    names = (f"a_suppliers{run}", f"b_register{run}")
    dfs = [
        db_api.register(t, dataset_display_name=name) for t, name in zip(tables, names, strict=True)
    ]
    linker = Linker(dfs, model.settings(rules), log_level=None)
    pred = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    # Splink orders the two datasets by name: "a_suppliers" is always the left one.
    cols = ["uid_l", "uid_r", "match_probability", "match_weight"] + [
        f"mw_{n}" for n in model.LEVEL_WEIGHTS
    ]
    if con is not None:
        return con.execute(f"SELECT {', '.join(cols)} FROM {pred.physical_name}").df()
    return pred.as_pandas_dataframe()[cols]


def link(
    left: pa.Table | pa.RecordBatchReader,
    right: pa.Table | pa.RecordBatchReader,
    *,
    backend: str = "duckdb",
    spark: Any = None,
    threshold: float = model.CANDIDATE_THRESHOLD,
) -> pd.DataFrame:
    """Scored candidate links (uid_l, uid_r, match_probability, match_weight, explanation) above threshold.

    Both tables carry the columns in model.FEATURES (see model.features_sql).
    """
    if backend not in ENGINES:
        raise AnchorageError(
            f"There is no linking engine called {backend!r}.",
            fix=f"Use one of: {', '.join(ENGINES)}.",
        )
    left, right = (
        t.read_all() if isinstance(t, pa.RecordBatchReader) else t for t in (left, right)
    )
    if left.num_rows == 0 or right.num_rows == 0:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    logging.getLogger("splink").setLevel(logging.WARNING)
    if backend == "spark" and spark is None:
        from anchorage.config import Compute
        from anchorage.store.spark import spark_session

        with spark_session(
            Compute(engine="spark"),
            Path(tempfile.gettempdir()),
            "anchorage-suppliers",
            jars=spark_link.splink_jars(),
        ) as session:
            return link(left, right, backend=backend, spark=session, threshold=threshold)
    if backend == "spark":
        # Every feature is text; an explicit schema stops Spark guessing from an all-empty column.
        frames = [
            spark.createDataFrame(t, schema=", ".join(f"{c} string" for c in t.column_names))
            for t in (left, right)
        ]
        out = spark_link.predict(spark, frames[0], frames[1], threshold).toPandas()
        out[["uid_l", "uid_r"]] = out[["uid_l", "uid_r"]].astype(
            object
        )  # as DuckDB's frame gives them
        out["explanation"] = _explanations(out) if len(out) else []
        return out[CANDIDATE_COLUMNS]
    from splink.backends.duckdb import DuckDBAPI

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{os.environ.get('ANCHORAGE_MEMORY_LIMIT', '2GB')}'")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/anchorage-splink-{os.getpid()}'")
    con.execute("SET preserve_insertion_order = false")
    con.register("left_arrow", left)
    con.register("right_arrow", right)
    con.execute(
        "CREATE TABLE suppliers AS SELECT * FROM left_arrow; CREATE TABLE register AS SELECT * FROM right_arrow"
    )
    con.unregister("left_arrow")
    con.unregister("right_arrow")
    db_api = DuckDBAPI(connection=con)
    tables = ["suppliers", "register"]
    try:
        out = _predict(db_api, tables, model.BLOCKING_RULES, threshold, con, "")
        # The looser rules only for records the tight ones found no likely match for: far fewer pairs.
        settled = out.loc[out["match_probability"] >= model.REVIEW_THRESHOLD, "uid_l"].unique()
        con.register("settled_uids", pd.DataFrame({"uid": pd.Series(settled, dtype="object")}))
        con.execute(
            "CREATE OR REPLACE TABLE suppliers_rest AS SELECT * FROM suppliers "
            "WHERE uid NOT IN (SELECT uid FROM settled_uids)"
        )
        # Only the register entities these rules could pair with them: a small table, not all 5M again.
        key_list = ", ".join(model.FALLBACK_KEYS)
        con.execute(
            f"CREATE OR REPLACE TABLE register_near AS SELECT * FROM register "
            f"SEMI JOIN (SELECT DISTINCT {key_list} FROM suppliers_rest) USING ({key_list})"
        )
        if con.execute("SELECT count(*) FROM suppliers_rest").fetchone()[0] > 0:  # type: ignore[index]
            again = _predict(
                db_api,
                ["suppliers_rest", "register_near"],
                model.FALLBACK_RULES,
                threshold,
                con,
                "_rest",
            )
            out = pd.concat([out, again], ignore_index=True).drop_duplicates(["uid_l", "uid_r"])
    finally:
        con.close()
    # Each pair once: blocking rules overlap, and Splink already keeps the first rule that finds a pair.
    out["explanation"] = _explanations(out) if len(out) else []
    return out[CANDIDATE_COLUMNS]
