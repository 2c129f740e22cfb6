"""`anchorage suppliers ...`: supplier files, the registers, resolution, review and export."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from anchorage.cli.common import (
    JsonOpt,
    MappingOpt,
    OrgOpt,
    WorkspaceOpt,
    job_progress,
    open_workspace,
    operator,
    out,
    print_json,
    progress_bar,
    run_ingest,
    show_summary,
)
from anchorage.config import Engine

suppliers_app = typer.Typer(
    help="Suppliers: supplier files, the registers, one supplier across all anchors.",
    no_args_is_help=True,
)
review_app = typer.Typer(
    help="Review uncertain matches: accept, reject, merge, split.", no_args_is_help=True
)
suppliers_app.add_typer(review_app, name="review")

FilesArg = Annotated[
    list[Path], typer.Argument(help="The downloaded files (zips, CSV/TXT parts or a folder).")
]


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


def _import(kind: str, files: list[Path], workspace: Path | None, as_json: bool) -> None:
    from anchorage.suppliers.registers import import_register

    ws = open_workspace(workspace)
    with progress_bar(not as_json) as progress:
        summary = import_register(ws, kind, files, progress=progress)
    show_summary(summary, as_json)


@suppliers_app.command("import-companies")
def import_companies(
    files: FilesArg, workspace: WorkspaceOpt = None, as_json: JsonOpt = False
) -> None:
    """Import Companies House BasicCompanyData (every part of one snapshot); replaces the previous one."""
    _import("companies_house", files, workspace, as_json)


@suppliers_app.command("import-charities")
def import_charities(
    files: FilesArg, workspace: WorkspaceOpt = None, as_json: JsonOpt = False
) -> None:
    """Import the Charity Commission register extract (publicextract.charity.zip or .txt)."""
    _import("charity_commission", files, workspace, as_json)


@suppliers_app.command("import-cic")
def import_cic(files: FilesArg, workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Import a list of community interest companies or social enterprises (company_number, name, postcode)."""
    _import("cic", files, workspace, as_json)


@suppliers_app.command("resolve")
def resolve(
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            "--backend",
            help="On spark, Splink and the "
            "clustering run on a Spark session from [compute] in anchorage.toml, "
            "on tables passed through the lake.",
        ),
    ] = Engine.duckdb,
) -> None:
    """Link every anchor's suppliers to the registers and to each other; print a summary."""
    from anchorage.jobs import worker
    from anchorage.services import job_kinds  # lazily, as every command's heavy imports are
    from anchorage.suppliers.clusters import ResolveSummary

    ws = open_workspace(workspace)
    job_kinds.register_all()
    with progress_bar(
        not as_json
    ) as bar:  # a job: inline here, or on the web server that owns the workspace
        job, made = worker.run_and_wait(
            ws,
            "resolve",
            requested_by=operator(),
            params={"backend": engine.value},
            listener=job_progress(ws, bar),
        )
    known = {f.name for f in fields(ResolveSummary)}
    s = (
        made
        if made is not None
        else ResolveSummary(**{k: v for k, v in (job.result or {}).items() if k in known})
    )
    if as_json:
        print_json(s.to_json())
        return
    t = Table(title=f"Supplier resolution ({s.backend}, {s.seconds:.1f}s)")
    t.add_column("")
    t.add_column("", justify="right")
    pct = "—" if s.matched_spend_pct is None else f"{s.matched_spend_pct * 100:.1f}%"
    for label, value in (
        ("supplier records (anchor × name)", s.records),
        ("register entities", s.register_entities),
        ("linked by company/charity number", s.linked_by_number),
        ("linked by name and postcode", s.linked_by_model),
        ("linked by a reviewer", s.linked_by_review),
        ("linked through another anchor's record", s.linked_via_cluster),
        ("not matched", s.unmatched),
        ("suppliers (clusters)", s.suppliers),
        ("suppliers used by more than one anchor", s.suppliers_across_anchors),
        ("matches to review", s.to_review),
        ("with a register warning", s.warnings),
        ("spend matched £", f"{s.spend_matched:,.0f} ({pct})"),
        ("spend not matched £", f"{s.spend_unmatched:,.0f}"),
    ):
        t.add_row(label, f"{value:,}" if isinstance(value, int) else str(value))
    out.print(t)
    if s.to_review:
        out.print("Review the uncertain matches with: anchorage suppliers review list")


@suppliers_app.command("export")
def export(
    out_file: Annotated[Path, typer.Option("--out", help="CSV or XLSX file to write.")] = Path(
        "suppliers.csv"
    ),
    workspace: WorkspaceOpt = None,
) -> None:
    """Write one row per supplier as each anchor gave it, with its cluster, register link and probability."""
    from anchorage.suppliers.export import export_suppliers

    n = export_suppliers(open_workspace(workspace), out_file)
    out.print(f"Wrote {n:,} supplier rows to {out_file}")


