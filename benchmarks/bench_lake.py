"""National scale: a generated data set of N payments across 400 bodies, exported to the lake, analysed on
DuckDB and on Spark local[2] on the same machine in the same run (issue 19).

    PYTHONPATH=src python benchmarks/bench_lake.py                        # 50,000,000 payments
    PYTHONPATH=src python benchmarks/bench_lake.py --rows 1000000,4000000 # several sizes: is memory flat?

Each size: `generate` writes the payments straight into a fresh workspace's warehouse with DuckDB SQL
(anchorage.demo.national; demo config and the demo's real ONS reference extracts); `export` is
`anchorage lake export` (first export, every upload written); `duckdb` is the analysis on the warehouse;
`spark` is `--engine spark` (Spark local[2], 2 GB driver, the lake's Parquet read by Spark; the export it
does first finds nothing to write). Every stage runs in a fresh process (measure.run_measured_cpu): wall
time, peak resident memory and CPU seconds of the whole process tree (Python, DuckDB, and for Spark the JVM).
Spark's tables must equal DuckDB's to the penny. Generated data goes to --data and is deleted unless --keep.
BENCH_SKIP_EXPLORE=1 makes the DuckDB stage run the analysis alone, without the explore-table refresh first.

On a shared machine a large size may not fit one sitting: `--keep` keeps each stage's figures
(measured-STAGE-ROWS.json) and workspace, and `--stages duckdb,spark` later runs only those, reading the
others' figures. `--parallel` runs the two analyses at the same time (Spark then reads the lake without the
export's look at the warehouse, which the DuckDB process holds); their CPU seconds stay comparable.
"""

from __future__ import annotations

import argparse
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
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the parity test's comparison

import report
from measure import run_measured_cpu

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STAGES = ("generate", "export", "duckdb", "spark")


def _ws(data: Path, rows: int) -> Path:
    return data / f"ws-{rows}"


