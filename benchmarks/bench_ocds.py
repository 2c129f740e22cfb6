"""Benchmark: import a 1 GB OCDS JSON-lines file in bounded memory, against a plain json.loads-per-line loop.

    PYTHONPATH=src python benchmarks/bench_ocds.py [--gb 1.0] [--data /path/to/scratch] [--keep]

The file is generated from the real OCDS fictional sample's releases (../shared/data/ocds/fictional), one
process (ocid) per six releases (planning → implementation), with ids, dates and values varied. Both sides
run in a fresh child process, measured the same way (wall time, peak RSS of the process tree, see
measure.py). The baseline only parses each line with json.loads; the import also reads, checks, extracts,
stages in DuckDB, compiles per ocid and loads, all-or-nothing."""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import time
from pathlib import Path

import psutil
from measure import run_measured

HERE = Path(__file__).resolve().parent
SAMPLE = (
    HERE.parent.parent / "shared" / "data" / "ocds" / "fictional" / "ocds-213czf-000-00001.json"
)
CPVS = [
    "55520000",
    "55524000",
    "55330000",
    "90910000",
    "45233130",
    "79710000",
    "72000000",
    "85100000",
]


def generate(path: Path, target_bytes: int, seed: int = 6) -> int:
    """Write releases as JSON lines until the file reaches target_bytes; return the number of releases."""
    rng = random.Random(seed)
    template = json.loads(SAMPLE.read_text(encoding="utf-8"))["releases"]
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        process = 0
        while fh.tell() < target_bytes:
            process += 1
            ocid = f"ocds-bench-{process:09d}"
            year = rng.randint(2024, 2031)
            value = rng.randint(10, 5000) * 1000
            cpv = rng.choice(CPVS)
            for r in template:
                r = dict(r)
                r["ocid"], r["id"] = ocid, f"{ocid}-{r['id'][-14:]}"
                r["date"] = (
                    f"{year - 1}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T09:30:00Z"
                )
                for c in r.get("contracts") or []:
                    c["value"] = {"amount": value, "currency": "GBP"}
                    c["period"] = {
                        "startDate": f"{year - 3}-04-01T00:00:00Z",
                        "endDate": f"{year}-03-31T23:59:00Z",
                    }
                    for item in c.get("items") or []:
                        item["classification"] = {"scheme": "CPV", "id": cpv}
                fh.write(json.dumps(r, separators=(",", ":")) + "\n")
                n += 1
    return n


def stage_baseline(path: Path) -> dict:
    count = 0
    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                json.loads(line)
                count += 1
    return {"releases": count}


def stage_import(path: Path, scratch: Path) -> dict:
    from anchorage import config as cfgmod
    from anchorage.contracts.ocds_load import import_ocds
    from anchorage.workspace import Workspace

    root = scratch / "ws"
    shutil.rmtree(root, ignore_errors=True)
    cfg = cfgmod.Config(collaborative="bench", place=cfgmod.Place(local=["E09000023"]))
    cfg.add_anchor("Bench Council", "council")
    ws = Workspace.create(root, cfg)
    s = import_ocds(ws, path, "bench-council")
    with ws.warehouse(read_only=True) as con:
        contracts = con.execute("SELECT count(*) FROM contracts").fetchone()[0]  # type: ignore[index]
    return {"releases": s.rows_loaded, "quarantined": s.rows_quarantined, "contracts": contracts}


def measure(stage: str, path: Path, scratch: Path) -> dict:
    """Run one stage in a child process; wall time and peak RSS of its process tree."""
    out = scratch / f"{stage}.json"
    env = {**os.environ, "ANCHORAGE_MEMORY_LIMIT": "512MB", "ANCHORAGE_THREADS": "2"}
    code, wall, peak = run_measured(
        [
            sys.executable,
            __file__,
            "--stage",
            stage,
            "--file",
            str(path),
            "--data",
            str(scratch),
            "--out",
            str(out),
        ],
        env,
    )
    if code:
        raise SystemExit(f"{stage} failed with exit code {code}")
    report = json.loads(out.read_text())
    return {
        **report,
        "seconds": round(wall, 1),
        "peak_rss_mb": round(max(peak, report["maxrss_kb"] * 1024) / 2**20),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--data", type=Path, default=Path("bench-ocds-data"))
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--stage")
    ap.add_argument("--file", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.stage:  # the child process
        import resource

        report = (
            stage_baseline(args.file)
            if args.stage == "baseline"
            else stage_import(args.file, args.data)
        )
        report["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        args.out.write_text(json.dumps(report))
        return
    args.data.mkdir(parents=True, exist_ok=True)
    path = args.data / "releases.jsonl"
    t0 = time.perf_counter()
    n = generate(path, int(args.gb * 1e9))
    mb = path.stat().st_size / 1e6
    print(f"generated {n:,} releases, {mb:,.0f} MB in {time.perf_counter() - t0:.0f} s")
    base = measure("baseline", path, args.data)
    ours = measure("import", path, args.data)
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GB RAM, Python {platform.python_version()}",
        "file_mb": round(mb),
        "releases": n,
    }
    for name, r in (("baseline json.loads per line", base), ("anchorage import_ocds", ours)):
        result[name] = {
            **r,
            "releases_per_s": round(n / r["seconds"]),
            "mb_per_s": round(mb / r["seconds"], 1),
        }
    result["import_vs_baseline_time"] = round(ours["seconds"] / base["seconds"], 2)
    print(json.dumps(result, indent=2))
    (HERE / "results_ocds.json").write_text(json.dumps(result, indent=2) + "\n")
    if not args.keep:
        shutil.rmtree(args.data, ignore_errors=True)


if __name__ == "__main__":
    main()
