"""`anchorage lake`: the warehouse as partitioned Parquet that Spark and DuckDB read (docs/scaling.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anchorage.cli.common import JsonOpt, WorkspaceOpt, open_workspace, out, print_json
from anchorage.config import AnchorType
from anchorage.procurement.choices import LakeKind

lake_app = typer.Typer(
    help="The lake: the warehouse as Parquet files for Spark (national scale).",
    no_args_is_help=True,
)


@lake_app.command("export")
def lake_export(
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Lake folder or file:// URI (default: [compute] "
            "lake, else the workspace's lake/).",
        ),
    ] = None,
) -> None:
    """Write the warehouse's tables as Parquet; only uploads new since the last export are written again."""
    from anchorage.procurement.lake import export_lake

    summary = export_lake(open_workspace(workspace), to)
    if as_json:
        print_json(summary.to_json())
        return
    changed = summary.uploads_written or summary.uploads_removed or summary.tables_written
    out.print(
        f"Lake {summary.lake} (version {summary.version}): {summary.payments:,} payments; "
        + (
            f"{len(summary.uploads_written)} upload(s) written, {len(summary.uploads_removed)} removed, "
            f"tables rewritten: {', '.join(summary.tables_written) or 'none'}."
            if changed
            else "already up to date."
        )
    )


@lake_app.command("ingest")
def lake_ingest(
    to: Annotated[str, typer.Option("--to", help="The national lake: a folder or file:// URI.")],
    files: Annotated[
        list[Path] | None, typer.Argument(help="Files to load (with --kind and --org).")
    ] = None,
    from_workspace: Annotated[
        list[Path] | None,
        typer.Option(
            "--from-workspace",
            help="A workspace whose payments and supplier tables join the lake (repeatable).",
        ),
    ] = None,
    kind: Annotated[LakeKind | None, typer.Option("--kind", help="What the files are.")] = None,
    org: Annotated[
        str | None, typer.Option("--org", help="The anchor the files belong to.")
    ] = None,
    org_type: Annotated[
        AnchorType,
        typer.Option("--org-type", help="The anchor's type, if the lake has not seen it."),
    ] = AnchorType.council,
    accept_warnings: Annotated[
        bool,
        typer.Option("--accept-warnings", help="Load spend files even if the sanity checks warn."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Build a national lake from many workspaces, or from files; only what changed is written again."""
    from anchorage.procurement.lake_ingest import ingest
    from anchorage.store import lake

    options = {"accept_warnings": accept_warnings} if kind == "spend" else {}
    summary = ingest(
        lake.root_for(Path.cwd(), "", to),
        workspaces=from_workspace,
        kind=kind.value if kind else None,
        org=org,
        files=files,
        org_type=org_type.value,
        **options,
    )
    if as_json:
        print_json(summary.to_json())
        return
    for f in summary.files_loaded:
        out.print(
            f"Loaded {f['file']} for {f['org']}: {f['rows_loaded']:,} rows ({f['rows_quarantined']:,} quarantined)."
        )
    for s in summary.sources:
        out.print(
            f"Source {s['source']}: {s['payments_in_lake']:,} payments; {len(s['uploads_written'])} upload(s) "
            f"written, {len(s['uploads_removed'])} removed."
        )
    out.print(f"Lake {summary.lake} (version {summary.version}).")
