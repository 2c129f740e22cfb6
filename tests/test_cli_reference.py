"""The command-line reference cannot rot, and the real `anchorage` program runs in a process of its own."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import typer.main
from tests.cli_support import cli, ok, run_cli

from anchorage.cli.docs import cli_reference
from anchorage.cli.main import app

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "docs" / "cli.md"


def _commands() -> list[tuple[str, list[str]]]:
    """(command path, its option names) for every command the program has."""
    found = []

    def walk(command: object, ctx: typer.Context) -> None:
        names = [
            n
            for p in command.get_params(ctx)
            if p.param_type_name == "option" and p.name != "help"  # type: ignore[attr-defined]
            for n in (*p.opts, *p.secondary_opts)
        ]
        found.append((ctx.command_path, names))
        if hasattr(command, "list_commands"):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)  # type: ignore[attr-defined]
                if not sub.hidden:
                    walk(sub, typer.Context(sub, info_name=name, parent=ctx))

    root = typer.main.get_command(app)
    walk(root, typer.Context(root, info_name="anchorage"))
    return found


def test_every_command_and_option_is_in_the_cli_reference():
    text = REFERENCE.read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## `([^`]+)`\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S))
    commands = _commands()
    assert len(commands) > 80  # every subcommand, not just the groups
    missing = [path for path, _ in commands if path not in sections]
    assert not missing, f"docs/cli.md lacks these commands; run `anchorage docs cli`: {missing}"
    unlisted = [
        f"{path} {name}"
        for path, names in commands
        for name in names
        if not re.search(rf"`[^`]*(?<![\w-]){re.escape(name)}(?![\w-])[^`]*`", sections[path])
    ]
    assert not unlisted, f"docs/cli.md lacks these options; run `anchorage docs cli`: {unlisted}"
    assert text == cli_reference(typer.main.get_command(app)), (
        "docs/cli.md is out of date: run `anchorage docs cli`"
    )


def test_docs_cli_writes_the_reference_and_check_fails_when_stale(tmp_path):
    out = tmp_path / "cli.md"
    ok(run_cli(["docs", "cli", "--out", out]))
    assert out.read_text(encoding="utf-8") == REFERENCE.read_text(encoding="utf-8")
    assert "is up to date" in ok(run_cli(["docs", "cli", "--out", out, "--check"])).stdout
    out.write_text(
        out.read_text(encoding="utf-8").replace("`--date-order", "`--order"), encoding="utf-8"
    )
    stale = run_cli(["docs", "cli", "--out", out, "--check"])
    assert stale.returncode == 1 and "does not match the commands" in stale.stderr
    assert "anchorage docs cli" in stale.stderr and "Traceback" not in stale.stderr


def test_in_process_commands_let_go_of_the_warehouse(workspace):
    """Each in-process command closes what it opened, so the next test (or another process) can open it."""
    from anchorage.store import warehouse

    assert json.loads(ok(cli("org", "list", "--json", ws=workspace)).stdout)[0]["slug"] == "council"
    assert (
        workspace.warehouse_path.resolve() not in warehouse.open_databases()
    )  # (a web app may hold its own)
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; duckdb.connect(sys.argv[1]).close()",
            str(workspace.warehouse_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr


def test_the_real_program_runs_in_its_own_process(tmp_path):
    """The one smoke test of the installed entry point: exit codes, stdout and stderr as a shell sees them."""
    script = Path(sys.executable).with_name("anchorage")
    program = [str(script)] if script.exists() else [sys.executable, "-m", "anchorage.cli.main"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "CI": "1"}
    env.pop("ANCHORAGE_DEBUG", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*program, *args], capture_output=True, text=True, env=env, timeout=300
        )

    ws = tmp_path / "ws"
    made = run("init", "--workspace", str(ws), "--name", "Smoke test", "--local", "E09000023")
    assert made.returncode == 0 and "Created workspace" in made.stdout, made.stderr
    assert run("org", "add", "Lewisham Council", "--type", "council", "-w", str(ws)).returncode == 0
    listed = run("org", "list", "--json", "-w", str(ws))
    assert listed.returncode == 0 and json.loads(listed.stdout) == [
        {"name": "Lewisham Council", "slug": "lewisham-council", "type": "council"}
    ]
    bad = run("org", "add", "Lewisham Council", "--type", "council", "-w", str(ws))  # already there
    assert (
        bad.returncode == 1
        and "Error:" in bad.stderr
        and "Traceback" not in bad.stderr
        and not bad.stdout
    )
    wrong = run("org", "add", "Bad", "--type", "bank", "-w", str(ws))  # not a choice: a usage error
    assert wrong.returncode == 2 and "council" in wrong.stderr and "Traceback" not in wrong.stderr
    usage = run("spend", "ingest")
    assert usage.returncode == 2 and "Missing argument" in usage.stderr
