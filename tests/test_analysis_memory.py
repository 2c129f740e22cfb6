"""The analysis runs in bounded memory: under a DuckDB memory limit its data does not fit in, it still
finishes, with the figures it gives when memory is plentiful (BENCHMARKS.md, "National scale on Spark")."""

from __future__ import annotations

import duckdb
import ibis
import pandas as pd
import pytest
from tests.conftest import make_workspace
from tests.fixtures import load_reference

from anchorage.demo.national import generate_national
from anchorage.procurement.analysis import analyse
from anchorage.procurement.enrich import AnalysisOptions, spend_grain
from anchorage.procurement.keep import keeper

LIMIT = "128MB"


@pytest.mark.slow
def test_the_analysis_finishes_in_a_memory_limit_its_data_does_not_fit(tmp_path):
    ws = make_workspace(tmp_path / "ws", [("Council", "council")])
    load_reference(ws)
    generate_national(ws, 1_500_000, bodies=100)
    with ws.warehouse(read_only=True) as con:
        plenty = analyse(ibis.duckdb.from_connection(con), ws.config)
        con.execute(f"SET memory_limit = '{LIMIT}'")
        try:
            backend = ibis.duckdb.from_connection(con)
            # the data does not fit: the spend cube alone, built at once, is more than the limit
            with (
                pytest.raises(duckdb.OutOfMemoryException),
                spend_grain(backend, AnalysisOptions()).cache(),
            ):
                pass
            with keeper(backend) as keep:
                parts = keep.parts(AnalysisOptions())
            bounded = analyse(backend, ws.config)
        finally:
            con.execute("RESET memory_limit")
    assert len(parts) > 1  # built a group of anchors at a time
    assert not list((tmp_path / "ws").rglob("analysis-*.duckdb"))  # the scratch file is gone
    assert int(plenty.tables["totals"]["transactions"].sum()) > 0
    assert plenty.tables.keys() == bounded.tables.keys()
    for name, df in plenty.tables.items():
        pd.testing.assert_frame_equal(df, bounded.tables[name], check_exact=True, obj=name)
