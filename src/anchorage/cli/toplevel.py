"""The workspace's own commands: `anchorage init`, `migrate`, `report` and `demo`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from anchorage import config as cfgmod
from anchorage.cli.common import EngineOpt, WorkspaceOpt, err, open_workspace, out, progress_bar


def init(
    workspace: WorkspaceOpt = None,
    name: Annotated[
        str, typer.Option(help="The collaborative's name.")
    ] = "Our anchor collaborative",
    local: Annotated[
        str, typer.Option(help="Comma-separated local-authority codes that count as local.")
    ] = "E09000012,E09000001",
    sub_region: Annotated[
        str, typer.Option(help="Comma-separated LAD codes of the sub-region.")
    ] = "",
    region: Annotated[
        str, typer.Option(help="ONS region code (E12000007 is London).")
    ] = "E12000007",
) -> None:
    """Create a workspace: config, DuckDB warehouse, records DB and a folder for raw files."""
    # SQLAlchemy, imported when a command runs: not for `anchorage init --help`
    from anchorage.workspace import Workspace, resolve

    codes = lambda s: [c.strip().upper() for c in s.split(",") if c.strip()]  # noqa: E731
    cfg = cfgmod.Config(
        collaborative=name,
        place=cfgmod.Place(local=codes(local), sub_region=codes(sub_region), region=region),
    )
    ws = Workspace.create(resolve(workspace), cfg)
    out.print(f"Created workspace {ws.root}. Next: anchorage org add NAME --type council")


def migrate(workspace: WorkspaceOpt = None) -> None:
    """Bring the workspace's warehouse and records database up to this version's schema (safe to repeat)."""
    from anchorage.workspace import Workspace, resolve

    ws = Workspace.open(resolve(workspace), migrate=False)
    done = ws.migrate()
    for line in done:
        out.print(line)
    if not done:
        out.print("The workspace is up to date; nothing to do.")


def report(
    workspace: WorkspaceOpt = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Folder to write the report into (default: report/ in the workspace)."
        ),
    ] = None,
    engine: EngineOpt = None,
) -> None:
    """Write the offline HTML report, an XLSX workbook and a CSV of every table."""
    from anchorage.procurement.run import analyse_workspace
    from anchorage.reports.build import build_report

    ws = open_workspace(workspace)
    paths = build_report(
        ws, out_dir or ws.root / "report", result=analyse_workspace(ws, engine=engine)
    )
    out.print(f"Report written: {paths['html']}")


def demo(
    workspace: Annotated[
        Path, typer.Option("--workspace", "-w", help="Where to build the demo workspace.")
    ] = Path("demo-workspace"),
    transactions: Annotated[
        int,
        typer.Option(
            help="How many payments to generate (the acute trust publishes only those over £25k, so fewer rows are written)."
        ),
    ] = 370_000,
    seed: Annotated[int, typer.Option(help="Random seed (the demo is deterministic).")] = 2026,
    serve: Annotated[
        bool | None,
        typer.Option(
            "--serve/--no-serve",
            help="Start the web workspace afterwards (default: ask when interactive).",
        ),
    ] = None,
) -> None:
    """Build the demo collaborative (5 anchors, 3 years of spend), analyse it, write the report and offer the web workspace."""
    from anchorage.access.demo_users import DEMO_PASSWORD, create_demo_users
    from anchorage.demo.run import run_demo

    with progress_bar() as progress:
        report_path = run_demo(
            workspace.resolve(),
            transactions=transactions,
            seed=seed,
            progress=progress,
            say=lambda m: err.print(m),
        )
    out.print(
        f"\nDemo report: {report_path}\nOpen it in a browser; the workspace is {workspace.resolve()}."
    )
    logins = create_demo_users(open_workspace(workspace))
    out.print(f"\nWeb workspace demo logins (password for all: {DEMO_PASSWORD}):")
    for email, role, org in logins:
        out.print(f"  {email:<58} {role}{f' at {org}' if org else ''}")
    if serve is None:
        serve = (
            sys.stdin.isatty()
            and not os.environ.get("CI")
            and typer.confirm(
                "Start the web workspace now at http://127.0.0.1:8000/ ?", default=True
            )
        )
    if serve:
        from anchorage.cli import web

        web.serve(workspace)
    else:
        out.print(f"Start the web workspace with: anchorage serve --workspace {workspace}")
