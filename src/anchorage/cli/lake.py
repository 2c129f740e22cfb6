"""`anchorage lake`: the warehouse as partitioned Parquet that Spark and DuckDB read (docs/scaling.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from anchorage.cli.common import JsonOpt, WorkspaceOpt, open_workspace, out, print_json

lake_app = typer.Typer(help="The lake: the warehouse as Parquet files for Spark (national scale).",
                       no_args_is_help=True)
EngineOpt = Annotated[str | None, typer.Option("--engine", help="duckdb or spark (default: [compute] engine in "
                                                                "anchorage.toml, else duckdb).")]


@lake_app.command("export")
def lake_export(workspace: WorkspaceOpt = None, as_json: JsonOpt = False,
                to: Annotated[str | None, typer.Option("--to", help="Lake folder (default: [compute] lake, else "
                                                                   "the workspace's lake/).")] = None) -> None:
    """Write the warehouse's tables as Parquet; only uploads new since the last export are written again."""
    from anchorage.procurement.lake import export_lake

    summary = export_lake(open_workspace(workspace), to)
    if as_json:
        print_json(summary.to_json())
        return
    changed = summary.uploads_written or summary.uploads_removed or summary.tables_written
    out.print(f"Lake {summary.lake} (version {summary.version}): {summary.payments:,} payments; "
              + (f"{len(summary.uploads_written)} upload(s) written, {len(summary.uploads_removed)} removed, "
                 f"tables rewritten: {', '.join(summary.tables_written) or 'none'}." if changed else "already up to date."))
