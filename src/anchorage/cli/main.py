"""`anchorage`: the command line. Each command parses arguments, calls the library and renders."""

from __future__ import annotations

import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from anchorage import config as cfgmod
from anchorage.cli import assets as assets_cli
from anchorage.cli import handoff, web
from anchorage.cli.common import (
    JsonOpt,
    MappingOpt,
    OrgOpt,
    WorkspaceOpt,
    err,
    open_workspace,
    out,
    print_json,
    progress_bar,
    run_ingest,
    show_summary,
)
from anchorage.cli.docs import docs_app
from anchorage.cli.jobs import jobs_app
from anchorage.cli.lake import EngineOpt, lake_app
from anchorage.cli.pipeline import pipeline_app
from anchorage.cli.reference import reference_app
from anchorage.cli.socialvalue import lm3_app, socialvalue_app
from anchorage.cli.suppliers import suppliers_app
from anchorage.cli.uploads import quarantine_app, uploads_app
from anchorage.cli.workforce import apprenticeships_app, bid_app, he_app, levy_app, workforce_app
from anchorage.config import AnchorType
from anchorage.core.errors import AnchorageError
from anchorage.core.values import DateOrder
from anchorage.workspace import Workspace, resolve

app = typer.Typer(
    help="Anchorage: where an anchor collaborative's spend, jobs and buildings go.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
org_app = typer.Typer(help="Anchors (the institutions in the collaborative).", no_args_is_help=True)
spend_app = typer.Typer(
    help="Spend: load payments and analyse where they go.", no_args_is_help=True
)
geo_app = typer.Typer(
    help="Reference geography: ONSPD/NSPL postcodes, IMD, area names, boundaries.",
    no_args_is_help=True,
)
app.add_typer(org_app, name="org")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(spend_app, name="spend")
app.add_typer(suppliers_app, name="suppliers")
app.add_typer(geo_app, name="geo")
app.add_typer(reference_app, name="reference")
app.add_typer(web.users_app, name="users")
app.add_typer(web.tokens_app, name="tokens")
app.command()(web.serve)
app.add_typer(workforce_app, name="workforce")
app.add_typer(apprenticeships_app, name="apprenticeships")
app.add_typer(levy_app, name="levy")
app.add_typer(bid_app, name="bid")
app.add_typer(he_app, name="he")
app.add_typer(assets_cli.assets_app, name="assets")
app.add_typer(assets_cli.spaces_app, name="spaces")
app.add_typer(socialvalue_app, name="socialvalue")
app.add_typer(lm3_app, name="lm3")
app.add_typer(pipeline_app, name="pipeline")
app.add_typer(lake_app, name="lake")
app.add_typer(uploads_app, name="uploads")
app.add_typer(docs_app, name="docs")
app.add_typer(jobs_app, name="jobs")


@app.command()
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
    codes = lambda s: [c.strip().upper() for c in s.split(",") if c.strip()]  # noqa: E731
    cfg = cfgmod.Config(
        collaborative=name,
        place=cfgmod.Place(local=codes(local), sub_region=codes(sub_region), region=region),
    )
    ws = Workspace.create(resolve(workspace), cfg)
    out.print(f"Created workspace {ws.root}. Next: anchorage org add NAME --type council")


@app.command()
def migrate(workspace: WorkspaceOpt = None) -> None:
    """Bring the workspace's warehouse and records database up to this version's schema (safe to repeat)."""
    ws = Workspace.open(resolve(workspace), migrate=False)
    done = ws.migrate()
    for line in done:
        out.print(line)
    if not done:
        out.print("The workspace is up to date; nothing to do.")


@org_app.command("add")
def org_add(
    name: str,
    type_: Annotated[
        AnchorType, typer.Option("--type", help="The kind of anchor.")
    ] = AnchorType.other,
    workspace: WorkspaceOpt = None,
) -> None:
    """Add an anchor to the collaborative."""
    ws = open_workspace(workspace)
    anchor = ws.config.add_anchor(name, type_.value)
    ws.save_config()
    out.print(f'Added {anchor.type} "{anchor.name}" (slug {anchor.slug}).')


@org_app.command("list")
def org_list(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """List the anchors."""
    ws = open_workspace(workspace)
    rows = [{"name": a.name, "slug": a.slug, "type": a.type} for a in ws.config.anchors]
    if as_json:
        print_json(rows)
    else:
        for r in rows:
            out.print(f"{r['slug']:<40} {r['type']:<22} {r['name']}")


@spend_app.command("ingest")
def spend_ingest(
    file: Path,
    org: OrgOpt,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
    date_order: Annotated[
        DateOrder | None,
        typer.Option(
            "--date-order",
            help="How to read dates like 03/04/2024 when the file's values cannot tell: dmy (day "
            "first, UK) or mdy (month first, US).",
        ),
    ] = None,
    accept_warnings: Annotated[
        bool,
        typer.Option(
            "--accept-warnings",
            help="Load even if the sanity checks warn (another body's file, far-off or "
            "future dates, a period already loaded, totals that disagree).",
        ),
    ] = False,
) -> None:
    """Load a spend file (CSV, XLSX, XLS, ODS) for an anchor: all-or-nothing, and safe to repeat."""
    run_ingest(
        "spend",
        file,
        org,
        workspace,
        mapping,
        as_json,
        date_order=date_order.value if date_order else None,
        accept_warnings=accept_warnings,
    )


@spend_app.command("check")
def spend_check(
    file: Path,
    org: OrgOpt,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
    date_order: Annotated[
        DateOrder | None,
        typer.Option(
            "--date-order",
            help="How to read dates like 03/04/2024 when the file's values cannot tell.",
        ),
    ] = None,
) -> None:
    """Run every check a load would make (another body, far or future dates, overlap, totals) and load nothing."""
    from anchorage.ingest.spend import check_spend

    warnings = check_spend(
        open_workspace(workspace),
        file,
        org,
        mapping_file=mapping,
        date_order=date_order.value if date_order else None,
    )
    if as_json:
        print_json({"file": file.name, "warnings": warnings})
    elif warnings:
        out.print(f"{file.name}: {len(warnings)} check(s) need a look (nothing was loaded):")
        for w in warnings:
            out.print(f"  - {w}")
    else:
        out.print(f"{file.name}: no warnings (nothing was loaded).")


@spend_app.command("quarantine")
def spend_quarantine(
    workspace: WorkspaceOpt = None,
    org: Annotated[str | None, typer.Option(help="Only this anchor.")] = None,
    out_file: Annotated[Path, typer.Option("--out", help="CSV or XLSX file to write.")] = Path(
        "quarantine.csv"
    ),
) -> None:
    """Export every quarantined row with its file, row, column and reason."""
    from anchorage.ingest.quarantine import export_quarantine

    n = export_quarantine(open_workspace(workspace), out_file, org)
    out.print(f"Wrote {n:,} quarantined rows to {out_file}")


@spend_app.command("analyse")
def spend_analyse(
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    org: Annotated[list[str] | None, typer.Option(help="Only these anchors (repeatable).")] = None,
    min_amount: Annotated[
        float | None, typer.Option(help="Ignore payments below this £ amount.")
    ] = None,
    top_n: Annotated[
        int | None, typer.Option(help="Only each anchor's top N suppliers (CLES uses 300).")
    ] = None,
    no_exclusions: Annotated[
        bool, typer.Option("--no-exclusions", help="Keep non-procurement payments in.")
    ] = False,
    engine: EngineOpt = None,
) -> None:
    """Where the spend goes: tiers, deprivation, SME/VCSE, categories, leakage, trend."""
    from anchorage.procurement.enrich import AnalysisOptions
    from anchorage.procurement.run import analyse_workspace

    opts = AnalysisOptions(
        orgs=org or None,
        min_amount=Decimal(str(min_amount)) if min_amount is not None else None,
        top_n=top_n,
        apply_exclusions=not no_exclusions,
    )
    result = analyse_workspace(open_workspace(workspace), opts, engine=engine)
    if as_json:
        print_json(result.to_json())
        return
    from anchorage.cli.render import render_analysis

    render_analysis(result)


@suppliers_app.command("ingest")
def suppliers_ingest(
    file: Path,
    org: OrgOpt,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load an anchor's supplier master (name, id, postcode, company/charity/VAT number, SME/VCSE)."""
    run_ingest("suppliers", file, org, workspace, mapping, as_json)


@geo_app.command("import")
def geo_import(files: list[Path], workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Import ONSPD/NSPL (files, folders or the zip), IMD, area names or GeoJSON boundaries."""
    from anchorage.reference.load import import_reference

    ws = open_workspace(workspace)
    summaries = import_reference(ws, files)
    if as_json:
        print_json(
            [s.to_json() for s in summaries] if len(summaries) > 1 else summaries[0].to_json()
        )
    else:
        for s in summaries:
            show_summary(s, False)


@app.command()
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


@app.command()
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
        web.serve(workspace)
    else:
        out.print(f"Start the web workspace with: anchorage serve --workspace {workspace}")


def run(argv: list[str]) -> int:
    """Run one command in this process; turn library errors into plain sentences, never a traceback."""
    try:
        app(args=argv, prog_name="anchorage", standalone_mode=False)
        return 0
    except AnchorageError as exc:
        err.print(f"[bold red]Error:[/] {escape(exc.message)}", highlight=False)
        if exc.fix:
            err.print(f"[bold]Fix:[/] {escape(exc.fix)}", highlight=False)
        return 1
    except (typer.Abort, KeyboardInterrupt):
        err.print("Stopped.")
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    except Exception as exc:  # the last line of defence: still a sentence, not a traceback
        if hasattr(exc, "show") and isinstance(
            getattr(exc, "exit_code", None), int
        ):  # a usage error
            exc.show()
            return int(getattr(exc, "exit_code"))  # noqa: B009
        if os.environ.get("ANCHORAGE_DEBUG"):
            raise
        err.print(f"[bold red]Unexpected error:[/] {type(exc).__name__}: {exc}", highlight=False)
        err.print(
            "This is a bug in Anchorage. Run again with ANCHORAGE_DEBUG=1 to see the details, and report it."
        )
        return 2


handoff.set_runner(run)


def main() -> None:
    """The `anchorage` program: a command runs on the workspace's web server when one owns it, else here."""
    argv = sys.argv[1:]
    code = handoff.forward(argv)
    sys.exit(run(argv) if code is None else code)


if __name__ == "__main__":
    main()
