"""Shared CLI pieces: the workspace option, JSON/table output, progress bars, error rendering."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, overload

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from anchorage.cli.console import err, out
from anchorage.config import Engine
from anchorage.core.errors import AnchorageError
from anchorage.ingest.result import ImportSummary

if TYPE_CHECKING:
    from anchorage.workspace import Workspace

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder (default: $ANCHORAGE_WORKSPACE, else the current folder).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]
MappingOpt = Annotated[
    Path | None,
    typer.Option(
        "--mapping",
        help="Column mapping file (TOML, JSON or CSV field,column); overrides the automatic mapping.",
    ),
]
OrgOpt = Annotated[
    str, typer.Option("--org", help="The anchor the file belongs to (name or slug).")
]
EngineOpt = Annotated[
    Engine | None,
    typer.Option(
        "--engine", help="Where to run (default: [compute] engine in anchorage.toml, else duckdb)."
    ),
]


def open_workspace(path: Path | None) -> Workspace:
    # The workspace (and the stores, DuckDB and SQLAlchemy under it) is imported when a command opens one, not
    # when a command module loads: `--help` of a command needs neither (issue 18).
    from anchorage.workspace import Workspace, resolve

    ws = Workspace.open(resolve(path))
    said: list[bool] = []

    def wait(pid: int | None, waited: float) -> bool:
        if not said:  # once; the command then carries on by itself when the other one finishes
            err.print(
                "Waiting: another Anchorage command is using this workspace's data; this one starts when "
                "it finishes (Ctrl+C to stop).",
                highlight=False,
            )
            said.append(True)
        return True

    ws.on_busy = wait
    return ws


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Any]:
    """A Rich progress bar on stderr, fed by (stage, fraction) callbacks; silent when not a terminal."""
    if not enabled or os.environ.get("CI") or not err.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, fraction: float) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=1.0)
            bar.update(tasks[stage], completed=fraction)

        yield update


def operator() -> str:
    """Who a command's jobs are for: the local operator (the command line's viewer)."""
    try:
        return f"{getpass.getuser()} (command line)"
    except (KeyError, OSError):
        return "command line"


def job_progress(
    ws: Workspace, bar: Callable[[str, float], None] | None
) -> Callable[[str, int, int], None] | None:
    """How a command shows its job's progress: the Rich bar here, or a line per step when the command was handed
    to the web server (its output streams back to the terminal that ran it)."""
    from anchorage.jobs import worker

    if bar is not None:
        return lambda step, done, total: bar(step, done / total if total else 0.0)
    if not worker.has_worker(ws):
        return None
    said = {"step": ""}

    def say(step: str, done: int, total: int) -> None:
        if step != said["step"]:
            said["step"] = step
            err.print(f"{step}…", highlight=False)

    return say


def run_ingest(
    kind: str,
    file: Path,
    org: str | None,
    workspace: Path | None,
    mapping: Path | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Load one file as the import kind named (ingest/kinds.py) as a job (inline here, or on the web server that
    owns the workspace) with its progress, and print its reconciliation: the same summary for every kind."""
    from anchorage.jobs import worker
    from anchorage.services import loads  # lazily, as every command's loaders are

    ws = open_workspace(workspace)
    loads.kind(kind)  # an unknown kind fails here, in plain words
    loads.register()
    slug = (
        ws.config.anchor(org).slug if org else None
    )  # none: a collaborative-wide file (rows name their anchors)
    viewer = loads.command_uploader(
        ws, slug
    )  # the local operator, or ANCHORAGE_AS's user if they may upload
    params = {
        "kind": kind,
        "path": str(Path(file).resolve()),
        "name": Path(file).name,
        "org": slug,
        "mapping": str(Path(mapping).resolve()) if mapping else None,
        "options": {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in options.items()},
    }
    with progress_bar(not as_json) as bar:
        job, made = worker.run_and_wait(
            ws,
            "ingest",
            requested_by=viewer.email,
            org=slug,
            params=params,
            listener=job_progress(ws, bar),
        )
    show_summary(made if made is not None else summary_of(job.result or {}), as_json)


def summary_of(result: dict[str, Any]) -> ImportSummary:
    """An ImportSummary again from a job's result (its to_json)."""
    known = {f.name for f in fields(ImportSummary)}
    values = {k: v for k, v in result.items() if k in known}
    for key in ("amount_read", "amount_loaded", "amount_quarantined"):
        if values.get(key) is not None:
            values[key] = Decimal(str(values[key]))
    return ImportSummary(**values)


