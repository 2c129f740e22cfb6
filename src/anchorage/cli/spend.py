"""`anchorage org|spend|geo ...`: the anchors, their spend files and its analysis, and reference geography."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from anchorage.cli.common import (
    EngineOpt,
    JsonOpt,
    MappingOpt,
    OrgOpt,
    WorkspaceOpt,
    open_workspace,
    out,
    print_json,
    run_ingest,
    show_summary,
)
from anchorage.config import AnchorType
from anchorage.core.values import DateOrder

org_app = typer.Typer(help="Anchors (the institutions in the collaborative).", no_args_is_help=True)
spend_app = typer.Typer(
    help="Spend: load payments and analyse where they go.", no_args_is_help=True
)
geo_app = typer.Typer(
    help="Reference geography: ONSPD/NSPL postcodes, IMD, area names, boundaries.",
    no_args_is_help=True,
)


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
