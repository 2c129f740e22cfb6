"""Workforce loaders (issue 14): a 30,000-row pay bill through the import pipeline, against DuckDB reading it.

    PYTHONPATH=src python benchmarks/bench_workforce.py [--rows 30000] [--repeats 3] [--update BENCHMARKS.md]

The file is collaborative-wide (an anchor column naming 30 anchors, 1,000 months each; 0.5% of rows have a
junk amount and are quarantined). Each run is a fresh Python process (measure.run_measured) that times only
the work inside it:
- **load**: `import_pay_bills(ws, csv)` into a fresh copy of a workspace with the 30 anchors (DuckDB
  warehouse, SQLite records): hash and raw copy, staging, column-wise parsing, quarantine, the upload record,
  replacing the named anchors' pay bills and the records commit.
- **replace**: the same, loading a second version of the file over the first (30,000 rows deleted first).
- **floor**: DuckDB alone reading the same CSV into a table, month and amount parsed (`read_csv` all
  VARCHAR, `strptime`, `TRY_CAST`): what parsing the file costs with nothing else.
Best of `--repeats` runs of each, interleaved. Before this change the loader parsed each cell on a new DuckDB
connection and took about 19 minutes for 30,000 rows (the issue's measurement; not re-run here)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import run_measured

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECTION = "## Workforce loaders (issue 14): a 30,000-row pay bill"
TARGET_SECONDS = 2.0
ANCHORS = 30


def write_csv(path: Path, rows: int, version: int = 1) -> None:
    """Anchors × months, deterministic; every 200th amount is junk (quarantined)."""
    months = -(-rows // ANCHORS)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("Anchor,Month,Pay bill,English share\n")
        n = 0
        for a in range(ANCHORS):
            for m in range(months):
                if n == rows:
                    return
                year, month = 1940 + m // 12, m % 12 + 1
                amount = (
                    "TBC"
                    if n % 200 == 7
                    else f"{(a * 7919 + m * 104729 * version) % 900_000 + 100_000}.{n % 100:02}"
                )
                fh.write(
                    f'Anchor {a:02},{month:02}/{year},"£{amount}",1\n'
                    if amount != "TBC"
                    else f"Anchor {a:02},{month:02}/{year},TBC,1\n"
                )
                n += 1


def make_template(root: Path) -> Path:
    from anchorage import config as cfgmod
    from anchorage.workspace import Workspace

    cfg = cfgmod.Config(
        collaborative="Bench",
        place=cfgmod.Place(local=["E09000023"], sub_region=[], region="E12000007"),
    )
    for a in range(ANCHORS):
        cfg.add_anchor(f"Anchor {a:02}", "council")
    Workspace.create(root, cfg)
    return root


def child(stage: str, csv: Path, ws_dir: Path, out: Path) -> None:
    """One measured run inside a fresh process; writes its own timing and result as JSON."""
    report: dict[str, Any] = {"stage": stage}
    if stage == "floor":
        import duckdb

        t0 = time.perf_counter()
        con = duckdb.connect()
        con.execute(f"""
            CREATE TABLE bills AS
            SELECT "Anchor" AS anchor, CAST(try_strptime("Month", '%m/%Y') AS DATE) AS month,
                   TRY_CAST(replace(replace("Pay bill", '£', ''), ',', '') AS DECIMAL(18, 2)) AS pay_bill
            FROM read_csv('{csv}', all_varchar = true, header = true)""")
        row = con.execute("SELECT count(*), count(pay_bill), sum(pay_bill) FROM bills").fetchone()
        con.close()
        report.update(
            seconds=time.perf_counter() - t0, rows=row[0], parsed=row[1], amount=float(row[2])
        )
    else:
        import pandas  # noqa: F401  (imported by the pipeline's readers; start-up, not the load)
        from sqlalchemy import func, select

        from anchorage.store.workforce_records import LevyPayBill
        from anchorage.workforce.imports import import_pay_bills
        from anchorage.workspace import Workspace

        ws = Workspace.open(ws_dir)
        if stage == "replace":
            import_pay_bills(ws, csv.with_name("paybill-v1.csv"))
        t0 = time.perf_counter()
        s = import_pay_bills(ws, csv)
        report.update(
            seconds=time.perf_counter() - t0,
            rows=s.rows_read,
            loaded=s.rows_loaded,
            quarantined=s.rows_quarantined,
            amount=float(s.amount_read or 0),
            amount_loaded=float(s.amount_loaded or 0),
            balanced=s.balanced,
        )
        with ws.session() as session:
            report["stored"] = session.scalar(select(func.count()).select_from(LevyPayBill))
    report["ru_maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out.write_text(json.dumps(report))


def measure(stage: str, csv: Path, template: Path, work: Path) -> dict[str, Any]:
    ws_dir = work / f"ws-{stage}"
    shutil.rmtree(ws_dir, ignore_errors=True)
    shutil.copytree(template, ws_dir)
    out = work / f"{stage}.json"
    code, wall, peak = run_measured(
        [
            sys.executable,
            __file__,
            "--child",
            stage,
            "--csv",
            str(csv),
            "--ws",
            str(ws_dir),
            "--out",
            str(out),
        ],
        dict(os.environ),
    )
    if code != 0:
        raise RuntimeError(f"stage {stage} failed (exit {code})")
    report = json.loads(out.read_text())
    report["peak_rss"] = max(peak, report["ru_maxrss"])
    report["process_seconds"] = wall  # with interpreter start-up and imports
    return report


def section(result: dict[str, Any]) -> str:
    best = result["best"]
    load, replace, floor = best["load"], best["replace"], best["floor"]
    ok = "met" if load["seconds"] < TARGET_SECONDS else "NOT met"
    runs = {k: ", ".join(f"{s:.2f}" for s in v) for k, v in result["runs"].items()}
    return f"""{SECTION}