def stage(
    name: str, data: Path, rows: int, *, parallel: bool = False, driver_memory: str = "2g"
) -> dict[str, Any]:
    """Run one stage in this (child) process; returns what it measured itself. `parallel`: the DuckDB stage
    runs at the same time and holds the warehouse file (DuckDB allows one process), so the Spark stage skips
    the incremental export's look at it (the export stage has just brought the lake up to date) and runs the
    rest of analyse_workspace's Spark path: read the lake, analyse, write the results back."""
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
        out["lake_bytes"] = sum(
            p.stat().st_size for p in (_ws(data, rows) / "lake").rglob("*.parquet")
        )
    else:
        from anchorage.procurement.run import analyse_workspace

        ws = Workspace.open(_ws(data, rows))
        if name == "duckdb" and not os.environ.get("BENCH_SKIP_EXPLORE"):
            # the explore tables the DuckDB analysis brings up to date first, timed apart
            from anchorage.procurement import explore

            explore.refresh(ws)
            out["explore_refresh_seconds"] = time.perf_counter() - start
            start = time.perf_counter()
        if name == "spark":
            ws.config.compute.spark_master = "local[2]"
            ws.config.compute.driver_memory = driver_memory
            # about a million payments a shuffle partition (8 at least): smaller tasks, less heap each
            ws.config.compute.shuffle_partitions = max(8, rows // 1_000_000)
        if name == "spark" and parallel:
            from anchorage.procurement.analysis import analyse
            from anchorage.procurement.lake import lake_root, spark_backend
            from anchorage.store import lake
            from anchorage.store.spark import spark_session

            with spark_session(ws.config.compute, ws.tmp_dir) as spark:
                result = analyse(spark_backend(spark, lake_root(ws)), ws.config)
            lake.write_analysis(lake_root(ws), result.tables, "spark")
        elif name == "duckdb" and os.environ.get(
            "BENCH_SKIP_EXPLORE"
        ):  # the analysis alone, on the warehouse
            import ibis

            from anchorage.procurement.analysis import analyse

            with ws.warehouse(read_only=True) as con:
                result = analyse(ibis.duckdb.from_connection(con), ws.config)
            out["explore_refresh_skipped"] = True
        else:
            result = analyse_workspace(ws, engine=name)
        # the frames as they came out (pickled: no conversion), for the parity test's penny check
        pd.to_pickle(result.tables, data / f"tables-{name}-{rows}.pkl")
        out["spend"] = float(result.tables["totals"]["spend"].astype(float).sum())
    out["seconds"] = time.perf_counter() - start
    return out


def run_stages(
    names: list[str], rows: int, data: Path, *, parallel: bool, driver_memory: str = "2g"
) -> dict[str, dict[str, Any]]:
    """Run these stages, each in a fresh process (at the same time if more than one), measured by
    measure.run_measured_cpu: wall, peak memory and CPU seconds of the process tree, JVM included."""
    out: dict[str, dict[str, Any]] = {}

    def one(name: str) -> None:
        cmd = [
            sys.executable,
            __file__,
            "--stage",
            name,
            "--rows",
            str(rows),
            "--data",
            str(data),
            "--driver-memory",
            driver_memory,
            *(["--parallel"] if parallel else []),
        ]
        heap = _HeapLog(data / f"jvm-heap-{name}-{rows}.txt") if name == "spark" else None
        code, wall, peak, cpu = run_measured_cpu(cmd, {**os.environ})
        if heap is not None:
            heap.stop()
        if code != 0:  # what it used until it failed (or was stopped) is a figure too
            failed = dict(exit_code=code, wall=wall, peak_rss=peak, cpu_seconds=cpu)
            failed |= heap.summary() if heap is not None else {}
            (data / f"failed-{name}-{rows}.json").write_text(json.dumps(failed))
            raise RuntimeError(f"stage {name} at {rows:,} rows failed: {failed}")
        r = json.loads((data / f"stage-{name}.json").read_text())
        r.update(
            wall=wall,
            peak_rss=peak,
            cpu_seconds=cpu,
            load_after=os.getloadavg()[0],
            parallel=parallel,
            driver_memory=driver_memory,
            duckdb_memory_limit=os.environ.get("ANCHORAGE_MEMORY_LIMIT", "default"),
        )
        if heap is not None:
            r.update(heap.summary())
        (data / f"measured-{name}-{rows}.json").write_text(json.dumps(r))
        out[name] = r
        print(
            f"{rows:>12,} {name:<9} {r['seconds']:8.1f} s  cpu {cpu:8.1f} s  peak {report.fmt_gb(peak)}  "
            f"(load {os.getloadavg()[0]:.1f})",
            flush=True,
        )

    threads = [threading.Thread(target=one, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    missing = [n for n in names if n not in out]
    if missing:
        raise RuntimeError(f"stage(s) {', '.join(missing)} at {rows:,} rows failed")
    return out


class _HeapLog:
    """The Spark JVM's heap over the run (`jstat -gc` every 10 s, to a file): how much of its heap the run
    used, and whether what survives a collection (the old generation) grows with rows."""

    def __init__(self, path: Path):
        self.path, self._done = path, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        import psutil

        me = psutil.Process()
        with self.path.open("w") as out:
            while not self._done.wait(2):
                # Spark's JVM (the driver, in local mode the executor too), not the launcher java before it
                jvm = [p for p in me.children(recursive=True) if "SparkSubmit" in _cmdline(p)]
                if not jvm:
                    continue
                # jstat fails while the new JVM has not yet published its counters: try again
                watcher = subprocess.Popen(
                    ["jstat", "-gc", "-t", str(jvm[0].pid), "10000"],
                    stdout=out,
                    stderr=subprocess.DEVNULL,
                )
                while watcher.poll() is None and not self._done.wait(1):
                    pass
                watcher.terminate()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def summary(self) -> dict[str, Any]:
        """Peak heap used and peak old generation (MB), from the samples; {} when none were taken."""
        lines = self.path.read_text().splitlines() if self.path.exists() else []
        head = next((ln.split() for ln in lines if ln.startswith("Timestamp")), [])
        rows = [
            dict(zip(head, map(float, ln.split()), strict=True))
            for ln in lines
            if _numbers(ln, head)
        ]
        if not rows or "OU" not in head:
            return {}
        rows = list(
            {r["Timestamp"]: r for r in rows}.values()
        )  # jstat repeats the last after an exit
        used = [sum(r.get(k, 0.0) for k in ("S0U", "S1U", "EU", "OU")) / 1024 for r in rows]
        return {
            "jvm_heap_used_peak_mb": max(used),
            "jvm_old_gen_peak_mb": max(r["OU"] for r in rows) / 1024,
            "jvm_heap_samples": len(rows),
        }


def _numbers(line: str, head: list[str]) -> bool:
    """A jstat sample line: one number per column of the header."""
    cells = line.split()
    if len(cells) != len(head):
        return False
    try:
        [float(c) for c in cells]
    except ValueError:
        return False
    return True


def _cmdline(p: Any) -> str:
    try:
        return " ".join(p.cmdline())
    except Exception:  # gone, or not ours to read
        return ""


def penny_mismatches(data: Path, rows: int) -> list[str]:
    """Where Spark's tables differ from DuckDB's, by the parity test's own comparison (every table, every
    cell, money to the penny); empty when they are equal."""
    import pandas as pd
    from tests.test_spark_parity import assert_same_figures

    from anchorage.procurement.analysis import AnalysisResult

    duck, spark = (
        AnalysisResult(tables=pd.read_pickle(data / f"tables-{engine}-{rows}.pkl"))
        for engine in ("duckdb", "spark")
    )
    try:
        assert_same_figures(duck, spark)
    except AssertionError as exc:
        return [str(exc)]
    return []


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--rows",
        default="50000000",
        help="payments, or several sizes comma-separated (default 50M)",
    )
    p.add_argument(
        "--data", type=Path, default=ROOT / "bench-data" / "lake", help="where generated data goes"
    )
    p.add_argument("--keep", action="store_true", help="keep the generated workspaces")
    p.add_argument("--out", type=Path, default=HERE / "results_lake.json")
    p.add_argument(
        "--stages",
        default=",".join(STAGES),
        help="stages to run; the others' figures are read from an earlier run's measured-STAGE-ROWS.json "
        "in --data (that run needs --keep)",
    )
    p.add_argument(
        "--parallel",
        action="store_true",
        help="run the DuckDB and Spark analyses at the same time (each in its own process)",
    )
    p.add_argument(
        "--driver-memory",
        default="2g",
        help="the Spark stage's driver memory (local mode: all of Spark's)",
    )
    p.add_argument(
        "--stage", choices=STAGES, help=argparse.SUPPRESS
    )  # one stage, in a child process
    a = p.parse_args(argv)
    sizes = [int(r.replace("_", "")) for r in a.rows.split(",")]
    chosen = [n for n in STAGES if n in a.stages.split(",")]
    a.data.mkdir(parents=True, exist_ok=True)
    if a.stage:
        result = stage(
            a.stage, a.data, sizes[0], parallel=a.parallel, driver_memory=a.driver_memory
        )
        (a.data / f"stage-{a.stage}.json").write_text(json.dumps(result))
        return 0
    runs: dict[str, Any] = {}
    load_start = os.getloadavg()
    try:
        for rows in sizes:
            runs[str(rows)] = measured = {}
            for name in STAGES:
                earlier = a.data / f"measured-{name}-{rows}.json"
                if name not in chosen and earlier.exists():
                    measured[name] = json.loads(earlier.read_text()) | {"from_earlier_run": True}
            batches = [[n] for n in chosen]
            if a.parallel and {"duckdb", "spark"} <= set(chosen):
                batches = [[n] for n in chosen if n not in ("duckdb", "spark")] + [
                    ["duckdb", "spark"]
                ]
            for batch in batches:
                measured.update(
                    run_stages(
                        batch,
                        rows,
                        a.data,
                        parallel=a.parallel and len(batch) > 1,
                        driver_memory=a.driver_memory,
                    )
                )
            if "duckdb" in measured and "spark" in measured:
                measured["mismatches"] = penny_mismatches(a.data, rows)
                measured["spark_vs_duckdb"] = (
                    measured["spark"]["seconds"] / measured["duckdb"]["seconds"]
                )
                measured["spark_vs_duckdb_cpu"] = (
                    measured["spark"]["cpu_seconds"] / measured["duckdb"]["cpu_seconds"]
                )
                print(
                    f"{rows:>12,} Spark/DuckDB time {measured['spark_vs_duckdb']:.1f}x, CPU "
                    f"{measured['spark_vs_duckdb_cpu']:.1f}x; {len(measured['mismatches'])} figure(s) differ",
                    flush=True,
                )
            if not a.keep:
                shutil.rmtree(_ws(a.data, rows), ignore_errors=True)
    finally:
        if not a.keep:
            for child in a.data.glob("*"):
                if child.name.startswith(("ws-", "tables-", "stage-", "measured-")):
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
    result = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": report.machine(),
        "command": " ".join(
            ["python benchmarks/bench_lake.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        "load_average_start": load_start,
        "load_average": os.getloadavg(),
        "git": _git(),
        "sizes": runs,
    }
    a.out.write_text(json.dumps(report.finite(result), indent=1, default=str) + "\n")
    print(f"Wrote {a.out}")
    return 1 if any(r.get("mismatches") for r in runs.values()) else 0


def _git() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
