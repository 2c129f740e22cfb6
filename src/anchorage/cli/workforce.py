"""Workforce commands: staff profile, apprenticeship rotations, levy pool, collective bids, HE partners."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from anchorage.cli.common import (
    JsonOpt,
    MappingOpt,
    OrgOpt,
    WorkspaceOpt,
    open_workspace,
    out,
    parse_date,
    print_json,
    run_ingest,
)
from anchorage.workforce.choices import HeBy

workforce_app = typer.Typer(
    help="Workforce: load staff extracts and see the anchor indicators (suppressed).",
    no_args_is_help=True,
)
apprenticeships_app = typer.Typer(
    help="Shared apprenticeships: programmes, host placements, rotations.", no_args_is_help=True
)
levy_app = typer.Typer(
    help="Levy pool: pay bills, commitments, transfers and the ledger.", no_args_is_help=True
)
bid_app = typer.Typer(
    help="Collective employment-programme bids, checked against a programme's rules (editable templates).",
    no_args_is_help=True,
)
he_app = typer.Typer(help="Higher-education partners register.", no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(help="CSV or XLSX file.")]
FileOrgOpt = Annotated[
    str | None,
    typer.Option(
        "--org",
        help="The anchor the file belongs to (replaces only its rows). Without it, the file names each "
        "row's anchor and replaces only the anchors it names.",
    ),
]


def _load(
    kind: str,
    file: Path,
    workspace: Path | None,
    org: str | None,
    mapping: Path | None,
    as_json: bool,
) -> None:
    """Every workforce file is an import kind on the one pipeline, loaded as a job; the same summary."""
    run_ingest(kind, file, org, workspace, mapping, as_json)


@workforce_app.command("import")
def workforce_import(
    file: Path,
    org: OrgOpt,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_at: Annotated[
        str | None, typer.Option(help="Date the extract describes (YYYY-MM-DD; default today).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Load an anchor's staff extract; home postcodes become LSOA and are then discarded."""
    run_ingest("workforce", file, org, workspace, mapping, as_json, as_at=parse_date(as_at))


