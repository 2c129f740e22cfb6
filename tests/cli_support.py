"""Run `anchorage` commands in the test's own process, as the real entry point would run them.

A subprocess per command costs seconds of Python start-up and imports; this runs the same `main()` path
(hand-over to a running server first, then `cli.main.run`, which turns errors into sentences and exit codes)
inside Click's test isolation: stdin, stdout, stderr and the environment are swapped for the call and put
back afterwards. The result has a subprocess's shape (`returncode`, `stdout`, `stderr`), so tests written
against `subprocess.run` keep their assertions. One smoke test (tests/test_cli_reference.py) still starts
the real program in a process of its own.

Tests stay independent: a command lets go of the warehouse when it finishes, and the helper checks that it
did, closing any warehouse the command left open (a `serve` holds its warehouse for the process's life).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from anchorage.cli import handoff
from anchorage.cli.main import run
from anchorage.store import warehouse
from anchorage.workspace import Workspace

# What the subprocess helpers used to set: no progress bars, and the real program's error rendering.
BASE_ENV: dict[str, str | None] = {"CI": "1", "ANCHORAGE_DEBUG": None}


def run_cli(
    args: Sequence[str | Path],
    *,
    env: Mapping[str, str | None] | None = None,
    cwd: Path | str | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `anchorage ARGS` in this process; returns what `subprocess.run(..., text=True)` would."""
    argv = [str(a) for a in args]
    before = set(warehouse.open_databases())
    with CliRunner().isolation(input=input, env={**BASE_ENV, **(env or {})}) as (out, err, _):
        with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
            code = handoff.forward(argv)
            if code is None:
                code = run(argv)
            sys.stdout.flush()  # `print` output sits in the text wrapper's buffer until flushed
            sys.stderr.flush()
        stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
    for path in (
        set(warehouse.open_databases()) - before
    ):  # a command that held its warehouse: let it go
        warehouse.close(path)
    return subprocess.CompletedProcess(["anchorage", *argv], code, stdout, stderr)


def cli(
    *args: str | Path,
    ws: Workspace | Path | None = None,
    env: Mapping[str, str | None] | None = None,
    cwd: Path | str | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """`anchorage ARGS --workspace WS` in this process (the form most CLI tests use)."""
    root = ws.root if isinstance(ws, Workspace) else ws
    return run_cli(
        [*args, *(["--workspace", str(root)] if root is not None else [])],
        env=env,
        cwd=cwd,
        input=input,
    )


def ok(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """The result, after checking the command succeeded (its output in the failure message otherwise)."""
    assert done.returncode == 0, (
        f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    )
    return done


def bid_pack(
    ws: Workspace | Path,
    out: Path,
    *extra: str,
    programme: str = "kickstart",
    env: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """`anchorage bid build --programme P --json --out OUT [EXTRA]`: the bid's figures as the command prints them,
    after checking it succeeded (the pack's files are written to OUT)."""
    done = cli(
        "bid", "build", "--programme", programme, "--json", "--out", out, *extra, ws=ws, env=env
    )
    return dict(json.loads(ok(done).stdout))
