"""Run the spend analysis on a workspace (the entry point the CLI and web call), on DuckDB or Spark."""

from __future__ import annotations

from typing import Any

import ibis

from anchorage.config import ENGINES
from anchorage.core.errors import ConfigError
from anchorage.procurement import explore
from anchorage.procurement.analysis import AnalysisResult, analyse
from anchorage.procurement.enrich import AnalysisOptions
from anchorage.procurement.lake import export_lake, lake_root, spark_backend
from anchorage.store import lake
from anchorage.store.spark import spark_session
from anchorage.workspace import Workspace


def analyse_workspace(
    ws: Workspace,
    opts: AnalysisOptions | None = None,
    *,
    engine: str | None = None,
    session: Any = None,
) -> AnalysisResult:
    """Analyse every loaded payment (anchor names accepted in opts.orgs) on the engine asked for, else the
    config's. On Spark the lake is brought up to date first, Spark reads it, and the result tables are
    written back to it; `session` reuses a Spark session the caller owns. On DuckDB the explore tables
    (procurement/explore.py) are brought up to date first."""
    opts = opts or AnalysisOptions()
    if opts.orgs:
        opts.orgs = [ws.config.anchor(o).slug for o in opts.orgs]
    engine = engine or ws.config.compute.engine
    if engine not in ENGINES:
        raise ConfigError([f'engine "{engine}" must be one of {", ".join(ENGINES)}'], "--engine")
    if engine == "duckdb":
        explore.refresh(ws)  # the web's explore tables follow the data the analysis reads
        with ws.warehouse(read_only=True) as con:  # a reader: never waits for a load
            return analyse(ibis.duckdb.from_connection(con), ws.config, opts)
    export_lake(ws)
    root = lake_root(ws)
    if session is not None:
        result = analyse(spark_backend(session, root), ws.config, opts)
    else:
        with spark_session(ws.config.compute, ws.tmp_dir) as spark:
            result = analyse(spark_backend(spark, root), ws.config, opts)
    lake.write_analysis(root, result.tables, "spark")
    return result