@review_app.command("list")
def review_list(
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    limit: Annotated[int, typer.Option(help="How many to show (largest spend first).")] = 30,
) -> None:
    """Uncertain matches not yet decided, largest spend first."""
    from anchorage.suppliers.records import review_queue

    items = review_queue(open_workspace(workspace), limit=limit)
    if as_json:
        print_json([i.to_json() for i in items])
        return
    if not items:
        out.print("Nothing to review.")
        return
    t = Table(title="Matches to review")
    for col in (
        "record",
        "anchor",
        "supplier",
        "postcode",
        "spend £",
        "register",
        "register name",
        "p",
        "why",
    ):
        t.add_column(col)
    for i in items:
        t.add_row(
            i.record_id,
            i.org,
            i.supplier_name,
            i.postcode or "",
            f"{i.spend:,.0f}",
            f"{i.register_source}:{i.register_id}",
            i.register_name or "",
            f"{i.match_probability:.2f}",
            i.explanation or "",
        )
    out.print(t)
    out.print("Decide with: anchorage suppliers review accept|reject RECORD [SOURCE:NUMBER]")


RecordArg = Annotated[
    str, typer.Argument(help="A supplier record id (from review list or export).")
]
NoteOpt = Annotated[str | None, typer.Option(help="Why (kept with the decision).")]
ByOpt = Annotated[str, typer.Option("--by", help="Who decided.")]


def _decide(action: str, record: str, workspace: Path | None, *, by: str, **kw: str | None) -> None:
    """A review decision as the command's viewer (the local operator, or ANCHORAGE_AS's user): gated and
    audited as on the web."""
    from anchorage.access import supplier_review
    from anchorage.services.common import command_viewer

    ws = open_workspace(workspace)
    viewer = command_viewer(ws, by)
    did = supplier_review.decide(ws, viewer, action, record, **kw)
    d = next((d for d in supplier_review.decisions(ws, viewer) if d["id"] == did), {})
    target = (
        f" → {d['register']}"
        if d.get("register")
        else (f" + {d['other_record_id']}" if d.get("other_record_id") else "")
    )
    out.print(f"Decision {did}: {action} {record}{target}. It applies now and to every future run.")


@review_app.command("accept")
def review_accept(
    record: RecordArg,
    register: Annotated[
        str | None, typer.Argument(help="SOURCE:NUMBER; default: the best candidate.")
    ] = None,
    workspace: WorkspaceOpt = None,
    note: NoteOpt = None,
    by: ByOpt = "",
) -> None:
    """Accept a match between a supplier record and a register entity."""
    _decide("accept", record, workspace, register=register, note=note, by=by)


@review_app.command("reject")
def review_reject(
    record: RecordArg,
    register: Annotated[
        str | None, typer.Argument(help="SOURCE:NUMBER; default: the best candidate.")
    ] = None,
    workspace: WorkspaceOpt = None,
    note: NoteOpt = None,
    by: ByOpt = "",
) -> None:
    """Reject a match: that record is never linked to that entity again."""
    _decide("reject", record, workspace, register=register, note=note, by=by)


@review_app.command("merge")
def review_merge(
    record: RecordArg,
    other: RecordArg,
    workspace: WorkspaceOpt = None,
    note: NoteOpt = None,
    by: ByOpt = "",
) -> None:
    """Two supplier records are the same supplier."""
    _decide("merge", record, workspace, other_record_id=other, note=note, by=by)


@review_app.command("split")
def review_split(
    record: RecordArg, workspace: WorkspaceOpt = None, note: NoteOpt = None, by: ByOpt = ""
) -> None:
    """This record is not the same supplier as the others in its cluster."""
    _decide("split", record, workspace, note=note, by=by)


@review_app.command("decisions")
def review_decisions(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Every decision in force."""
    from anchorage.suppliers.review import list_decisions

    rows = list_decisions(open_workspace(workspace))
    if as_json:
        print_json(rows)
        return
    for r in rows:
        out.print(
            f"{r['id']:>5}  {r['action']:<7} {r['record_id']}  {r['register'] or r['other_record_id'] or ''}  "
            f"{r['decided_by']}  {r['note'] or ''}"
        )


@review_app.command("undo")
def review_undo(decision: str, workspace: WorkspaceOpt = None) -> None:
    """Withdraw a decision (gated and audited as on the web)."""
    from anchorage.access import supplier_review
    from anchorage.services.common import command_viewer

    ws = open_workspace(workspace)
    supplier_review.undo(ws, command_viewer(ws), decision)
    out.print(f"Decision {decision} withdrawn.")