Command: `{result["command"]}` (also run by `python3 run.py bench`) on {result["machine"]}, {result["date"]};
1-minute load average {result["load_average"][0]:.1f} at the start and {result["load_average"][1]:.1f} at the end
(the 2 cores were shared with other work).

| measure | target | best of {result["repeats"]} (runs) | vs floor | result |
|---|---|---|---|---|
| load a 30,000-row pay bill (fresh workspace) | < {TARGET_SECONDS:.0f} s | {load["seconds"]:.2f} s ({runs["load"]}) | {load["seconds"] / floor["seconds"]:.1f}× | {ok} |
| load a new version over it (30,000 rows replaced) | | {replace["seconds"]:.2f} s ({runs["replace"]}) | {replace["seconds"] / floor["seconds"]:.1f}× | |
| floor: DuckDB reads and parses the same CSV | | {floor["seconds"]:.2f} s ({runs["floor"]}) | 1.0× | |

- rows read {load["rows"]:,} = loaded {load["loaded"]:,} + quarantined {load["quarantined"]:,}; £ read
  {load["amount"]:,.2f}, loaded {load["amount_loaded"]:,.2f} (the quarantined rows' amounts are "TBC": £0);
  balanced: {load["balanced"]}; pay bills stored
  {load["stored"]:,} (after the replace: {replace["stored"]:,}). Peak memory of the load process
  {load["peak_rss"] / 2**20:,.0f} MB.
- Before: each cell was parsed on a new DuckDB connection, about 19 minutes for 30,000 rows (issue 14).
- The file names 30 anchors × 1,000 months, 0.5% junk amounts. Each run is a fresh process timing its own
  work; the workspace is a fresh copy of one with the 30 anchors (DuckDB warehouse, SQLite records). The
  difference from the floor is the pipeline's fixed work (hash, raw copy, upload record) and writing 30,000
  rows to the records database (SQLite here) in one transaction.
"""


def update_markdown(md: Path, text: str) -> None:
    """Replace this benchmark's section of the file (or add it at the end), leaving the others as they are."""
    old = md.read_text() if md.exists() else ""
    start = old.find(SECTION)
    if start < 0:
        md.write_text(old.rstrip("\n") + "\n\n" + text)
        return
    nxt = old.find("\n## ", start + 1)
    md.write_text(old[:start] + text + (old[nxt:] if nxt >= 0 else ""))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--rows", type=int, default=30_000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument(
        "--update", type=Path, help="write the results into this markdown file (its own section)"
    )
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--ws", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        child(a.child, a.csv, a.ws, a.out)
        return 0
    from report import machine

    m = machine()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-workforce-") as tmp:
        work = Path(tmp)
        write_csv(work / "paybill-v1.csv", a.rows, 1)
        csv = work / "paybill.csv"
        write_csv(csv, a.rows, 2)
        template = make_template(work / "template")
        runs: dict[str, list[dict[str, Any]]] = {"load": [], "replace": [], "floor": []}
        for i in range(a.repeats):
            for stage, got in runs.items():
                got.append(measure(stage, csv, template, work))
                print(f"run {i + 1} {stage}: {got[-1]['seconds']:.2f} s", flush=True)
    best = {k: min(v, key=lambda r: r["seconds"]) for k, v in runs.items()}
    result = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "rows": a.rows,
        "repeats": a.repeats,
        "command": "PYTHONPATH=src python benchmarks/bench_workforce.py"
        + (" " + " ".join(argv) if argv else ""),
        "machine": f"{m['cpu']}, {m['nproc']} cores, Python {m['python']}, DuckDB {m['duckdb']}",
        "load_average": (load_before, os.getloadavg()[0]),
        "best": best,
        "runs": {k: [r["seconds"] for r in v] for k, v in runs.items()},
    }
    if not (
        best["load"]["balanced"]
        and best["load"]["rows"] == a.rows
        and best["floor"]["rows"] == a.rows
    ):
        print("!!! the load did not reconcile !!!", flush=True)
        return 1
    (HERE / "results_workforce.json").write_text(json.dumps(result, indent=1, default=str) + "\n")
    text = section(result)
    print(text)
    if a.update:
        update_markdown(a.update, text)
    return 0 if best["load"]["seconds"] < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
