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
from measure import run_measured_cpu

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
    ap.add_argument(
        "--engines", default="duckdb,spark", help="which engines to run, comma-separated"
    )
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
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    t = time.perf_counter()
    ws, sups = linking_workspace(
        args.data, register_rows=args.register, suppliers=args.suppliers, seed=2026
    )
    report["prepare_seconds"] = round(time.perf_counter() - t, 1)
    truth = args.data / "truth.csv"
    import pandas as pd

    with (
        duckdb.connect() as con
    ):  # a DataFrame, not executemany: a million rows one by one take minutes
        con.register(
            "t",
            pd.DataFrame(
                {
                    "org": [s.org for s in sups],
                    "name": [s.name for s in sups],
                    "true_register_id": [s.true_register_id for s in sups],
                },
                dtype="string",
            ),
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
    engines = args.engines.split(",")
    for engine in engines:
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
            code, wall, peak, cpu = run_measured_cpu(cmd, env, stdout=fh)
        summary = json.loads(out_file.read_text()) if code == 0 else {}
        with duckdb.connect(str(ws.warehouse_path), read_only=True) as con:
            results[engine] = con.execute(RESOLUTION).fetchall()
        report[engine] = {
            "exit": code,
            "wall_seconds": round(wall, 1),
            "cpu_seconds": round(cpu, 1),
            "peak_gb": round(peak / 1e9, 2),
            "load_average_after": round(os.getloadavg()[0], 1),
            "records": summary.get("records"),
            "suppliers_clustered": summary.get("suppliers"),
            "linked_by_model": summary.get("linked_by_model"),
            **score(ws.root, truth),
        }
        print(json.dumps({engine: report[engine]}), flush=True)
    if len(results) == 2:
        report["same_resolution_on_both"] = results["duckdb"] == results["spark"]
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
