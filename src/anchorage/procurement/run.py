"""Run the spend analysis on a workspace's warehouse (the entry point the CLI and web call)."""

from __future__ import annotations

import ibis

from anchorage.procurement.analysis import AnalysisResult, analyse
from anchorage.procurement.enrich import AnalysisOptions
from anchorage.workspace import Workspace


def analyse_workspace(ws: Workspace, opts: AnalysisOptions | None = None) -> AnalysisResult:
    """Analyse every loaded payment in the workspace (anchor names accepted in opts.orgs)."""
    opts = opts or AnalysisOptions()
    if opts.orgs:
        opts.orgs = [ws.config.anchor(o).slug for o in opts.orgs]
    with ws.warehouse(read_only=True) as con:  # a reader: never waits for a load
        return analyse(ibis.duckdb.from_connection(con), ws.config, opts)
