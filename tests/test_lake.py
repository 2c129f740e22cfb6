"""The lake: the warehouse exported as partitioned Parquet, incrementally, read back with the same figures."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from tests.cli_support import cli
from tests.fixtures import COUNCIL_SPEND, load_reference, write_fixture_files

from anchorage import config as cfgmod
from anchorage.core.errors import ConfigError
from anchorage.ingest.spend import ingest_spend
from anchorage.ingest.suppliers import ingest_suppliers
from anchorage.procurement.lake import export_lake, lake_root
from anchorage.store import lake


def lake_payments(root: Path) -> tuple[int, float]:
    """Rows and £ of the payments the lake's manifest lists, read by DuckDB from the Parquet files."""
    files = lake.table_files(root, lake.read_manifest(root), "payments")
    row = duckdb.sql(
        f"SELECT count(*), coalesce(sum(amount), 0) FROM read_parquet({files!r})"
    ).fetchone()
    assert row is not None
    return int(row[0]), float(row[1])


def warehouse_payments(ws) -> tuple[int, float]:
    with ws.warehouse() as con:
        row = con.execute("SELECT count(*), coalesce(sum(amount), 0) FROM spend").fetchone()
    assert row is not None
    return int(row[0]), float(row[1])


@pytest.fixture
def loaded(workspace, tmp_path):
    load_reference(workspace)
    files = write_fixture_files(tmp_path / "in")
    ingest_suppliers(workspace, files["council_suppliers"], "Council")
    ingest_spend(workspace, files["council_spend"], "Council")
    ingest_spend(workspace, files["trust_spend"], "Acute Trust")
    return workspace, files


def test_export_writes_partitions_and_then_only_what_changed(loaded, tmp_path):
    ws, files = loaded
    first = export_lake(ws)
    root = lake_root(ws)
    assert root == ws.root / "lake"
    assert len(first.uploads_written) == 2 and first.uploads_removed == []
    assert {"postcodes", "imd", "supplier_profile", "supplier_resolution", "uploads"} <= set(
        first.tables_written
    )
    # Partitioned by anchor and financial year; each upload's files in their own folder.
    parts = sorted(p.relative_to(root).parts[:3] for p in (root / "payments").rglob("*.parquet"))
    assert ("payments", "org=council", "financial_year=2022") in parts
    assert ("payments", "org=acute-trust", "financial_year=2023") in parts
    assert lake_payments(root) == warehouse_payments(ws)
    written = {p: p.stat().st_mtime_ns for p in root.rglob("*.parquet")}
    first_manifest = lake.read_manifest(root)

    again = export_lake(ws)
    assert (again.uploads_written, again.uploads_removed, again.tables_written) == ([], [], [])
    assert again.version == first.version
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*.parquet")} == written

    # A new version of the council's file replaces its upload: only that upload's files change.
    changed = tmp_path / "in2" / files["council_spend"].name
    changed.parent.mkdir()
    changed.write_text(
        COUNCIL_SPEND.replace("Local Caterers Ltd,1000,", "Local Caterers Ltd,1234,"),
        encoding="utf-8",
    )
    replaced = ingest_spend(ws, changed, "Council").replaced_upload
    third = export_lake(ws)
    assert third.uploads_removed == [replaced] and len(third.uploads_written) == 1
    assert third.version == first.version + 1
    trust_files = [p for p in written if "org=acute-trust" in str(p)]
    assert trust_files and all(p.stat().st_mtime_ns == written[p] for p in trust_files)
    old_no = first_manifest["uploads"][replaced]["upload_no"]
    assert not list(root.rglob(f"upload_no={old_no}")), "the replaced upload's folders are gone"
    assert lake_payments(root) == warehouse_payments(ws)
    log = sorted((root / "_log").glob("*.json"))
    assert len(log) == 2 and json.loads(log[-1].read_text())["removed"]


def test_export_to_another_folder_and_cli_json(loaded, tmp_path):
    ws, _ = loaded
    target = tmp_path / "national-lake"
    done = cli("lake", "export", "--to", str(target), "--json", ws=ws, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (
        report["payments_in_lake"] == warehouse_payments(ws)[0]
        and len(report["uploads_written"]) == 2
    )
    assert lake_payments(target) == warehouse_payments(ws)
    assert not (ws.root / "lake").exists()


def test_a_folder_that_is_not_a_lake_is_refused(loaded, tmp_path):
    ws, _ = loaded
    other = tmp_path / "other"
    other.mkdir()
    (other / "_manifest.json").write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(lake.LakeError, match="other than an Anchorage lake"):
        export_lake(ws, other)


def test_compute_config_problems_are_listed_all_at_once(tmp_path):
    path = tmp_path / "anchorage.toml"
    path.write_text(
        """collaborative = "C"
[place]
local = ["E09000023"]
[compute]
engine = "sparky"
driver_memory = "lots"
shuffle_partitions = 0
spark_remote = "http://example"
""",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        cfgmod.load(path)
    problems = caught.value.problems
    assert len(problems) == 4, problems
    assert any("compute.engine" in p for p in problems) and any(
        "driver_memory" in p for p in problems
    )
    assert any("shuffle_partitions" in p for p in problems) and any(
        "spark_remote" in p for p in problems
    )


def test_compute_section_round_trips(tmp_path):
    cfg = cfgmod.Config(
        collaborative="C",
        place=cfgmod.Place(local=["E09000023"]),
        compute=cfgmod.Compute(
            engine="spark",
            spark_master="spark://10.0.0.5:7077",
            driver_memory="8g",
            shuffle_partitions=200,
        ),
    )
    cfgmod.save(cfg, tmp_path / "a.toml")
    back = cfgmod.load(tmp_path / "a.toml")
    assert back.compute == cfg.compute


@pytest.mark.slow
def test_each_upload_is_one_file_however_many_uploads_are_exported(workspace):
    # 150 uploads (over DuckDB's 100 open partition files) and enough rows for each writer thread to flush
    # (every 524,288 rows): written in one COPY, most uploads came out as several small files.
    from anchorage.demo.national import generate_national

    load_reference(workspace)
    uploads = generate_national(workspace, 1_500_000, bodies=50)
    export_lake(workspace)
    root = lake_root(workspace)
    files: dict[str, int] = {}
    for path in (root / "payments").rglob("*.parquet"):
        files[path.parent.name] = files.get(path.parent.name, 0) + 1
    assert len(files) == uploads == 150
    assert max(files.values()) == 1, sorted(files.items(), key=lambda kv: -kv[1])[:5]
    assert lake_payments(root) == warehouse_payments(workspace)
