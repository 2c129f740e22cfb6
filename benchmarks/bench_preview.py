"""The upload's first-rows preview of a 1M-row spend CSV: the top of the file only (as the web now reads it)
against the whole file (as it read it before). Usage:

    PYTHONPATH=src .venv/bin/python benchmarks/bench_preview.py [ROWS] [REPEATS]
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from anchorage.ingest.preview import preview_file


def generate(path: Path, rows: int) -> None:
    rnd = random.Random(1)
    start = dt.date(2023, 4, 1)
    with path.open("w", encoding="utf-8") as f:
        f.write("Body,Date,Expense Type,Expense Area,Supplier,Transaction Number,Amount\n")
        for i in range(rows):
            d = start + dt.timedelta(days=i % 365)
            f.write(
                f"Council,{d:%d/%m/%Y},Supplies,Adult Social Care,Firm {i % 3500} Ltd,{100000 + i},"
                f"{rnd.randint(100, 99999) / 100:.2f}\n"
            )


def timed(path: Path, head: int | None, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as work:
            t = time.perf_counter()
            pv = preview_file(path, workdir=Path(work), anchor_name="Council", head=head)
            best = min(best, time.perf_counter() - t)
    assert pv.date_order == "dmy" and len(pv.rows) == 10
    return best


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spend.csv"
        generate(path, rows)
        mb = path.stat().st_size / 1e6
        whole = timed(path, None, repeats)
        top = timed(path, 20_000, repeats)
    load = os.getloadavg()
    print(
        f"{rows:,} rows ({mb:.0f} MB): whole file {whole:.2f} s, top of the file {top:.2f} s "
        f"(best of {repeats}); load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


if __name__ == "__main__":
    main()