@workforce_app.command("profile")
def workforce_profile(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """The anchor indicators per anchor and for the collaborative, with small numbers suppressed."""
    from anchorage.workforce.profile import workforce_profile as profile

    p = profile(open_workspace(workspace))
    if as_json:
        print_json(p.to_json())
        return
    grid = p.grid()
    t = Table(title=f"Workforce profile (counts under {p.threshold} hidden: *)")
    for col in grid.columns:
        t.add_column(str(col), justify="left" if col == "indicator" else "right")
    for row in grid.itertuples(index=False):
        t.add_row(*map(str, row))
    out.print(t)
    out.print(
        "London Living Wage used: "
        + ", ".join(f"{k} £{v:.2f} (extract as at {p.as_at[k]})" for k, v in p.living_wage.items())
    )


@apprenticeships_app.command("load-programmes")
def load_programmes(
    file: FileArg,
    org: FileOrgOpt = None,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Programmes: id, standard, level, duration_months, off_the_job_hours, start_date."""
    _load("programmes", file, workspace, org, mapping, as_json)


@apprenticeships_app.command("load-placements")
def load_placements(
    file: FileArg,
    org: FileOrgOpt = None,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Host placements: id, anchor, department, skill, capacity, location, prerequisites, open_from, open_until."""
    _load("placements", file, workspace, org, mapping, as_json)


@apprenticeships_app.command("load-apprentices")
def load_apprentices(
    file: FileArg,
    org: FileOrgOpt = None,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Apprentices: id, programme, employer, start_date, preferences, unavailable, pinned (2:PLACEMENT), status."""
    _load("apprentices", file, workspace, org, mapping, as_json)


@apprenticeships_app.command("solve")
def solve(
    workspace: WorkspaceOpt = None,
    months: Annotated[int, typer.Option(help="Months to plan.")] = 24,
    block_months: Annotated[int, typer.Option(help="Months in each placement block.")] = 6,
    time_limit: Annotated[float, typer.Option(help="Seconds the solver may take.")] = 60.0,
    replan: Annotated[
        bool,
        typer.Option(
            "--replan",
            help="Change the latest plan as little as possible (after a dropout or a withdrawn placement).",
        ),
    ] = False,
    changed_from: Annotated[
        str | None,
        typer.Option(
            help="With --replan: the month the change takes effect (YYYY-MM-01); blocks ended before it stay."
        ),
    ] = None,
    calendar: Annotated[
        Path | None, typer.Option(help="Also write the calendars to this XLSX file.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Plan the rotations on CP-SAT; reports the objective, gap and time, or the constraints in conflict."""
    from anchorage.services.common import command_viewer
    from anchorage.services.workforce import calendars_file
    from anchorage.workforce.apprenticeships import solve_and_save

    ws = open_workspace(workspace)
    result, plan_id = solve_and_save(
        ws,
        months=months,
        block_months=block_months,
        time_limit=time_limit,
        replan=replan,
        changed_from=parse_date(changed_from),
    )
    if calendar is not None and result.assignments:
        calendars_file(ws, command_viewer(ws), calendar, plan_id)
    if as_json:
        print_json({"plan_id": plan_id, **result.to_json()})
        return
    if result.status == "infeasible":
        out.print("[bold red]No plan meets every rule.[/] These constraints conflict:")
        for c in result.conflicts:
            out.print(f"  - {c}")
        raise SystemExit(1)
    if not result.assignments:
        out.print(f"No plan found: {'; '.join(result.conflicts)}")
        raise SystemExit(1)
    out.print(
        f"Plan {plan_id}: {result.status}, objective {result.objective:.0f} (bound {result.bound:.0f}, "
        f"gap {100 * (result.gap or 0):.1f}%), {result.seconds:.1f} s, {len(result.assignments)} blocks placed"
        + (
            f", {result.changes} changed from the previous plan"
            if result.changes is not None
            else ""
        )
    )
    if calendar is not None:
        out.print(f"Calendars written to {calendar}")


@apprenticeships_app.command("calendar")
def calendar_cmd(
    out_file: Annotated[Path, typer.Option("--out", help="XLSX file to write.")] = Path(
        "rotations.xlsx"
    ),
    workspace: WorkspaceOpt = None,
) -> None:
    """Write the latest plan as calendars per apprentice and per host placement (XLSX)."""
    from anchorage.services.common import command_viewer
    from anchorage.services.workforce import calendars_file

    ws = open_workspace(workspace)
    out.print(f"Calendars written to {calendars_file(ws, command_viewer(ws), out_file)}")


@levy_app.command("load-paybill")
def load_paybill(
    file: FileArg,
    org: FileOrgOpt = None,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Monthly pay bills: anchor, month, pay_bill, english_share (optional, default 1)."""
    _load("levy-paybill", file, workspace, org, mapping, as_json)


@levy_app.command("load-commitments")
def load_commitments(
    file: FileArg,
    org: FileOrgOpt = None,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Commitments: anchor, apprentice, start_month, duration_months, total_price, recipient, recipient_type."""
    _load("levy-commitments", file, workspace, org, mapping, as_json)


@levy_app.command("ledger")
def ledger(
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the ledger to XLSX or CSV.")
    ] = None,
    as_at: Annotated[
        str | None, typer.Option(help="Date for the expiry warnings (default today).")
    ] = None,
) -> None:
    """Funds in, payments, transfers, expiry and caps per anchor, month by month, with warnings."""
    from anchorage.services import workforce as wf
    from anchorage.services.common import command_viewer

    ws = open_workspace(workspace)
    viewer, day = command_viewer(ws), parse_date(as_at)
    if out_file is not None:
        wf.ledger_file(ws, viewer, out_file, day)
    levy = wf.levy(
        ws, viewer, day
    )  # ledger lines of the anchors you see; the totals of every anchor
    led = levy.ledger
    if as_json:
        print_json(led.to_json())
        return
    t = Table(title="Levy pool: each anchor's year")
    columns = ("funds in £", "spent £", "transferred £", "expired £", "closing £")
    for col in ("anchor", "tax year", *columns):
        t.add_column(col, justify="left" if col == "anchor" else "right")
    for row in levy.years.to_dict("records"):
        t.add_row(row["anchor"], row["tax year"], *(f"{row[c]:,.2f}" for c in columns))
    out.print(t)
    for w in led.warnings:
        out.print(f"[yellow]Warning:[/] {w.sentence()}")
    if out_file is not None:
        out.print(f"Ledger written to {out_file}")


@bid_app.command("load-pledges")
def load_pledges(
    file: FileArg,
    org: FileOrgOpt = None,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Pledges: employer, company/charity number, role, placements, hours, wage, duration, location, additionality."""
    _load("pledges", file, workspace, org, mapping, as_json)


@bid_app.command("load-starts")
def load_starts(
    file: FileArg,
    org: FileOrgOpt = None,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Starts and outcomes: employer, role, participant, start_date, outcome, outcome_date."""
    _load("starts", file, workspace, org, mapping, as_json)


@bid_app.command("build")
def bid_build(
    workspace: WorkspaceOpt = None,
    programme: Annotated[
        str | None,
        typer.Option(
            help="Programme rules to apply (default: one open today; "
            "see `anchorage bid programmes`)."
        ),
    ] = None,
    bid_date: Annotated[
        str | None, typer.Option(help="Date of the bid (YYYY-MM-DD; default the latest pledge).")
    ] = None,
    out_dir: Annotated[
        Path,
        typer.Option("--out", help="Folder for bid-pack.xlsx, bid-pack.html and bid-pack.pdf."),
    ] = Path("bid-pack"),
    as_json: JsonOpt = False,
) -> None:
    """Check every pledge, add up to the threshold and write the bid pack."""
    from anchorage.services import workforce as wf
    from anchorage.services.common import command_viewer

    ws = open_workspace(workspace)
    view, paths = wf.bid_packs(ws, command_viewer(ws), out_dir, programme, parse_date(bid_date))
    summary = view.summary
    if as_json:
        seen = {c.pledge_id for c in view.checks}  # others' pledges are their detail
        made = summary.to_json()
        made["pledges"] = [p for p in made["pledges"] if p["pledge_id"] in seen]
        print_json({**made, "files": {k: str(v) for k, v in paths.items()}})
        return
    out.print(summary.headline())
    for c in view.checks:
        if not c.eligible:
            out.print(f"  [yellow]not eligible:[/] {c.employer}, {c.role}: {'; '.join(c.reasons)}")
    out.print(f"Bid pack: {paths['xlsx']}, {paths['html']} and {paths['pdf']}")


@bid_app.command("programmes")
def bid_programmes(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """The programmes a bid can be checked against, whether each is open today, and where its rules live."""
    import datetime as dt

    from anchorage.workforce import programmes

    ws = open_workspace(workspace)
    progs, today = programmes.load_programmes(ws), dt.date.today()
    default = programmes.default_id(progs, today)
    rows = [
        {
            "id": p.id,
            "name": p.name,
            "status": programmes.status(p, today),
            "default": p.id == default,
            "open_from": p.open_from.isoformat(),
            "last_start": p.last_start.isoformat(),
            "editable_copy": (programmes.folder(ws) / f"{p.id}.toml").exists(),
        }
        for p in progs.values()
    ]
    if as_json:
        print_json({"programmes": rows})
        return
    t = Table(title="Employment programmes")
    for col in ("Id", "Name", "Status", "Rules"):
        t.add_column(col)
    for r in rows:
        t.add_row(
            f"{r['id']}{' (default)' if r['default'] else ''}",
            str(r["name"]),
            str(r["status"]),
            f"programmes/{r['id']}.toml in the workspace"
            if r["editable_copy"]
            else "shipped template",
        )
    out.print(t)
    out.print(
        "Make your own: anchorage bid new-programme NEW-ID --from ID, then edit the file it names."
    )


@bid_app.command("new-programme")
def bid_new_programme(
    new_id: Annotated[
        str, typer.Argument(help="Id for the new programme, like lewisham-placements.")
    ],
    from_id: Annotated[
        str, typer.Option("--from", help="The programme to copy.")
    ] = "local-paid-placements",
    workspace: WorkspaceOpt = None,
) -> None:
    """Copy a programme's rules into the workspace as a template to edit (ages, hours, wage floors, thresholds,
    grants, dates)."""
    from anchorage.services import workforce as wf
    from anchorage.services.common import command_viewer

    ws = open_workspace(workspace)
    path = wf.new_programme(ws, command_viewer(ws), new_id, from_id)
    out.print(
        f"Wrote programmes/{path.name} in the workspace: edit it, then `anchorage bid programmes` checks it."
    )


@he_app.command("load")
def he_load(
    file: FileArg,
    org: FileOrgOpt = None,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Engagements: anchor, partner, partner_type, kind, title, start_date, outcome, people."""
    _load("he-engagements", file, workspace, org, mapping, as_json)


@he_app.command("summary")
def he_summary(
    workspace: WorkspaceOpt = None,
    by: Annotated[HeBy, typer.Option(help="Group the engagements by this.")] = HeBy.anchor,
    as_json: JsonOpt = False,
) -> None:
    """Engagements by anchor, partner or outcome, by kind."""
    from anchorage.workforce.he_partners import engagement_summary

    frame = engagement_summary(open_workspace(workspace), by)
    if as_json:
        print_json(frame.to_dict(orient="records"))
        return
    t = Table(title=f"HE engagements by {by}")
    for col in frame.columns:
        t.add_column(str(col))
    for row in frame.itertuples(index=False):
        t.add_row(*["*" if v is None else str(v) for v in row])
    out.print(t)
