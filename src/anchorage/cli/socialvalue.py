"""`anchorage socialvalue …` and `anchorage lm3 …`: thin commands over anchorage.socialvalue."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

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
)
from anchorage.core.errors import AnchorageError

socialvalue_app = typer.Typer(
    help="Social value: the measures framework, suppliers' commitments and delivery.",
    no_args_is_help=True,
)
lm3_app = typer.Typer(
    help="Local multiplier (LM3): supplier re-spend surveys and the what-if simulator.",
    no_args_is_help=True,
)


@socialvalue_app.command("framework")
def framework(
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    init: Annotated[
        bool,
        typer.Option(
            "--init",
            help="Copy the default framework into the workspace (socialvalue.toml) to edit it.",
        ),
    ] = False,
) -> None:
    """Show the measures framework: themes, outcomes, measures, units, £ proxies and their sources."""
    from anchorage.socialvalue.framework import init_framework, load_framework

    ws = open_workspace(workspace)
    if init:
        out.print(
            f"Wrote {init_framework(ws)}; edit it and check it with `anchorage socialvalue framework`."
        )
        return
    fw = load_framework(ws)
    if as_json:
        print_json(
            {
                "name": fw.name,
                "version": fw.version,
                "path": fw.path,
                "behind_threshold": fw.behind_threshold,
                "lm3": {
                    "staff_local_respend": fw.staff_local_respend,
                    "supplier_local_respend": fw.supplier_local_respend,
                },
                "measures": fw.rows(),
            }
        )
        return
    print_rows(
        f"{fw.name} {fw.version} ({fw.path})",
        fw.rows(),
        ["theme", "outcome", "measure_id", "unit", "proxy", "source", "year"],
    )


@socialvalue_app.command("import-commitments")
def import_commitments(
    file: Path,
    org: OrgOpt,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load suppliers' social value commitments: contract, supplier, measure, quantity, contract start and end."""
    run_ingest("sv_commitments", file, org, workspace, mapping, as_json)


@socialvalue_app.command("import-delivery")
def import_delivery(
    file: Path,
    org: OrgOpt,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load a delivery report: contract, supplier, measure, quantity delivered and period end."""
    run_ingest("sv_delivery", file, org, workspace, mapping, as_json)


@socialvalue_app.command("status")
def status(
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default today).")
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            help="Behind below this share of pro-rata delivery (0-1; default from the framework)."
        ),
    ] = None,
) -> None:
    """Committed vs delivered (units and £ proxy) by anchor and theme, and the contracts that are behind."""
    from anchorage.socialvalue.status import social_value_status

    when = parse_date(as_of)
    if threshold is not None and not 0 <= threshold <= 1:
        raise AnchorageError(
            f"A threshold of {threshold:g} is not a share.",
            fix="Give a number from 0 to 1, e.g. 0.8.",
        )
    st = social_value_status(open_workspace(workspace), when, threshold)
    if as_json:
        print_json(st.to_json())
        return
    if st.empty:
        out.print(
            "No commitments loaded yet. Load some with: anchorage socialvalue import-commitments FILE --org A"
        )
        return
    cols = ["org", "committed_value", "expected_value", "delivered_value", "delivered_pct"]
    print_rows(
        f"Social value on {st.as_of:%d %B %Y} (£ proxy)",
        st.tables["anchors"].to_dict("records"),
        cols,
    )
    print_rows(
        "By theme (£ proxy)", st.tables["themes"].to_dict("records"), ["org", "theme", *cols[1:]]
    )
    rows = [{**b, "reasons": "; ".join(b["reasons"])} for b in st.behind]
    print_rows(
        f"Behind: {len(rows)} contract(s) below {st.threshold:.0%} of pro-rata delivery",
        rows,
        ["org", "contract_ref", "supplier", "pro_rata_pct", "reasons"],
    )
    for note in st.notes:
        out.print(f"note: {note}")


@lm3_app.command("import")
def lm3_import(
    file: Path,
    org: OrgOpt,
    workspace: WorkspaceOpt = None,
    mapping: MappingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load supplier re-spend survey answers: supplier, income from the anchor and four percentages."""
    run_ingest("lm3", file, org, workspace, mapping, as_json)


@lm3_app.command("results")
def lm3_results(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """LM3 = (round 1 + round 2 + round 3) / round 1, per anchor and for the collaborative."""
    from anchorage.socialvalue.lm3 import lm3_results as results

    res = results(open_workspace(workspace))
    if as_json:
        print_json(res.to_json())
        return
    print_rows(
        "Local multiplier (LM3)",
        res.table.to_dict("records"),
        ["org", "responses", "round1", "round2", "round3", "lm3"],
    )
    out.print(
        f"Round 3 assumes local staff re-spend {res.staff_local_respend:.0%} and local suppliers "
        f"{res.supplier_local_respend:.0%} locally (the framework's lm3 section)."
    )


@lm3_app.command("link")
def lm3_link(
    supplier: str,
    org: OrgOpt,
    workspace: WorkspaceOpt = None,
    spend: Annotated[
        float | None, typer.Option(help="The anchor's spend with the supplier (£).")
    ] = None,
    year: Annotated[int | None, typer.Option(help="The year the survey covers.")] = None,
    base_url: Annotated[
        str, typer.Option(help="The web workspace's address.")
    ] = "http://127.0.0.1:8000",
    by: Annotated[str, typer.Option(help="Who issues it (for the record).")] = "command line",
) -> None:
    """Issue a one-time survey link for a supplier (it works once and expires after 30 days)."""
    from anchorage.services import socialvalue
    from anchorage.services.common import command_viewer

    ws = open_workspace(workspace)
    issued = socialvalue.issue_survey_link(
        ws,
        command_viewer(ws, by),
        org,
        supplier,
        income=Decimal(str(spend)) if spend is not None else None,
        year=year,
    )
    out.print(f"{base_url.rstrip('/')}/survey/{issued.token}  (until {issued.expires_at:%d %B %Y})")


@lm3_app.command("simulate")
def lm3_simulate(
    category: Annotated[str, typer.Option(help="The spend category, as in the analysis.")],
    shift: Annotated[
        float, typer.Option(help="% of the category's non-local spend to move local.")
    ],
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    org: Annotated[
        str | None, typer.Option(help="One anchor (default: the collaborative).")
    ] = None,
    lm3: Annotated[float | None, typer.Option(help="Use this LM3 instead of the survey's.")] = None,
) -> None:
    """What-if: move X% of a category's non-local spend to local suppliers (an estimate, with assumptions)."""
    from anchorage.socialvalue.simulator import simulate_workspace

    sim = simulate_workspace(
        open_workspace(workspace), category=category, shift_pct=shift, org=org, lm3_override=lm3
    )
    slug = sim.org
    if as_json:
        print_json(sim.to_json())
        return
    out.print(
        f"[bold]ESTIMATE[/] — {sim.category} ({slug}): moving {sim.shift_pct:g}% of its non-local spend"
    )
    out.print(f"  spend moved to local suppliers: £{sim.shifted:,.0f}")
    pb = f"{sim.pct_before:.1%}" if sim.pct_before is not None else "n/a"
    pa = f"{sim.pct_after:.1%}" if sim.pct_after is not None else "n/a"
    out.print(f"  % local: {pb} → {pa}")
    out.print(
        f"  estimated local economic impact: £{sim.gross_impact:,.0f} (LM3 {sim.lm3_local:.3f}); "
        f"net of what it already added locally: £{sim.net_impact:,.0f}"
    )
    out.print("Assumptions:")
    for a in sim.assumptions:
        out.print(f"  - {a}")
