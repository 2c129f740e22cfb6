"""`anchorage pipeline …`: thin commands over anchorage.contracts (imports, the pipeline, the finder)."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from anchorage.cli.common import (
    JsonOpt,
    MappingOpt,
    WorkspaceOpt,
    open_workspace,
    out,
    parse_date,
    print_json,
    run_ingest,
)
from anchorage.contracts.categories import CpvLevel
from anchorage.contracts.choices import Grouping
from anchorage.core.errors import AnchorageError

pipeline_app = typer.Typer(
    help="Contracts and the pipeline: registers, OCDS, and contracts to buy together.",
    no_args_is_help=True,
)
WindowOpt = Annotated[
    int, typer.Option("--window-months", help="End dates within this many months of each other.")
]
LevelOpt = Annotated[CpvLevel, typer.Option("--cpv-level", help="How finely to group by CPV code.")]
GroupingOpt = Annotated[
    Grouping, typer.Option("--grouping", help="mapped (shared categories, else CPV) or cpv.")
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Leave out contracts re-procured before this date (YYYY-MM-DD; default today).",
    ),
]


BuyerOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--buyer",
        help='OCDS: confirm whose a buyer is, "Buyer name or id=anchor" (or "=public" for a buyer that is '
        "not an anchor); repeat for each buyer.",
    ),
]
AreaOrgOpt = Annotated[
    str | None,
    typer.Option(
        "--org",
        help="The anchor the file belongs to (name or slug); leave out for an area's OCDS file, whose "
        "releases are filed by buyer.",
    ),
]


@pipeline_app.command("import")
def pipeline_import(
    file: Path,
    org: AreaOrgOpt = None,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    buyer: BuyerOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load a contract register (CSV/XLSX) or an OCDS file (package, record, release or JSON lines)."""
    run_ingest("contracts", file, org or None, workspace, mapping, as_json, buyers=buyer or None)


@pipeline_app.command("buyers")
def pipeline_buyers(
    file: Path,
    org: AreaOrgOpt = None,
    workspace: WorkspaceOpt = None,
    buyer: BuyerOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Before loading an OCDS file: the buyers it names and where each one's releases would go."""
    from anchorage.contracts.ocds_load import preview_buyers

    rows = preview_buyers(open_workspace(workspace), file, org, buyer)
    if as_json:
        print_json(rows)
        return
    t = Table(title=f"Buyers in {file.name}")
    for head in (
        "buyer",
        "identifiers",
        "releases",
        "£ (as the releases state it)",
        "goes to",
        "because",
    ):
        t.add_column(head)
    for r in rows:
        t.add_row(
            r["buyer"],
            ", ".join(r["identifiers"]),
            f"{r['releases']:,}",
            f"{r['amount']:,.2f}",
            r["goes_to"],
            r["how"],
        )
    out.print(t)
    out.print(
        'Confirm a buyer with --buyer "Buyer name=anchor" (or "=public"), then load with: anchorage pipeline '
        "import FILE"
    )


@pipeline_app.command("show")
def pipeline_show(
    workspace: WorkspaceOpt = None,
    org: Annotated[list[str] | None, typer.Option("--org", help="Only these anchors.")] = None,
    cpv: Annotated[str | None, typer.Option("--cpv", help="CPV code prefix, e.g. 555.")] = None,
    category: Annotated[
        str | None, typer.Option("--category", help="Anchor category text.")
    ] = None,
    min_value: Annotated[float | None, typer.Option("--min-value")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The pipeline: contracts by quarter of re-procurement, soonest first."""
    from anchorage.contracts.pipeline import PipelineFilter, pipeline_rows
    from anchorage.contracts.timeline import by_quarter

    ws = open_workspace(workspace)
    orgs = [ws.config.anchor(o).slug for o in org] if org else None
    rows = pipeline_rows(
        ws,
        PipelineFilter(
            orgs=orgs,
            cpv_prefix=cpv,
            category=category,
            min_value=Decimal(str(min_value)) if min_value is not None else None,
        ),
    )
    quarters = by_quarter(rows)
    if as_json:
        print_json({"quarters": [asdict(q) for q in quarters], "contracts": rows})
        return
    t = Table(title=f"Pipeline: {len(rows):,} contracts")
    for c in ("quarter", "anchor", "contracts", "value"):
        t.add_column(c, justify="right" if c in ("contracts", "value") else "left")
    for q in quarters:
        t.add_row(q.quarter, q.org, f"{q.contracts:,}", f"£{q.value:,.0f}")
    out.print(t)


@pipeline_app.command("opportunities")
def pipeline_opportunities(
    workspace: WorkspaceOpt = None,
    window_months: WindowOpt = 18,
    grouping: GroupingOpt = Grouping.mapped,
    cpv_level: LevelOpt = CpvLevel.group,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The collaboration finder: contracts of 2+ anchors in one category ending within the window, ranked."""
    from anchorage.contracts.finder import FinderOptions, find_opportunities

    ws = open_workspace(workspace)
    found = find_opportunities(
        ws,
        FinderOptions(
            window_months=window_months,
            grouping=grouping,
            cpv_level=cpv_level,
            as_of=parse_date(as_of),
        ),
    )
    if as_json:
        print_json({"window_months": window_months, "opportunities": [o.to_json() for o in found]})
        return
    if not found:
        out.print(
            "No opportunities: no category has contracts of two or more anchors ending within "
            f"{window_months} months of each other."
        )
    for o in found:
        out.print(f"[bold]{o.rank}. {o.category}[/] [dim](id {o.id})[/]\n   {o.explanation}")


@pipeline_app.command("brief")
def pipeline_brief(
    opportunity: Annotated[str, typer.Argument(help="The opportunity's id or rank.")],
    out_file: Annotated[Path, typer.Option("--out", help="File to write: .html, .pdf or .xlsx.")],
    workspace: WorkspaceOpt = None,
    window_months: WindowOpt = 18,
    grouping: GroupingOpt = Grouping.mapped,
    cpv_level: LevelOpt = CpvLevel.group,
    as_of: AsOfOpt = None,
) -> None:
    """Export an opportunity brief (HTML, PDF or XLSX, by the --out file's extension)."""
    from anchorage.contracts.finder import FinderOptions, find_opportunities
    from anchorage.reports.pipeline_out import BRIEF_FORMATS, write_brief

    fmt = out_file.suffix.lower().lstrip(".")
    if fmt not in BRIEF_FORMATS:
        raise AnchorageError(
            f"{out_file}: a brief is written as .html, .pdf or .xlsx.", fix="Change --out."
        )
    ws = open_workspace(workspace)
    found = find_opportunities(
        ws,
        FinderOptions(
            window_months=window_months,
            grouping=grouping,
            cpv_level=cpv_level,
            as_of=parse_date(as_of),
        ),
    )
    match = [o for o in found if o.id == opportunity or str(o.rank) == opportunity]
    if not match:
        raise AnchorageError(
            f'There is no opportunity "{opportunity}" (there are {len(found)}).',
            fix="List them with: anchorage pipeline opportunities",
        )
    path = write_brief(
        match[0],
        out_file,
        fmt,
        collaborative=ws.config.collaborative,
        anchors={a.slug: a.name for a in ws.config.anchors},
    )
    out.print(f"Wrote {path}")
