"""The same analysis code on the lake, read by DuckDB and by Spark (local mode), gives the warehouse's figures.

Parametrised over engines like splink's tests: the reference is the analysis on the DuckDB warehouse; each
engine reads the exported lake's Parquet files itself and must give every table equal to the penny.
"""

from __future__ import annotations

import os
import time

import ibis
import pandas as pd
import pytest
from tests.conftest import make_workspace
from tests.fixtures import load_reference, write_fixture_files

from anchorage.config import Compute
from anchorage.demo.national import generate_national
from anchorage.ingest.spend import ingest_spend
from anchorage.ingest.suppliers import ingest_suppliers
from anchorage.procurement.analysis import AnalysisResult, analyse
from anchorage.procurement.enrich import AnalysisOptions
from anchorage.procurement.lake import duckdb_backend, export_lake, lake_root
from anchorage.procurement.run import analyse_workspace
from anchorage.store import lake
from anchorage.workspace import Workspace

ENGINES = [
    pytest.param("duckdb", id="duckdb-lake"),
    pytest.param("spark", marks=pytest.mark.spark, id="spark-lake"),
]
TEXT = ("org", "tier", "category", "supplier", "rule", "ward", "financial_year")


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    from anchorage.store.spark import spark_session

    with spark_session(
        Compute(engine="spark", shuffle_partitions=2), tmp_path_factory.mktemp("spark")
    ) as session:
        yield session


def comparable(df: pd.DataFrame) -> pd.DataFrame:
    """Money and counts rounded to the penny, rows in a fixed order."""
    df = df.copy()
    for col in df.columns:
        if col not in TEXT:
            df[col] = pd.to_numeric(df[col]).astype(float).round(2)
    keys = [
        c
        for c in (
            "org",
            "tier",
            "imd_decile",
            "category",
            "supplier",
            "rule",
            "ward",
            "financial_year",
            "rank",
        )
        if c in df.columns
    ]
    return df.sort_values(keys).reset_index(drop=True)


def on_lake(
    engine: str, ws: Workspace, opts: AnalysisOptions, request: pytest.FixtureRequest
) -> AnalysisResult:
    export_lake(ws)
    if engine == "duckdb":
        return analyse(duckdb_backend(lake_root(ws)), ws.config, opts)
    return analyse_workspace(ws, opts, engine="spark", session=request.getfixturevalue("spark"))


def assert_same_figures(reference: AnalysisResult, other: AnalysisResult) -> None:
    assert reference.tables.keys() == other.tables.keys()
    for name in reference.tables:
        a, b = comparable(reference.tables[name]), comparable(other.tables[name])
        pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=True, obj=name)
    assert reference.tables["totals"]["spend"].sum() > 0


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "opts",
    [AnalysisOptions(), AnalysisOptions(top_n=3, min_amount=None, apply_exclusions=False)],
    ids=["default", "top-n-no-exclusions"],
)
def test_lake_gives_the_warehouse_figures(workspace, tmp_path, engine, opts, request, monkeypatch):
    monkeypatch.chdir(tmp_path)
    load_reference(workspace)
    files = write_fixture_files(tmp_path / "in")
    ingest_suppliers(workspace, files["council_suppliers"], "Council")
    ingest_spend(workspace, files["council_spend"], "Council")
    ingest_spend(workspace, files["trust_spend"], "Acute Trust")
    reference = analyse_workspace(workspace, opts, engine="duckdb")
    result = on_lake(engine, workspace, opts, request)
    assert_same_figures(reference, result)
    if engine == "spark":  # the result tables were written back to the lake, readable by anyone
        root = lake_root(workspace)
        written = lake.table_files(root, lake.read_manifest(root), "totals")
        back = pd.read_parquet(written[0])
        pd.testing.assert_frame_equal(
            comparable(back), comparable(result.tables["totals"]), check_dtype=False
        )
        assert (
            not (tmp_path / "spark-warehouse").exists() and not (tmp_path / "metastore_db").exists()
        )


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, AnalysisResult]:
    """One national workspace for both engines (the module's tests share a worker: conftest.xdist_group):
    generated once, its lake exported once, and the reference analysis on its DuckDB warehouse."""
    rows = int(os.environ.get("ANCHORAGE_PARITY_ROWS", "1000000"))
    ws = make_workspace(tmp_path_factory.mktemp("national") / "ws", [("Council", "council")])
    load_reference(ws)
    generate_national(ws, rows, bodies=400)
    with ws.warehouse(
        read_only=True
    ) as con:  # the analysis alone (analyse_workspace also builds the web's tables)
        reference = analyse(ibis.duckdb.from_connection(con), ws.config, AnalysisOptions())
    export_lake(ws)
    return ws, reference


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_national_million_payments_equal_to_the_penny(national, engine, request):
    ws, reference = national
    start = time.perf_counter()
    result = on_lake(engine, ws, AnalysisOptions(), request)
    print(f"\n{engine} on the lake: {time.perf_counter() - start:.1f}s")
    assert int(reference.tables["totals"]["transactions"].sum()) > 0
    assert_same_figures(reference, result)
