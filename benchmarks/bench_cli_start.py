"""How long an `anchorage` process takes to start and finish a small command (issue 18), and which imports
cost most. Each command runs as a process of its own, best of REPEATS; with `--compare REV` the same commands
also run on the source of a git revision (e.g. the commit before the lazy command line), interleaved, so
both sets of figures see the same load. Usage:

    PYTHONPATH=src .venv/bin/python benchmarks/bench_cli_start.py [--repeats 5] [--compare REV]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMANDS = (
    ["--help"],
    ["jobs", "list", "--workspace", "{ws}"],
    ["uploads", "list", "--org", "bench-council", "--workspace", "{ws}"],
    ["spend", "ingest", "--help"],
    ["assets", "--help"],  # each group's option choices, without the analysis behind them
    ["lake", "--help"],
    ["pipeline", "--help"],
    ["workforce", "--help"],
    ["reference", "--help"],
    ["jobs", "--help"],
)


def run(src: Path, argv: list[str]) -> float:
    """Wall time of one `anchorage ARGV` process on the source in `src`."""
    env = {**os.environ, "PYTHONPATH": str(src), "CI": "1"}
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "anchorage.cli.main", *argv], capture_output=True, text=True, env=env
    )
    took = time.perf_counter() - t
    assert done.returncode == 0, f"{argv}: {done.stderr[-2000:]}"
    return took


def offenders(src: Path, argv: list[str], top: int = 5) -> list[tuple[str, float]]:
    """The top-level imports that cost most (cumulative ms, from `python -X importtime`)."""
    env = {**os.environ, "PYTHONPATH": str(src), "CI": "1"}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "anchorage.cli.main", *argv],
        capture_output=True,
        text=True,
        env=env,
    )
    found = []
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)  # no indent: top level
        if m:
            found.append((m.group(2), int(m.group(1)) / 1000))
    return sorted(found, key=lambda x: -x[1])[:top]


def checkout(rev: str, into: Path) -> Path:
    """The `src` folder of a git revision, unpacked into a folder."""
    data = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev, "src"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--compare", metavar="REV", help="Also time this git revision's source.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        sources = {"now": REPO / "src"}
        if args.compare:
            sources = {args.compare: checkout(args.compare, Path(tmp) / "then"), **sources}
        now = sources["now"]
        for setup in (
            ["init", "--name", "Bench"],
            ["org", "add", "Bench Council", "--type", "council"],
        ):
            run(now, [*setup, "--workspace", str(ws)])
        print(f"load average before: {os.getloadavg()}")
        print(f"{'command':<60}" + "".join(f"{name:>14}" for name in sources))
        for command in COMMANDS:
            argv = [a.format(ws=ws) for a in command]
            best = dict.fromkeys(sources, float("inf"))
            for _ in range(args.repeats):  # interleaved: each version sees the same load
                for name, src in sources.items():
                    best[name] = min(best[name], run(src, argv))
            label = "anchorage " + " ".join(command).replace("{ws}", "W")
            print(f"{label:<60}" + "".join(f"{best[n]:>13.3f}s" for n in sources))
        print(f"load average after: {os.getloadavg()}")
        for name, src in sources.items():
            print(f"\nTop-level imports by cumulative time ({name}):")
            for command in COMMANDS:
                argv = [a.format(ws=ws) for a in command]
                top = ", ".join(f"{m} {ms:.0f} ms" for m, ms in offenders(src, argv))
                print(f"  anchorage {' '.join(command).replace('{ws}', 'W')}: {top}")


if __name__ == "__main__":
    main()
