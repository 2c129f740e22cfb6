"""`--engine spark` from the command line: figures as on DuckDB, nothing left behind, failures end plainly.

Each run is a fresh process, as a user's is, so a killed or failed JVM cannot leak into another test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomli_w
from tests.fixtures import load_reference, write_fixture_files

from anchorage.ingest.spend import ingest_spend
from anchorage.workspace import Workspace

pytestmark = pytest.mark.spark


def cli(
    ws: Workspace, *args: str, cwd: Path, timeout: float = 300
) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("ANCHORAGE_DEBUG", None)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "anchorage.cli.main", *args, "--workspace", str(ws.root)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
    )
    return done, time.perf_counter() - start


def set_compute(ws: Workspace, **settings: object) -> None:
    import tomllib

    raw = tomllib.loads(ws.config_path.read_text(encoding="utf-8"))
    raw["compute"] = {**raw.get("compute", {}), **settings}
    ws.config_path.write_text(tomli_w.dumps(raw), encoding="utf-8")


@pytest.fixture
def loaded(workspace, tmp_path):
    load_reference(workspace)
    files = write_fixture_files(tmp_path / "in")
    ingest_spend(workspace, files["council_spend"], "Council")
    ingest_spend(workspace, files["trust_spend"], "Acute Trust")
    return workspace


def test_analyse_on_spark_from_the_cli_matches_duckdb_and_leaves_nothing_behind(loaded, tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    on_duckdb, _ = cli(loaded, "spend", "analyse", "--json", "--engine", "duckdb", cwd=cwd)
    assert on_duckdb.returncode == 0, on_duckdb.stderr
    set_compute(loaded, engine="spark", shuffle_partitions=2)  # from config, no --engine
    on_spark, _ = cli(loaded, "spend", "analyse", "--json", cwd=cwd)
    assert on_spark.returncode == 0, on_spark.stderr
    a, b = json.loads(on_duckdb.stdout), json.loads(on_spark.stdout)
    assert [r["org"] for r in a["totals"]] == [r["org"] for r in b["totals"]]
    for ra, rb in zip(a["totals"], b["totals"], strict=True):
        assert round(ra["spend"], 2) == round(rb["spend"], 2) and round(
            ra["local_spend"], 2
        ) == round(rb["local_spend"], 2)
    assert list(cwd.iterdir()) == [], "nothing of Spark's in the current folder"
    assert not [p for p in (loaded.root / "tmp").iterdir() if p.name.startswith("spark-")], (
        "scratch cleaned up"
    )
    assert (loaded.root / "lake" / "analysis").is_dir()


def test_unreachable_master_fails_at_once_with_a_plain_error(loaded, tmp_path):
    set_compute(loaded, spark_master="spark://127.0.0.1:9")
    done, seconds = cli(loaded, "spend", "analyse", "--engine", "spark", cwd=tmp_path, timeout=120)
    assert done.returncode == 1
    assert "Cannot reach the Spark master at spark://127.0.0.1:9" in done.stderr
    assert "Traceback" not in done.stderr and seconds < 60


def test_unreachable_spark_connect_server_fails_plainly(loaded, tmp_path):
    set_compute(loaded, spark_remote="sc://127.0.0.1:9")
    done, seconds = cli(loaded, "spend", "analyse", "--engine", "spark", cwd=tmp_path, timeout=120)
    assert done.returncode == 1
    assert "Cannot reach the Spark Connect server at sc://127.0.0.1:9" in done.stderr
    assert "Traceback" not in done.stderr and seconds < 60


def test_too_little_driver_memory_ends_with_a_plain_error(loaded, tmp_path):
    set_compute(loaded, driver_memory="64m")
    done, seconds = cli(loaded, "spend", "analyse", "--engine", "spark", cwd=tmp_path, timeout=240)
    assert done.returncode == 1, done.stderr
    assert "Spark needs at least 450 MB of driver memory (driver_memory = 64m)" in done.stderr
    assert "Fix:" in done.stderr and "Traceback" not in done.stderr and seconds < 200


def test_a_session_that_does_not_start_in_time_is_stopped(loaded, tmp_path):
    set_compute(loaded, start_timeout_seconds=1)  # a JVM takes longer than a second to start Spark
    done, seconds = cli(loaded, "spend", "analyse", "--engine", "spark", cwd=tmp_path, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "did not start within 1 seconds" in done.stderr
    assert "Traceback" not in done.stderr and seconds < 60
    out = subprocess.run(["pgrep", "-f", str(loaded.root / "tmp")], capture_output=True, text=True)
    assert out.stdout.strip() == "", "the JVM was killed, not left running"


@pytest.mark.slow
def test_running_out_of_memory_mid_run_ends_plainly(tmp_path):
    """A driver that runs out of heap exits (ExitOnOutOfMemoryError) and the run ends with a plain error."""
    script = """
from pathlib import Path
from anchorage.config import Compute
from anchorage.core.errors import AnchorageError
from anchorage.store.spark import spark_session
try:
    with spark_session(Compute(engine="spark", driver_memory="512m"), Path.cwd()) as s:
        s.range(40_000_000).selectExpr("id", "cast(id as string) AS t").collect()
except AnchorageError as exc:
    print(exc)
    raise SystemExit(1)
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=400,
    )
    assert done.returncode == 1, done.stderr
    assert "Spark stopped during the run" in done.stdout and "ran out of memory" in done.stdout
    assert time.perf_counter() - start < 400
    assert list(tmp_path.iterdir()) == [], "scratch removed"
