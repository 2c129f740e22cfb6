"""Supplier linking on Spark local vs DuckDB, on a generated collaborative with a labelled gold set.

    PYTHONPATH=src python benchmarks/bench_spark_linking.py --register 100000 --suppliers 10000 \
        --data /tmp/bench-spark-linking --out benchmarks/results_spark_linking.json

Builds the collaborative (suppliers/synthetic.py: three anchors, suppliers drawn with typing noise from a
generated Companies House register, a share paid by two anchors), then runs `anchorage suppliers resolve`
twice in fresh processes, `--engine duckdb` and `--engine spark` (local[2], the workspace's [compute] section),
each measured for wall time and peak memory of its whole process tree, the JVM included (measure.py). Both
are scored against the truth: pairwise precision and recall of each (anchor, supplier name) record's register
link. The two resolutions must be identical (supplier ids, links, methods, probabilities).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import duckdb
from measure import run_measured

RESOLUTION = (
    "SELECT org, supplier_name_norm, supplier_id, register_id, method, round(match_probability, 9) "
    "FROM supplier_resolution ORDER BY ALL"
)


def score(ws_path: Path, truth_file: Path) -> dict[str, float | int]:
    """Precision and recall of the register links against the generated truth, per (anchor, name) record."""
    from anchorage.reference.names import name_norm_sql

    con = duckdb.connect()
    con.execute(f"ATTACH '{ws_path / 'warehouse.duckdb'}' AS w (READ_ONLY)")
    row = con.execute(f"""
        WITH truth AS (
            SELECT DISTINCT lower(regexp_replace(org, '[^A-Za-z0-9]+', '-', 'g')) AS org,
                   {name_norm_sql("name")} AS supplier_name_norm, true_register_id
            FROM read_csv('{truth_file}', all_varchar = true)
        ), joined AS (
            SELECT t.true_register_id AS truth, r.register_id AS got
            FROM truth t JOIN w.supplier_resolution r USING (org, supplier_name_norm)
        )
        SELECT count(*) FILTER (got IS NOT NULL AND got = truth), count(*) FILTER (got IS NOT NULL AND got IS DISTINCT FROM truth),
               count(*) FILTER (truth IS NOT NULL AND got IS DISTINCT FROM truth), count(*)
        FROM joined
    """).fetchone()
    assert row is not None
    tp, fp, fn, n = map(int, row)
    return {
        "records_scored": n,
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "precision": round(tp / max(1, tp + fp), 4),
        "recall": round(tp / max(1, tp + fn), 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--register", type=int, default=100_000)
    ap.add_argument("--suppliers", type=int, default=10_000)
    ap.add_argument("--data", type=Path, default=Path("/tmp/bench-spark-linking"))
    ap.add_argument("--driver-memory", default="2g")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    import tomllib

    import tomli_w

    from anchorage.suppliers.synthetic import linking_workspace

    shutil.rmtree(args.data, ignore_errors=True)
    args.data.mkdir(parents=True)
    report: dict[str, object] = {
        "register_rows": args.register,
        "suppliers": args.suppliers,
        "machine": f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start",
    }
    t = time.perf_counter()
    ws, sups = linking_workspace(
        args.data, register_rows=args.register, suppliers=args.suppliers, seed=2026
    )
    report["prepare_seconds"] = round(time.perf_counter() - t, 1)
    truth = args.data / "truth.csv"
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t (org VARCHAR, name VARCHAR, true_register_id VARCHAR)")
        con.executemany(
            "INSERT INTO t VALUES (?, ?, ?)", [(s.org, s.name, s.true_register_id) for s in sups]
        )
        con.execute(f"COPY t TO '{truth}' (HEADER)")
    raw = tomllib.loads(ws.config_path.read_text(encoding="utf-8"))
    raw["compute"] = {
        "spark_master": "local[2]",
        "driver_memory": args.driver_memory,
        "shuffle_partitions": 4,
        "timeout_minutes": 60,
    }
    ws.config_path.write_text(tomli_w.dumps(raw), encoding="utf-8")

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    results = {}
    for engine in ("duckdb", "spark"):
        out_file = args.data / f"{engine}.json"
        cmd = [
            sys.executable,
            "-m",
            "anchorage.cli.main",
            "suppliers",
            "resolve",
            "--engine",
            engine,
            "--json",
            "--workspace",
            str(ws.root),
        ]
        with out_file.open("w") as fh:
            code, wall, peak = run_measured_to(cmd, env, fh)
        summary = json.loads(out_file.read_text()) if code == 0 else {}
        with duckdb.connect(str(ws.warehouse_path), read_only=True) as con:
            results[engine] = con.execute(RESOLUTION).fetchall()
        report[engine] = {
            "exit": code,
            "wall_seconds": round(wall, 1),
            "peak_gb": round(peak / 1e9, 2),
            "records": summary.get("records"),
            "suppliers_clustered": summary.get("suppliers"),
            "linked_by_model": summary.get("linked_by_model"),
            **score(ws.root, truth),
        }
        print(json.dumps({engine: report[engine]}), flush=True)
    report["same_resolution_on_both"] = results["duckdb"] == results["spark"]
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


def run_measured_to(cmd: list[str], env: dict[str, str], stdout: object) -> tuple[int, float, int]:
    """measure.run_measured with the child's stdout sent to a file (its JSON summary)."""
    saved = os.dup(1)
    os.dup2(stdout.fileno(), 1)  # type: ignore[attr-defined]
    try:
        return run_measured(cmd, env=env)
    finally:
        os.dup2(saved, 1)
        os.close(saved)


if __name__ == "__main__":
    main()
