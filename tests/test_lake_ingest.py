"""`anchorage lake ingest`: one national lake from many workspaces or from files, incremental and idempotent;
lake locations as paths or file:// URIs, other schemes refused plainly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from tests.conftest import make_workspace
from tests.fixtures import COUNCIL_SPEND, load_reference, write_fixture_files
from tests.test_lake import lake_payments, warehouse_payments
from tests.test_spark_cli import cli

from anchorage.core.errors import AnchorageError
from anchorage.ingest.spend import ingest_spend
from anchorage.procurement.lake import duckdb_backend, export_lake
from anchorage.procurement.lake_ingest import ingest
from anchorage.store import lake
from anchorage.workspace import Workspace


@pytest.fixture
def two_workspaces(workspace, tmp_path):
    load_reference(workspace)
    files = write_fixture_files(tmp_path / "in")
    ingest_spend(workspace, files["council_spend"], "Council")
    ingest_spend(workspace, files["trust_spend"], "Acute Trust")
    other = make_workspace(tmp_path / "ws2", [("City College", "college")])
    load_reference(other)
    college = tmp_path / "in" / "college.csv"
    college.write_text(COUNCIL_SPEND, encoding="utf-8")
    ingest_spend(other, college, "City College")
    return workspace, other


def test_workspaces_join_one_lake_incrementally(two_workspaces, tmp_path):
    ws, other = two_workspaces
    root = tmp_path / "national"
    first = ingest(root, workspaces=[ws.root, other.root])
    assert len(first.sources) == 2 and all(s["uploads_written"] for s in first.sources)
    rows, pounds = (
        a + b for a, b in zip(warehouse_payments(ws), warehouse_payments(other), strict=True)
    )
    assert lake_payments(root) == (rows, pytest.approx(pounds))
    orgs = {o for s in lake.read_manifest(root)["sources"].values() for o in s["orgs"]}
    assert orgs == {"council", "acute-trust", "city-college"}
    # The national lake is read like any other: every anchor's payments, the reference tables once.
    backend = duckdb_backend(root)
    assert backend.raw_sql("SELECT count(DISTINCT org) FROM spend").fetchone()[0] == 3
    with duckdb.connect() as con:
        postcodes = con.execute(
            f"SELECT count(*) FROM {lake.read_sql(root, 'postcodes')}"
        ).fetchone()[0]
        assert postcodes == 4  # one copy, not one per source

    version = lake.read_manifest(root)["version"]
    again = ingest(root, workspaces=[ws.root, other.root])
    assert again.version == version and not any(
        s["uploads_written"] or s["uploads_removed"] for s in again.sources
    )

    more = tmp_path / "in" / "more.csv"
    more.write_text("Supplier,Amount,Date\nNew Supplier Ltd,250,14/06/2024\n", encoding="utf-8")
    ingest_spend(other, more, "City College")
    third = ingest(root, workspaces=[ws.root, other.root])
    assert [len(s["uploads_written"]) for s in third.sources] == [0, 1]
    assert lake_payments(root)[0] == rows + 1


def test_an_anchor_from_two_workspaces_is_refused(two_workspaces, tmp_path):
    ws, _ = two_workspaces
    twin = make_workspace(tmp_path / "twin", [("Council", "council")])
    ingest_spend(twin, write_fixture_files(tmp_path / "in2")["council_spend"], "Council")
    root = tmp_path / "national"
    ingest(root, workspaces=[ws.root])
    with pytest.raises(AnchorageError, match="The anchor council is already in this lake") as err:
        ingest(root, workspaces=[twin.root])
    assert "one workspace only" in (err.value.fix or "")


def test_files_are_loaded_with_the_import_kinds_from_the_cli(tmp_path):
    files = write_fixture_files(tmp_path / "in")
    uri = (tmp_path / "national").as_uri()  # file:///...
    args = [
        "lake",
        "ingest",
        "--to",
        uri,
        "--kind",
        "spend",
        "--org",
        "Council",
        str(files["council_spend"]),
        "--json",
    ]
    done, _ = cli_here(tmp_path, *args)
    assert done.returncode == 0, done.stderr
    first = json.loads(done.stdout)
    loaded = first["files_loaded"][0]
    assert (
        loaded["rows_loaded"] == 11 and loaded["rows_quarantined"] == 3
    )  # bad amount, no date, total line
    root = tmp_path / "national"
    payments = lake_payments(root)
    assert payments == warehouse_payments(Workspace.open(root / "_files")) and payments[0] > 0
    done, _ = cli_here(tmp_path, *args)  # the same file again: nothing new
    assert done.returncode == 0, done.stderr
    assert (
        json.loads(done.stdout)["version"] == first["version"] and lake_payments(root) == payments
    )
    done, _ = cli_here(tmp_path, "lake", "ingest", "--to", uri, str(files["council_spend"]))
    assert (
        done.returncode == 1
        and "need their kind and their anchor" in done.stderr
        and "Traceback" not in done.stderr
    )


def cli_here(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """`anchorage` in a fresh process, as a user runs it (lake ingest needs no workspace)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("ANCHORAGE_WORKSPACE", None)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "anchorage.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=240,
    )
    return done, time.perf_counter() - start


def test_lake_locations_file_uris_and_refused_schemes(two_workspaces, tmp_path):
    ws, _ = two_workspaces
    target = tmp_path / "exported lake"
    summary = export_lake(ws, target.as_uri())  # file:///…/exported%20lake
    assert Path(summary.lake) == target and lake_payments(target)[0] > 0
    for uri, hint in (
        ("s3://bucket/lake", "mountpoint-s3"),
        ("abfss://c@acct.dfs.core.windows.net/lake", "blobfuse2"),
        ("hdfs://namenode/lake", "fuse-dfs"),
    ):
        done, _ = cli(ws, "lake", "export", "--to", uri, cwd=tmp_path, timeout=120)
        assert done.returncode == 1 and hint in done.stderr and "Traceback" not in done.stderr, (
            done.stderr
        )
        assert "needs a file system" in done.stderr
    with pytest.raises(AnchorageError, match="names another machine"):
        lake.location("file://server/share/lake")
    with pytest.raises(AnchorageError, match="does not know"):
        lake.location("ftp://x/lake")
