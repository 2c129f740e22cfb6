"""Splink on Spark DataFrames: the same model as link.py, scored by Spark on tables it reads from the lake.

Splink's Spark settings used: lineage is broken by writing Parquet into the session's checkpoint folder (inside
the workspace, deleted with the session) after blocking, comparison and scoring; blocked pairs are repartitioned; Splink's own Spark
similarity functions (jaro_winkler and others, in the Spark 4 jar its wheel ships) are registered when the
session was started with that jar. The model itself needs only Spark's built-in levenshtein.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from anchorage.suppliers import model

SCORE_COLUMNS = ["uid_l", "uid_r", "match_probability", "match_weight"] + [
    f"mw_{n}" for n in model.LEVEL_WEIGHTS
]


def splink_jars() -> list[str]:
    """The jar of Splink's Spark similarity functions, if Splink ships one for this Spark."""
    try:
        from splink.backends.spark import similarity_jar_location
    except ImportError:
        return []
    path = similarity_jar_location()
    return [path] if Path(path).exists() else []


def is_connect(spark: Any) -> bool:
    """A Spark Connect session (no JVM here: no SparkContext, no checkpoint folder of ours)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def _api(spark: Any) -> Any:
    from splink.backends.spark import SparkAPI

    connect = is_connect(spark)
    jars = "" if connect else spark.sparkContext.getConf().get("spark.jars", "")
    partitions = int(spark.conf.get("spark.sql.shuffle.partitions"))
    # Over Spark Connect the server keeps intermediate tables (persist): Splink's Parquet method needs the JVM.
    return SparkAPI(
        spark_session=spark,
        break_lineage_method="persist" if connect else "parquet",
        repartition_after_blocking=True,
        num_partitions_on_repartition=max(partitions, 1),
        register_udfs_automatically="scala-udf-similarity" in jars,
    )


def _predict(api: Any, frames: list[Any], rules: list[str], threshold: float, run: str) -> Any:
    from splink import Linker

    names = (f"a_suppliers{run}", f"b_register{run}")
    dfs = [api.register(f, dataset_display_name=n) for f, n in zip(frames, names, strict=True)]
    linker = Linker(dfs, model.settings(rules), log_level=None)
    pred = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    return pred.as_spark_dataframe().select(*SCORE_COLUMNS)


def predict(spark: Any, left: Any, right: Any, threshold: float = model.CANDIDATE_THRESHOLD) -> Any:
    """Scored pairs (SCORE_COLUMNS) above threshold, as a Spark DataFrame: the tight blocking rules for every
    supplier, then the looser ones for those the tight rules found no likely match for (as link.py does)."""
    logging.getLogger("splink").setLevel(logging.WARNING)
    api = _api(spark)
    first = _predict(api, [left, right], model.BLOCKING_RULES, threshold, "")
    settled = first.where(f"match_probability >= {model.REVIEW_THRESHOLD}").select(
        first.uid_l.alias("uid")
    )
    rest = left.join(settled.distinct(), on="uid", how="left_anti").localCheckpoint(eager=True)
    if rest.isEmpty():
        return first
    keys = model.FALLBACK_KEYS
    near = right.join(rest.select(*keys).distinct(), on=keys, how="left_semi")
    again = _predict(api, [rest, near], model.FALLBACK_RULES, threshold, "_rest")
    # A pair both runs found has the same score in each (fixed weights): keep it once.
    return first.unionByName(again).dropDuplicates(["uid_l", "uid_r"])
