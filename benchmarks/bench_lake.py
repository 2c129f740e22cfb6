"""National scale: a generated data set of N payments across 400 bodies, exported to the lake, analysed on
DuckDB and on Spark local[2] on the same machine in the same run (issue 19).

    PYTHONPATH=src python benchmarks/bench_lake.py                        # 50,000,000 payments
    PYTHONPATH=src python benchmarks/bench_lake.py --rows 1000000,4000000 # several sizes: is memory flat?

Each size: `generate` writes the payments straight into a fresh workspace's warehouse with DuckDB SQL
(anchorage.demo.national; demo config and the demo's real ONS reference extracts); `export` is
`anchorage lake export` (first export, every upload written); `duckdb` is the analysis on the warehouse;
`spark` is `--engine spark` (Spark local[2], 2 GB driver, the lake's Parquet read by Spark; the export it
does first finds nothing to write). Every stage runs in a fresh process (measure.run_measured): wall time
and peak resident memory of the whole process tree (Python, DuckDB, and for Spark the JVM). Spark's tables
must equal DuckDB's to the penny. Generated data goes to --data and is deleted unless --keep.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psutil
import report
from measure import run_measured

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STAGES = ("generate", "export", "duckdb", "spark")


def _ws(data: Path, rows: int) -> Path:
    return data / f"ws-{rows}"


def stage(name: str, data: Path, rows: int) -> dict[str, Any]:
    """Run one stage in this (child) process; returns what it measured itself."""
    import pandas as pd

    from anchorage.workspace import Workspace

    start = time.perf_counter()
    out: dict[str, Any] = {}
    if name == "generate":
        from generate import template_workspace

        from anchorage.demo.national import generate_national

        template = template_workspace(data / "template")
        shutil.rmtree(_ws(data, rows), ignore_errors=True)
        shutil.copytree(template, _ws(data, rows))
        start = time.perf_counter()
        out["uploads"] = generate_national(Workspace.open(_ws(data, rows)), rows, bodies=400)
    elif name == "export":
        from anchorage.procurement.lake import export_lake

        summary = export_lake(Workspace.open(_ws(data, rows)))
        out["payments"] = summary.payments
        out["lake_bytes"] = sum(p.stat().st_size for p in (_ws(data, rows) / "lake").rglob("*.parquet"))
    else:
        from anchorage.procurement.run import analyse_workspace

        ws = Workspace.open(_ws(data, rows))
        if name == "duckdb":  # the explore tables the DuckDB analysis brings up to date first, timed apart
            from anchorage.procurement import explore

            explore.refresh(ws)
            out["explore_refresh_seconds"] = time.perf_counter() - start
            start = time.perf_counter()
        if name == "spark":
            ws.config.compute.spark_master = "local[2]"
            ws.config.compute.driver_memory = "2g"
            ws.config.compute.shuffle_partitions = 8
        result = analyse_workspace(ws, engine=name)
        tables = {k: json.loads(v.to_json(orient="records", double_precision=10)) for k, v in result.tables.items()}
        (data / f"tables-{name}-{rows}.json").write_text(json.dumps(tables))
        out["spend"] = float(pd.DataFrame(tables["totals"])["spend"].sum())
    out["seconds"] = time.perf_counter() - start
    return out


def run_with_cpu(cmd: list[str]) -> tuple[int, float, int, float]:
    """run_measured, plus the CPU seconds (user + system) of the whole process tree, JVM included: on a
    shared machine wall time depends on the neighbours, CPU time much less."""
    cpu: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        me = psutil.Process()
        while not done.is_set():
            for proc in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    t = proc.cpu_times()
                    cpu[proc.pid] = t.user + t.system + t.children_user + t.children_system
            done.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code, wall, peak = run_measured(cmd, {**os.environ})
    done.set()
    sampler.join()
    return code, wall, peak, sum(cpu.values())


def penny_mismatches(data: Path, rows: int) -> list[str]:
    """Every cell where Spark's tables differ from DuckDB's by a penny or more (text exactly)."""
    a = json.loads((data / f"tables-duckdb-{rows}.json").read_text())
    b = json.loads((data / f"tables-spark-{rows}.json").read_text())
    bad = []
    for name in a:
        ra, rb = (sorted(t[name], key=_row_key) for t in (a, b))
        if len(ra) != len(rb):
            bad.append(f"{name}: {len(ra)} rows on DuckDB, {len(rb)} on Spark")
            continue
        for x, y in zip(ra, rb, strict=True):
            for k, v in x.items():
                w = y.get(k)
                if isinstance(v, (int, float)) and isinstance(w, (int, float)):
                    if abs(v - w) >= 0.005:
                        bad.append(f"{name}.{k}: {v} vs {w}")
                elif v != w:
                    bad.append(f"{name}.{k}: {v!r} vs {w!r}")
    return bad


def _row_key(row: dict[str, Any]) -> str:
    return json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}, sort_keys=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", default="50000000", help="payments, or several sizes comma-separated (default 50M)")
    p.add_argument("--data", type=Path, default=ROOT / "bench-data" / "lake", help="where generated data goes")
    p.add_argument("--keep", action="store_true", help="keep the generated workspaces")
    p.add_argument("--out", type=Path, default=HERE / "results_lake.json")
    p.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)  # one stage, in a child process
    a = p.parse_args(argv)
    sizes = [int(r.replace("_", "")) for r in a.rows.split(",")]
    a.data.mkdir(parents=True, exist_ok=True)
    if a.stage:
        result = stage(a.stage, a.data, sizes[0])
        (a.data / f"stage-{a.stage}.json").write_text(json.dumps(result))
        return 0
    runs: dict[str, Any] = {}
    try:
        for rows in sizes:
            runs[str(rows)] = measured = {}
            for name in STAGES:
                cmd = [sys.executable, __file__, "--stage", name, "--rows", str(rows), "--data", str(a.data)]
                code, wall, peak, cpu = run_with_cpu(cmd)
                if code != 0:
                    raise RuntimeError(f"stage {name} at {rows:,} rows failed with exit code {code}")
                r = json.loads((a.data / f"stage-{name}.json").read_text())
                r.update(wall=wall, peak_rss=peak, cpu_seconds=cpu)
                measured[name] = r
                print(f"{rows:>12,} {name:<9} {r['seconds']:8.1f} s  cpu {cpu:8.1f} s  peak {report.fmt_gb(peak)}  "
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)
            measured["mismatches"] = penny_mismatches(a.data, rows)
            measured["spark_vs_duckdb"] = measured["spark"]["seconds"] / measured["duckdb"]["seconds"]
            print(f"{rows:>12,} Spark/DuckDB time {measured['spark_vs_duckdb']:.1f}x; "
                  f"{len(measured['mismatches'])} figure(s) differ", flush=True)
            if not a.keep:
                shutil.rmtree(_ws(a.data, rows), ignore_errors=True)
    finally:
        if not a.keep:
            for child in a.data.glob("*"):
                if child.name.startswith(("ws-", "tables-", "stage-")):
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
    result = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": report.machine(),
              "command": " ".join(["python benchmarks/bench_lake.py", *(argv if argv is not None else sys.argv[1:])]),
              "load_average": os.getloadavg(), "git": _git(), "sizes": runs}
    a.out.write_text(json.dumps(report.finite(result), indent=1, default=str) + "\n")
    print(f"Wrote {a.out}")
    return 1 if any(r["mismatches"] for r in runs.values()) else 0


def _git() -> str:
    done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
