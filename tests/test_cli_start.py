"""The command line starts fast: a command imports only what it needs (issue 18).

`anchorage --help` lists every command from the one-line helps in cli/main.py without importing the modules
that define them; a command's module, and the libraries under it, load when that command runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys

import typer.main
from tests.cli_support import run_cli
from typer.testing import CliRunner

from anchorage.cli.main import COMMANDS, app

HEAVY = ("duckdb", "ibis", "pandas", "fastapi", "matplotlib", "sqlalchemy", "polars", "reportlab")


def _imported_by(argv: list[str]) -> tuple[str, list[str]]:
    """Run `anchorage ARGV` in a fresh interpreter; its output and which of HEAVY it imported."""
    probe = (
        "import json, sys\n"
        "from anchorage.cli.main import run\n"
        f"code = run({argv!r})\n"
        f"print(json.dumps([code, [m for m in {HEAVY!r} if m in sys.modules]]))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "CI": "1", "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    output, _, last = done.stdout.rstrip("\n").rpartition("\n")
    code, heavy = json.loads(last)
    assert code == 0, done.stderr
    return output, heavy


def test_root_help_imports_no_heavy_library():
    output, heavy = _imported_by(["--help"])
    assert heavy == [], f"`anchorage --help` imported {heavy}"
    for entry in COMMANDS:  # and still lists every command, with its help
        assert f" {entry.name} " in output
    assert "Start the web workspace" in output and "Documentation written from" in output


def test_a_commands_help_does_not_open_the_stores():
    """`anchorage spend ingest --help` loads the spend commands, not the workspace, jobs or services."""
    output, heavy = _imported_by(["spend", "ingest", "--help"])
    assert "--date-order" in output and "--accept-warnings" in output
    assert not set(heavy) & {"sqlalchemy", "pandas", "ibis", "fastapi", "matplotlib"}, heavy


def test_each_listed_help_is_the_commands_own():
    """The one-line helps kept in cli/main.py say what each command's own help says (update them together)."""
    root = typer.main.get_command(app)
    ctx = typer.Context(root, info_name="anchorage")
    wrong = {}
    for entry in COMMANDS:
        real = root.get_command(ctx, entry.name)
        assert real is not None and real.name == entry.name
        own = " ".join((real.short_help or real.help or "").split("\n\n")[0].split())
        if own != entry.help:
            wrong[entry.name] = own
    assert not wrong, f"update these helps in cli/main.py's COMMANDS: {wrong}"


def test_root_help_is_the_same_before_and_after_the_commands_load():
    runner = CliRunner()
    listed = runner.invoke(app, ["--help"], prog_name="anchorage", env={"COLUMNS": "100"})
    assert listed.exit_code == 0, listed.output
    root = typer.main.get_command(app)
    ctx = typer.Context(root, info_name="anchorage")
    for name in root.list_commands(ctx):
        root.get_command(ctx, name)  # every real command now
    with runner.isolation(env={"COLUMNS": "100"}) as (out, _err, _):
        with contextlib.suppress(SystemExit):
            root.main(["--help"], prog_name="anchorage", standalone_mode=False)
        loaded = out.getvalue().decode()
    assert loaded == listed.output and "│ lm3 " in loaded
    assert [c.name for c in COMMANDS] == list(root.list_commands(ctx))


def test_a_mistyped_command_is_still_suggested():
    done = run_cli(["spned", "list"])
    assert done.returncode == 2 and "Did you mean 'spend'?" in done.stderr
