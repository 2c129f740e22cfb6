"""`suppliers resolve --engine spark`: Splink and the clustering on Spark give the clusters DuckDB gives.

The data are generated (suppliers drawn from a generated Companies House register, with typing noise, paid by
three anchors, a share of them by two), imported through the same code a user runs.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import duckdb
import pytest
from tests.test_spark_cli import cli, set_compute

from anchorage.jobs import worker
from anchorage.store import lake
from anchorage.store.spark import spark_session
from anchorage.suppliers import spark_link
from anchorage.suppliers.resolve import resolve
from anchorage.suppliers.review import decide
from anchorage.suppliers.synthetic import linking_workspace
from anchorage.workspace import Workspace

pytestmark = pytest.mark.spark

RESOLUTION = (
    "SELECT record_id, supplier_id, register_source, register_id, register_name, method, "
    "round(match_probability, 9), explanation FROM supplier_resolution ORDER BY record_id"
)


def generated(root: Path, *, register_rows: int, suppliers: int, seed: int = 3) -> Workspace:
    return linking_workspace(root, register_rows=register_rows, suppliers=suppliers, seed=seed)[0]


def resolution(ws: Workspace) -> list[tuple[object, ...]]:
    with ws.warehouse(read_only=True) as con:
        return con.execute(RESOLUTION).fetchall()


def some_decisions(ws: Workspace) -> None:
    """A rejection, a merge across two registered firms and a split, so the review rules are compared too."""
    with ws.warehouse(read_only=True) as con:
        linked = con.execute(
            "SELECT record_id, register_source || ':' || register_id FROM supplier_resolution "
            "WHERE method = 'model' ORDER BY record_id LIMIT 3"
        ).fetchall()
        shared = con.execute(
            "SELECT min(record_id) FROM supplier_resolution GROUP BY supplier_id "
            "HAVING count(*) > 1 ORDER BY 1 LIMIT 1"
        ).fetchone()
    decide(ws, "reject", linked[0][0], register=linked[0][1])
    decide(ws, "merge", linked[1][0], other_record_id=linked[2][0])
    assert shared is not None
    decide(ws, "split", shared[0])


def test_linking_on_spark_gives_the_duckdb_clusters_without_holding_the_warehouse(tmp_path):
    ws = generated(tmp_path, register_rows=3000, suppliers=300)
    resolve(ws)
    some_decisions(ws)
    on_duckdb = resolve(ws)
    expected = resolution(ws)
    assert (
        on_duckdb.suppliers_across_anchors > 20 and on_duckdb.linked_by_model > 150
    )  # real clustering work

    done: dict[str, object] = {}
    # Spark's JVM is launched here, in the main thread, with no job workers of earlier tests running: pyspark
    # starts it with a preexec_fn, which can crash the forked child of a process busy in other threads.
    worker.stop_all()
    with spark_session(
        ws.config.compute, ws.tmp_dir, "anchorage-suppliers", jars=spark_link.splink_jars()
    ) as session:
        run = threading.Thread(
            target=lambda: done.update(summary=resolve(ws, engine="spark", spark=session))
        )
        run.start()
        root = lake.root_for(ws.root, "")
        while run.is_alive() and "link_suppliers" not in lake.read_manifest(root)["tables"]:
            time.sleep(0.2)
        # Spark is scoring now: another writer gets its turn on the warehouse at once.
        start = time.perf_counter()
        with ws.warehouse() as con:
            con.execute("SELECT count(*) FROM supplier_candidates").fetchone()
        waited = time.perf_counter() - start
        spark_busy = "link_predictions" not in lake.read_manifest(root)["tables"]
        run.join(timeout=900)
    assert spark_busy and waited < 5, (spark_busy, waited)

    summary = done["summary"]
    assert summary.backend == "spark"  # type: ignore[attr-defined]
    assert resolution(ws) == expected
    assert {**summary.to_json(), "backend": "", "seconds": 0} == {  # type: ignore[attr-defined]
        **on_duckdb.to_json(),
        "backend": "",
        "seconds": 0,
    }
    tables = lake.read_manifest(root)["tables"]
    for name in ("link_suppliers", "link_register", "link_predictions", "supplier_clusters"):
        assert tables[name]["files"] and all((root / f).exists() for f in tables[name]["files"]), (
            name
        )
    assert not any(p.name.startswith("spark-") for p in ws.tmp_dir.iterdir()), (
        "Spark's scratch is removed"
    )
    with (
        duckdb.connect() as con
    ):  # the lake's predictions carry Splink's scores for the model's links
        n = con.execute(
            f"SELECT count(*) FROM {lake.read_sql(root, 'link_predictions')}"
        ).fetchone()[0]
    assert n >= on_duckdb.linked_by_model


@pytest.mark.slow
def test_thousands_of_suppliers_cluster_alike_from_the_command_line(tmp_path):
    ws = generated(tmp_path, register_rows=30_000, suppliers=3000, seed=8)
    done, _ = cli(ws, "suppliers", "resolve", "--json", cwd=tmp_path, timeout=900)
    assert done.returncode == 0, done.stderr
    expected = resolution(ws)
    done, _ = cli(
        ws, "suppliers", "resolve", "--engine", "spark", "--json", cwd=tmp_path, timeout=1800
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["records"] >= 3000
    assert resolution(ws) == expected


def test_resolve_on_an_unreachable_master_ends_plainly_and_leaves_the_resolution(tmp_path):
    ws = generated(tmp_path, register_rows=500, suppliers=40)
    resolve(ws)
    before = resolution(ws)
    set_compute(ws, spark_master="spark://127.0.0.1:9")
    done, seconds = cli(ws, "suppliers", "resolve", "--engine", "spark", cwd=tmp_path, timeout=120)
    assert done.returncode == 1
    assert (
        "Cannot reach the Spark master at spark://127.0.0.1:9" in done.stderr
        and "Fix:" in done.stderr
    )
    assert "Traceback" not in done.stderr and seconds < 60
    assert resolution(ws) == before
    done, _ = cli(ws, "suppliers", "resolve", "--engine", "sparkle", cwd=tmp_path, timeout=120)
    assert (
        done.returncode == 2 and "'sparkle' is not one of 'duckdb', 'spark'" in done.stderr
    )  # a usage error
