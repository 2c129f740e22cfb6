#!/usr/bin/env python3
"""Set-up and run in one step: `python3 run.py demo` builds the demo; `python3 run.py test` runs the tests.

Needs only Python 3.11+. It makes a virtual environment in .venv, installs Anchorage with its test
extras there (again only when pyproject.toml changes), then runs the command.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_environment() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Anchorage needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PY.exists():
        print("Creating .venv …", flush=True)
        venv.create(VENV, with_pip=True)
    stamp = VENV / ".anchorage-installed"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != want:
        print("Installing Anchorage and its dependencies into .venv (first run takes a few minutes) …", flush=True)
        subprocess.run([str(PY), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        subprocess.run([str(PY), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]"], check=True)
        stamp.write_text(want)


# The suite runs on two pytest-xdist workers (tests/conftest.py groups them: a module's tests together, every
# Spark test together, slow groups handed out first). Your own -n, -p no:xdist or a debugger runs it your way.
WORKERS = ["-n", "2", "--dist", "loadgroup", "--no-loadscope-reorder"]


def parallel(rest: list[str]) -> list[str]:
    """The xdist options for `run.py test ARGS`, unless ARGS choose how to run already."""
    yours = ("-n", "--numprocesses", "--dist", "--pdb", "--trace", "no:xdist", "-pno:xdist")
    chosen = any(a == y or a.startswith(y + "=") for a in rest for y in yours)
    return [] if chosen or any(a.startswith("-n") for a in rest) else WORKERS


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "bench"):
        print(__doc__)
        print("usage: python3 run.py demo [anchorage demo options] | test [pytest options] | bench [options]")
        return 2
    ensure_environment()
    command, rest = argv[0], argv[1:]
    if command == "demo":
        args = [str(PY), "-m", "anchorage.cli.main", "demo", *rest]
    elif command == "test":
        args = [str(PY), "-m", "pytest", *parallel(rest), *rest]
    else:
        args = [str(PY), str(ROOT / "benchmarks" / "run_all.py"), *rest]
    return subprocess.call(args, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
