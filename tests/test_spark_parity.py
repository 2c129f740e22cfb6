"""The same analysis code on PySpark (local mode) gives the same figures as on DuckDB."""

from __future__ import annotations

import contextlib

import ibis
import pandas as pd
import pytest
from tests.fixtures import load_reference, write_fixture_files

from anchorage.ingest.spend import ingest_spend
from anchorage.ingest.suppliers import ingest_suppliers
from anchorage.procurement.analysis import analyse
from anchorage.procurement.enrich import AnalysisOptions

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark():
    from anchorage.store.spark import local_session

    session = local_session("anchorage-tests")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def comparable(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for col in df.columns:
        if pd.api.types.is_numeric_dtype(df[col]) or (df[col].dtype == object and col not in ("org", "tier", "category", "supplier", "rule", "ward", "financial_year")):
            with contextlib.suppress(TypeError, ValueError):
                df[col] = pd.to_numeric(df[col]).astype(float).round(2)
    keys = [c for c in ("org", "tier", "imd_decile", "category", "supplier", "rule", "ward", "financial_year", "rank") if c in df.columns]
    return df.sort_values(keys).reset_index(drop=True)


@pytest.mark.parametrize("opts", [AnalysisOptions(), AnalysisOptions(top_n=3, min_amount=None, apply_exclusions=False)],
                         ids=["default", "top-n-no-exclusions"])
def test_duckdb_and_spark_give_identical_figures(workspace, tmp_path, spark, opts):
    load_reference(workspace)
    files = write_fixture_files(tmp_path / "in")
    ingest_suppliers(workspace, files["council_suppliers"], "Council")
    ingest_spend(workspace, files["council_spend"], "Council")
    ingest_spend(workspace, files["trust_spend"], "Acute Trust")
    from anchorage.store.spark import copy_warehouse_to_spark

    with workspace.warehouse() as con:
        on_duckdb = analyse(ibis.duckdb.from_connection(con), workspace.config, opts).tables
        on_spark = analyse(copy_warehouse_to_spark(con, spark), workspace.config, opts).tables
    assert on_duckdb.keys() == on_spark.keys()
    for name in on_duckdb:
        a, b = comparable(on_duckdb[name]), comparable(on_spark[name])
        pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=False, rtol=1e-9, obj=name)
    assert on_duckdb["totals"]["spend"].sum() > 0
