"""Spark Connect, live: a local Connect server started from the jars pyspark ships (spark-connect_2.13), no
download; the CLI's analysis and supplier linking run through it and agree with DuckDB."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.test_spark_cli import cli, loaded, set_compute  # noqa: F401  (loaded is a fixture)
from tests.test_spark_linking import RESOLUTION, generated

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory) -> Iterator[str]:
    """`sbin/start-connect-server.sh` by hand: spark-submit of SparkConnectServer, on 127.0.0.1 only."""
    import pyspark

    home = Path(pyspark.__file__).parent
    if not list((home / "jars").glob("spark-connect_*.jar")):
        pytest.fail("this pyspark ships no spark-connect jar; see docs/scaling.md")
    scratch = tmp_path_factory.mktemp("connect")
    port = _free_port()
    log = (scratch / "server.log").open("w")
    proc = subprocess.Popen(
        [
            str(home / "bin" / "spark-submit"),
            "--class",
            "org.apache.spark.sql.connect.service.SparkConnectServer",
            "--master",
            "local[2]",
            "--driver-memory",
            "1g",
            "--conf",
            f"spark.connect.grpc.binding.port={port}",
            "--conf",
            "spark.connect.grpc.binding.address=127.0.0.1",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.driver.host=127.0.0.1",
            "--conf",
            f"spark.local.dir={scratch}",
            "spark-internal",
        ],
        cwd=scratch,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "SPARK_HOME": str(home)},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                break
            except OSError:
                assert proc.poll() is None, (scratch / "server.log").read_text()[-2000:]
                time.sleep(2)
        else:
            pytest.fail("the Spark Connect server did not start in 240 seconds")
        yield f"sc://127.0.0.1:{port}"
    finally:
        os.killpg(
            proc.pid, signal.SIGTERM
        )  # the server and its JVM: the group this fixture started
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_analysis_through_spark_connect_matches_duckdb(loaded, tmp_path, connect_server):  # noqa: F811
    on_duckdb, _ = cli(loaded, "spend", "analyse", "--json", "--engine", "duckdb", cwd=tmp_path)
    assert on_duckdb.returncode == 0, on_duckdb.stderr
    set_compute(loaded, spark_remote=connect_server, shuffle_partitions=2)
    on_spark, _ = cli(
        loaded, "spend", "analyse", "--json", "--engine", "spark", cwd=tmp_path, timeout=900
    )
    assert on_spark.returncode == 0, on_spark.stderr
    a, b = json.loads(on_duckdb.stdout), json.loads(on_spark.stdout)
    assert [(r["org"], round(r["spend"], 2), round(r["local_spend"], 2)) for r in a["totals"]] == [
        (r["org"], round(r["spend"], 2), round(r["local_spend"], 2)) for r in b["totals"]
    ]


def test_linking_through_spark_connect_gives_the_duckdb_clusters(tmp_path, connect_server):
    ws = generated(tmp_path, register_rows=1000, suppliers=120, seed=4)
    done, _ = cli(ws, "suppliers", "resolve", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with ws.warehouse(read_only=True) as con:
        expected = con.execute(RESOLUTION).fetchall()
    set_compute(ws, spark_remote=connect_server, shuffle_partitions=2)
    done, _ = cli(
        ws, "suppliers", "resolve", "--engine", "spark", "--json", cwd=tmp_path, timeout=1200
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["backend"] == "spark"
    with ws.warehouse(read_only=True) as con:
        assert con.execute(RESOLUTION).fetchall() == expected
