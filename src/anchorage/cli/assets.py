"""`anchorage assets …` and `anchorage spaces …`: thin commands over anchorage.assets."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from anchorage.assets.choices import Decision, SpaceAction, Terms, TransferStatus
from anchorage.cli.common import (
    JsonOpt,
    MappingOpt,
    OrgOpt,
    WorkspaceOpt,
    open_workspace,
    out,
    parse_date,
    print_json,
    print_rows,
    run_ingest,
    show_summary,
)

assets_app = typer.Typer(
    help="Assets: the anchors' land and buildings, their use, reviews, ACV and transfers.",
    no_args_is_help=True,
)
spaces_app = typer.Typer(
    help="Community spaces: anchors' spaces, groups' needs, matches and bookings.",
    no_args_is_help=True,
)
DateOpt = Annotated[str, typer.Option("--on", help="Date, YYYY-MM-DD.")]


@assets_app.command("import")
def assets_import(
    file: Path,
    org: OrgOpt,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load an anchor's land and buildings register (Transparency Code, ERIC or any layout with --mapping)."""
    run_ingest("assets", file, org, workspace, mapping, as_json)


@assets_app.command("utilisation")
def assets_utilisation(
    file: Path,
    org: OrgOpt,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load an occupancy survey: occupied floor area, hours used a week, vacancy, surplus."""
    run_ingest("utilisation", file, org, workspace, mapping, as_json)


@assets_app.command("occupancy")
def assets_occupancy(
    asset_key: str,
    org: OrgOpt,
    period: Annotated[str, typer.Option(help="e.g. 2024-25")],
    workspace: WorkspaceOpt = None,
    occupied_m2: Annotated[float | None, typer.Option(help="Occupied floor area, m².")] = None,
    hours: Annotated[float | None, typer.Option(help="Hours used per week.")] = None,
    vacancy: Annotated[float | None, typer.Option(help="% vacant.")] = None,
    surplus: Annotated[bool | None, typer.Option("--surplus/--not-surplus")] = None,
) -> None:
    """Enter one asset's occupancy by hand."""
    from anchorage.services import assets
    from anchorage.services.common import command_viewer

    ws = open_workspace(workspace)
    assets.record_occupancy(
        ws,
        command_viewer(ws),
        org,
        asset_key,
        period=period,
        occupied_floor_m2=occupied_m2,
        hours_per_week=hours,
        vacancy_pct=vacancy,
        surplus=surplus,
    )
    out.print(f"Recorded occupancy of {asset_key} for {period}.")


@assets_app.command("review")
def assets_review(
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    org: Annotated[str | None, typer.Option(help="Only this anchor.")] = None,
    min_utilisation: Annotated[
        float, typer.Option(help="Flag below this share of floor area used (0-1).")
    ] = 0.6,
    min_hours: Annotated[float, typer.Option(help="Flag below these hours used a week.")] = 25.0,
    max_vacancy: Annotated[float, typer.Option(help="Flag above this % vacant.")] = 20.0,
    max_cost_per_m2: Annotated[
        float, typer.Option(help="Flag above this £ running cost per m² a year.")
    ] = 250.0,
    no_surplus: Annotated[
        bool, typer.Option("--no-surplus", help="Do not flag surplus assets.")
    ] = False,
) -> None:
    """The underused asset review: every asset breaking a rule, with reasons and the latest decision."""
    from anchorage.assets.review import ReviewRules, review_assets

    rules = ReviewRules(min_utilisation, min_hours, max_vacancy, max_cost_per_m2, not no_surplus)
    result = review_assets(open_workspace(workspace), rules, org=org)
    if as_json:
        print_json(result.to_json())
        return
    rows = [{**asdict(i), "reasons": "; ".join(i.reasons)} for i in result.items]
    print_rows(
        f"Underused asset review: {len(result.items):,} of {result.assets_checked:,} assets flagged",
        rows,
        ["org", "asset_key", "name", "reasons", "decision"],
    )
    out.print(
        "Record a decision with: anchorage assets decide ASSET_KEY --org ORG --decision retain|share|..."
    )


@assets_app.command("decide")
def assets_decide(
    asset_key: str,
    org: OrgOpt,
    decision: Annotated[Decision, typer.Option(help="The decision.")],
    workspace: WorkspaceOpt = None,
    note: str = "",
    by: str = "",
) -> None:
    """Record a review decision on an asset (kept across reviews; audited, as ANCHORAGE_AS's user if set)."""
    from anchorage.services import assets
    from anchorage.services.common import command_viewer

    ws = open_workspace(workspace)
    assets.decide(ws, command_viewer(ws, by), org, asset_key, decision.value, note=note)
    out.print(f"Recorded: {asset_key} → {decision.value}.")


@assets_app.command("duplicates")
def assets_duplicates(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """UPRNs that appear in more than one record (across anchors or within one register)."""
    from anchorage.assets.dedupe import uprn_duplicates

    with open_workspace(workspace).warehouse(read_only=True) as con:
        rows = uprn_duplicates(con).to_dict("records")
    if as_json:
        print_json(rows)
    else:
        print_rows(
            f"{len(rows):,} UPRNs held more than once",
            rows,
            ["uprn", "held_by", "records", "names", "tenures"],
        )


@assets_app.command("colocate")
def assets_colocate(
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    distance: Annotated[float, typer.Option(help="Metres between assets.")] = 250.0,
) -> None:
    """Co-location candidates: assets of different anchors within a distance of each other."""
    from anchorage.assets.colocation import colocation_candidates

    with open_workspace(workspace).warehouse(read_only=True) as con:
        rows = colocation_candidates(con, distance).to_dict("records")
    if as_json:
        print_json(rows)
    else:
        print_rows(
            f"{len(rows):,} pairs within {distance:g} m",
            rows[:200],
            ["org_a", "name_a", "org_b", "name_b", "distance_m"],
        )


@assets_app.command("report")
def assets_report(
    workspace: WorkspaceOpt = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write into (default: report/ in the workspace)."),
    ] = None,
) -> None:
    """Write the offline assets report (map with filters, review, co-location, matches, ACV) as HTML."""
    from anchorage.reports.assets_report import build_assets_report

    ws = open_workspace(workspace)
    path = build_assets_report(ws, out_dir or ws.root / "report")
    out.print(f"Assets report written: {path}")


def _acv(workspace: Path | None, action: str, **values: str) -> Any:
    """One change to the ACV list through the assets service (a council's admin or analyst; audited)."""
    from anchorage.services import assets
    from anchorage.services.common import command_viewer

    ws = open_workspace(workspace)
    return assets.acv_action(ws, command_viewer(ws), action, values)


@assets_app.command("acv-nominate")
def acv_nominate(
    name: str,
    by: Annotated[str, typer.Option(help="Who nominated it.")],
    on: DateOpt,
    workspace: WorkspaceOpt = None,
    address: str = "",
) -> None:
    """Record a nomination of an Asset of Community Value (decision due in 8 weeks)."""
    row = _acv(
        workspace,
        "nominate",
        name=name,
        nominated_by=by,
        nominated_on=parse_date(on).isoformat(),
        address=address,
    )
    out.print(f"Nomination {row.id} recorded; decision due {row.decision_due:%d %B %Y}.")


@assets_app.command("acv-decide")
def acv_decide(
    acv_id: str,
    on: DateOpt,
    listed: Annotated[bool, typer.Option("--listed/--unsuccessful")],
    workspace: WorkspaceOpt = None,
) -> None:
    """List a nominated asset for 5 years, or record the nomination as unsuccessful."""
    row = _acv(
        workspace,
        "decide",
        acv_id=acv_id,
        listed="yes" if listed else "no",
        decided_on=parse_date(on).isoformat(),
    )
    out.print(
        f"ACV {row.id} {row.status}"
        + (f" until {row.expires_on:%d %B %Y}." if row.expires_on else ".")
    )


@assets_app.command("acv-disposal")
def acv_disposal(acv_id: str, on: DateOpt, workspace: WorkspaceOpt = None) -> None:
    """Record an owner's notice of intended disposal; prints the moratorium dates."""
    n = _acv(workspace, "notice", acv_id=acv_id, notified_on=parse_date(on).isoformat())
    out.print(
        f"Notice {n.id}: interim moratorium to {n.interim_ends:%d %B %Y}; protected period to "
        f"{n.protected_ends:%d %B %Y}. A community group's intent to bid by then extends it to 6 months."
    )


@assets_app.command("acv-intent")
def acv_intent(
    notice_id: str,
    group: Annotated[str, typer.Option(help="The community interest group.")],
    on: DateOpt,
    workspace: WorkspaceOpt = None,
) -> None:
    """Record a community group's intent to bid (extends the moratorium to 6 months)."""
    n = _acv(workspace, "bid", notice_id=notice_id, group=group, on=parse_date(on).isoformat())
    out.print(f"Full moratorium to {n.full_ends:%d %B %Y}.")


@assets_app.command("acv-list")
def acv_list(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Nominations and listings with their expiry and moratorium dates."""
    from anchorage.assets.community import acv_register

    rows = [asdict(r) for r in acv_register(open_workspace(workspace))]
    if as_json:
        print_json(rows)
    else:
        print_rows(
            "Assets of Community Value",
            rows,
            ["id", "name", "status", "expires_on", "moratorium_ends", "note"],
        )


@assets_app.command("transfer")
def transfer(
    asset_key: str,
    org: OrgOpt,
    to: Annotated[str, typer.Option("--to", help="Receiving organisation.")],
    terms: Annotated[Terms, typer.Option(help="The terms of the transfer.")],
    workspace: WorkspaceOpt = None,
) -> None:
    """Propose a community asset transfer (an admin or analyst of the anchor; audited, as ANCHORAGE_AS's user if set)."""
    from anchorage.services import assets
    from anchorage.services.common import command_viewer

    ws = open_workspace(workspace)
    row = assets.transfer_action(
        ws,
        command_viewer(ws),
        {"org": org, "asset_key": asset_key, "recipient": to, "terms": terms.value},
    )
    out.print(f"Transfer {row.id} proposed.")


@assets_app.command("transfer-status")
def transfer_status(
    transfer_id: str,
    status: Annotated[TransferStatus, typer.Argument(help="The next status.")],
    workspace: WorkspaceOpt = None,
    note: str = "",
) -> None:
    """Move a transfer on to its next status."""
    from anchorage.services import assets
    from anchorage.services.common import command_viewer

    ws = open_workspace(workspace)
    assets.transfer_action(
        ws, command_viewer(ws), {"transfer_id": transfer_id, "status": status.value, "note": note}
    )
    out.print(f"Transfer {transfer_id} is now {status.value}.")


@spaces_app.command("load")
def spaces_load(
    file: Path,
    org: OrgOpt,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load an anchor's spaces (name, capacity, times, facilities, accessibility, cost, postcode)."""
    from anchorage.assets.loaders import load_spaces

    show_summary(load_spaces(open_workspace(workspace), file, org, mapping_file=mapping), as_json)


@spaces_app.command("needs")
def spaces_needs(
    file: Path,
    org: OrgOpt,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load community needs gathered by an anchor's staff (group, activity, size, times, area, budget)."""
    from anchorage.assets.loaders import load_needs

    show_summary(load_needs(open_workspace(workspace), file, org, mapping_file=mapping), as_json)


@spaces_app.command("match")
def spaces_match(
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    top: Annotated[int, typer.Option(help="Spaces to suggest per need.")] = 5,
) -> None:
    """Ranked spaces for every published need, with reasons (distance, fit, accessibility, cost)."""
    from anchorage.assets.matching import match_needs, matches_json

    matches = match_needs(open_workspace(workspace), top=top)
    if as_json:
        print_json(matches_json(matches))
    else:
        print_rows(
            f"{len(matches):,} suggested matches",
            matches_json(matches),
            ["need_id", "rank", "space", "org", "score", "reasons"],
        )


@spaces_app.command("request")
def spaces_request(
    need_id: str, space_id: str, workspace: WorkspaceOpt = None, message: str = ""
) -> None:
    """A group requests a space for its need (the anchor is notified)."""
    from anchorage.assets.workflow import request_space

    req = request_space(open_workspace(workspace), need_id, space_id, message)
    out.print(f"Request {req.id}: {req.status}.")


@spaces_app.command("respond")
def spaces_respond(
    request_id: str,
    action: Annotated[
        SpaceAction,
        typer.Argument(
            help="The anchor offers, declines or cancels; the group accepts or withdraws."
        ),
    ],
    by: Annotated[str, typer.Option(help='"group", or the anchor\'s slug')],
    workspace: WorkspaceOpt = None,
    note: str = "",
) -> None:
    """Move a space request on: the anchor offers or declines, the group accepts (booking) or withdraws."""
    from anchorage.assets.workflow import change_request

    req = change_request(open_workspace(workspace), request_id, action.value, by=by, note=note)
    out.print(f"Request {req.id}: {req.status}.")
