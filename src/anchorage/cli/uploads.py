"""`anchorage uploads ...`: the files loaded for an anchor, and going back to an earlier register."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from anchorage.cli.common import JsonOpt, WorkspaceOpt, open_workspace, out, print_json
from anchorage.core.errors import AnchorageError

if TYPE_CHECKING:  # the service imports it (and every import kind) when a command restores
    from anchorage.ingest import restore as restoring

uploads_app = typer.Typer(
    help="Uploads: list what was loaded; restore an earlier asset register, supplier master "
    "or staff extract.",
    no_args_is_help=True,
)
quarantine_app = typer.Typer(
    help="Quarantine: the rows an upload did not load, as a workbook to fix and upload again.",
    no_args_is_help=True,
)
UploadArg = Annotated[str, typer.Argument(help="The upload id (from `anchorage uploads list`).")]


@uploads_app.command("list")
def list_uploads(
    org: Annotated[str, typer.Option("--org", help="The anchor (name or slug).")],
    kind: Annotated[
        str | None, typer.Option(help="Only this kind (assets, suppliers, workforce, spend …).")
    ] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """An anchor's uploads, newest first: which count now (loaded) and which were superseded (replaced)."""
    from anchorage.services import uploads
    from anchorage.services.common import command_viewer

    ws = open_workspace(workspace)
    rows = uploads.listing(ws, command_viewer(ws), org, kind)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        out.print(
            f"{r['upload_id']}  {r['loaded_on']}  {r['kind']:<12} {r['status']:<9} {r['rows_loaded']:>9,} rows  "
            f"{r['file']}",
            highlight=False,
        )


@uploads_app.command("restore")
def restore(upload: UploadArg, workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Make a superseded register, supplier master or staff extract the one counted again (the current one is kept)."""
    _show(_restore(workspace, upload, revert=False), as_json)


@uploads_app.command("revert")
def revert(upload: UploadArg, workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Go back from this upload to the register, supplier master or staff extract it replaced."""
    _show(_restore(workspace, upload, revert=True), as_json)


def _restore(workspace: Path | None, upload: str, *, revert: bool) -> restoring.Restored:
    """Through the uploads service: the anchor's admin or analyst (or the local operator); audited."""
    from anchorage.services import uploads
    from anchorage.services.common import command_viewer

    ws = open_workspace(workspace)
    return uploads.restore_upload(ws, command_viewer(ws), upload, ip=None, revert=revert)


def _show(done: restoring.Restored, as_json: bool) -> None:
    if as_json:
        print_json(done.to_json())
        return
    out.print(f"Restored upload {done.upload_id}: {done.note}.", highlight=False)
    for old in done.superseded:
        out.print(
            f"  Upload {old} no longer counts (restore it with `anchorage uploads restore {old}`).",
            highlight=False,
        )


@quarantine_app.command("export")
def quarantine_export(
    upload: Annotated[
        str, typer.Option("--upload", help="The upload id (from `anchorage uploads list`).")
    ],
    out_file: Annotated[Path, typer.Option("--out", help="The workbook to write (.xlsx).")] = Path(
        "fix.xlsx"
    ),
    workspace: WorkspaceOpt = None,
) -> None:
    """Write an upload's quarantined rows as a workbook to fix in Excel and load again with the same ingest."""
    from anchorage.services import uploads  # lazily, as every command's services are
    from anchorage.services.common import command_viewer

    if out_file.suffix.lower() != ".xlsx":
        raise AnchorageError(
            f"{out_file.name} is not an .xlsx file.",
            fix="Name the workbook with .xlsx, e.g. fix.xlsx.",
        )
    ws = open_workspace(workspace)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    up, n = uploads.quarantine_workbook(ws, command_viewer(ws), upload, out_file, ip=None)
    again = (
        f"anchorage spend ingest {out_file} --org {up.org}"
        if up.kind == "spend"
        else f"the command that loaded {up.filename}, with {out_file} and --org {up.org}"
    )
    out.print(
        f"Wrote {n:,} rows to fix to {out_file}. Correct them, then load it again: {again}",
        highlight=False,
    )