def show_summary(summary: ImportSummary, as_json: bool) -> None:
    if as_json:
        print_json(summary.to_json())
        return
    if summary.duplicate:
        # The load's own note says it (ingest/unit.py: "already loaded as upload … ; nothing added"): once.
        said = " ".join(summary.notes) or "already loaded; nothing added."
        out.print(f"[yellow]{summary.file}[/]: {said}", highlight=False)
        return
    t = Table(title=f"{summary.file} → {summary.org or 'the collaborative'} ({summary.kind})")
    t.add_column("")
    t.add_column("rows", justify="right")
    money = summary.amount_read is not None
    if money:
        t.add_column("£", justify="right")
    for label, rows, amount in (
        ("read", summary.rows_read, summary.amount_read),
        ("loaded", summary.rows_loaded, summary.amount_loaded),
        ("quarantined", summary.rows_quarantined, summary.amount_quarantined),
    ):
        t.add_row(label, f"{rows:,}", *([f"{amount:,.2f}"] if money else []))
    out.print(t)
    if summary.columns:
        c = Table(title="Columns used (chosen from the header and the values)")
        for head in ("field", "column", "values look like", "e.g.", "confidence"):
            c.add_column(head)
        for col in summary.columns:
            c.add_row(
                col["field"].replace("_", " "),
                col["column"] or "(no name)",
                col["values_look_like"],
                ", ".join(col["samples"][:2])[:60],
                f"{col['confidence']:.0%}",
            )
        out.print(c)
    if summary.date_order:
        word = {"dmy": "day first (DD/MM/YYYY)", "mdy": "month first (MM/DD/YYYY)"}[
            summary.date_order
        ]
        month = (
            "; dates give only a month (month-level)" if summary.date_precision == "month" else ""
        )
        out.print(f"  dates read {word}{month}")
    for warning in summary.warnings:
        out.print(f"  [yellow]warning:[/] {warning}")
    for reason, n in summary.quarantine_reasons.items():
        out.print(f"  quarantined {n:,}: {reason}")
    if summary.replaced_upload:
        out.print(
            f"  replaces the earlier version (upload {summary.replaced_upload}; "
            f"`anchorage uploads restore {summary.replaced_upload}` brings it back if it is an asset register, "
            "supplier master or staff extract)"
        )
    if summary.split:
        _show_split(summary.split)
    for note in summary.notes:
        out.print(f"  note: {note}")
    if summary.rows_quarantined:
        only = f"--org {summary.org} " if summary.org else ""
        out.print(
            f"  See every quarantined row with: anchorage spend quarantine {only}--out quarantine.csv"
        )


def _show_split(split: dict[str, Any]) -> None:
    """Where a multi-anchor file's rows went: each anchor, the area's public notices, what was not placed."""
    t = Table(title="Where the rows went")
    for head in ("", "rows", "£"):
        t.add_column(head, justify="right" if head else "left")
    for org, part in split.get("anchors", {}).items():
        t.add_row(org, f"{part['releases']:,}", f"{part['amount']:,.2f}")
    public = split.get("public_notices", {})
    t.add_row(
        "the area's public notices",
        f"{public.get('releases', 0):,}",
        f"{public.get('amount', 0):,.2f}",
    )
    t.add_row("not placed (no buyer)", f"{split.get('unmapped', {}).get('releases', 0):,}", "")
    t.add_row(
        "another anchor's (quarantined)",
        f"{split.get('other_anchors_quarantined', {}).get('releases', 0):,}",
        "",
    )
    out.print(t)


@overload
def parse_date(text: str) -> dt.date: ...
@overload
def parse_date(text: None) -> None: ...
def parse_date(text: str | None) -> dt.date | None:
    """A YYYY-MM-DD option (None stays None), or a plain error."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise AnchorageError(
            f'"{text}" is not a date.', fix="Write it as YYYY-MM-DD, e.g. 2025-11-01."
        ) from None


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    return f"{v:,.2f}" if isinstance(v, float) else str(v)


def print_rows(title: str, rows: list[dict[str, Any]], cols: list[str]) -> None:
    """A titled table of the given columns of plain rows (blank for missing, floats to 2 places)."""
    t = Table(title=title)
    for c in cols:
        t.add_column(c.replace("_", " "))
    for r in rows:
        t.add_row(*[_cell(r.get(c)) for c in cols])
    out.print(t)
