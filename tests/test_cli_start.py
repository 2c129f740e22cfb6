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
from pathlib import Path

import pytest
import typer.main
from tests.cli_support import run_cli
from typer.testing import CliRunner

from anchorage.cli.lazy import Lazy
from anchorage.cli.main import COMMANDS, app
from anchorage.ingest.spend import ingest_spend
from anchorage.ingest.suppliers import ingest_suppliers
from anchorage.jobs import queue
from anchorage.workspace import Workspace

HEAVY = (
    "duckdb",
    "ibis",
    "pandas",
    "fastapi",
    "matplotlib",
    "sqlalchemy",
    "polars",
    "reportlab",
    "alembic",
    "openpyxl",
    "pyarrow",
)


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


# What a command group's --help may import of HEAVY: nothing (its option choices are small modules of their own).
HELP_MAY_IMPORT: dict[str, set[str]] = {}


@pytest.mark.parametrize("entry", COMMANDS, ids=[entry.name for entry in COMMANDS])
def test_each_groups_help_imports_no_heavy_library(entry: Lazy):
    """`anchorage GROUP --help` imports the group's cli module, whose option choices are small modules of their
    own (e.g. assets/choices.py), not the analysis that uses them (pandas, Ibis, DuckDB...)."""
    output, heavy = _imported_by([entry.name, "--help"])
    assert f"Usage: anchorage {entry.name} [OPTIONS]" in output, output
    unexpected = set(heavy) - HELP_MAY_IMPORT.get(entry.module, set())
    assert not unexpected, f"`anchorage {entry.name} --help` imported {heavy}"


def test_the_moved_choices_are_still_the_domains_own():
    """The option enums moved out of the heavy modules are the same objects there (nothing else changed)."""
    from anchorage.assets import choices as asset_choices
    from anchorage.assets import review
    from anchorage.contracts import choices as contract_choices
    from anchorage.contracts import finder
    from anchorage.procurement import choices as lake_choices
    from anchorage.procurement import lake_ingest
    from anchorage.workforce import choices as workforce_choices
    from anchorage.workforce import he_partners

    assert review.Decision is asset_choices.Decision and "community-use" in review.DECISIONS
    assert finder.Grouping is contract_choices.Grouping and list(finder.Grouping) == [
        "mapped",
        "cpv",
    ]
    assert lake_ingest.LakeKind is lake_choices.LakeKind
    assert he_partners.HeBy is workforce_choices.HeBy
    assert he_partners.GROUPINGS == ("anchor", "partner", "outcome")


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


def test_listing_uploads_and_jobs_reads_the_records_only(workspace: Workspace, tmp_path: Path):
    """`uploads list` and `jobs list` read the records database: no analysis, loader, warehouse or Alembic (the
    schema is current, so its check is one query), and a replaced supplier master is still restorable."""
    spend, master = tmp_path / "spend.csv", tmp_path / "suppliers.csv"
    for amount in (100, 200):  # the same file again, changed: the first version is replaced
        spend.write_text(f"Supplier Name,Amount,Payment Date\nAcme Ltd,{amount},25/05/2024\n")
        ingest_spend(workspace, spend, "Council")
    master.write_text("Supplier Name,Postcode\nAcme Ltd,SE6 4RU\n")
    ingest_suppliers(workspace, master, "Council")
    newer = tmp_path / "suppliers-march.csv"
    newer.write_text("Supplier Name,Postcode\nAcme Ltd,SE10 0AA\n")
    ingest_suppliers(workspace, newer, "Council")
    job = queue.submit(workspace, "refresh", requested_by="ops@example.org", org="council")
    where = ["--workspace", str(workspace.root)]

    output, heavy = _imported_by(["uploads", "list", "--org", "council", "--json", *where])
    assert heavy == ["sqlalchemy"], f"`anchorage uploads list` imported {heavy}"
    listed = [(u["kind"], u["file"], u["status"], u["restorable"]) for u in json.loads(output)]
    assert listed == [
        ("suppliers", "suppliers-march.csv", "loaded", False),
        ("suppliers", "suppliers.csv", "replaced", True),
        ("spend", "spend.csv", "loaded", False),
        ("spend", "spend.csv", "replaced", False),  # a new version of a spend file: not a snapshot
    ]

    output, heavy = _imported_by(["jobs", "list", *where])
    assert heavy == ["sqlalchemy"], f"`anchorage jobs list` imported {heavy}"
    assert job in output and "Working out the figures" in output
