"""`anchorage reference ...`: fetch the open reference files from their publishers and import them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from anchorage.cli.common import (
    JsonOpt,
    WorkspaceOpt,
    err,
    open_workspace,
    out,
    print_json,
    progress_bar,
    show_summary,
)
from anchorage.ingest.result import ImportSummary

if TYPE_CHECKING:  # the package's __init__ imports DuckDB: the commands import it when they run
    from anchorage.reference import fetch as ref
    from anchorage.workspace import Workspace

reference_app = typer.Typer(
    help="Reference data: download NSPL, IMD, Companies House and the charity register, "
    "check them and import them.",
    no_args_is_help=True,
)

NamesArg = Annotated[
    list[str], typer.Argument(help="nspl, imd, imd2025, companies-house, charities, or all.")
]


@reference_app.command("fetch")
def fetch(
    names: NamesArg,
    from_dir: Annotated[
        Path | None,
        typer.Option("--from", help="Import the files already in this folder; no download."),
    ] = None,
    workspace: WorkspaceOpt = None,
    retries: Annotated[
        int, typer.Option(help="Times to resume a cut connection before stopping.")
    ] = 3,
    download_only: Annotated[
        bool, typer.Option("--download-only", help="Download and check, but do not import.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Download (resuming), check and import reference files; every file is checked before any is imported."""
    from anchorage.reference import fetch as ref

    ws = open_workspace(workspace)
    sources = ref.select(ref.load_sources(ws), names)
    if from_dir is not None:
        prepared = ref.from_folder(from_dir, sources, explicit="all" not in names)
    else:
        prepared = [_download(ws, s, retries, show=not as_json) for s in sources]
    for p in prepared:
        for note in p.notes:
            err.print(f"{p.source.name}: {note}", highlight=False)
    if download_only:
        out.print("Checked: " + ", ".join(str(path) for p in prepared for path in p.paths))
        return
    summaries = [s for p in prepared for s in _import(ws, p, as_json)]
    if as_json:
        print_json([s.to_json() for s in summaries])
    else:
        for s in summaries:
            show_summary(s, False)


@reference_app.command("sources")
def sources(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Where each reference file is downloaded from (override them in the reference.sources table of anchorage.toml)."""
    from anchorage.reference import fetch as ref

    rows = [
        {"name": s.name, "label": s.label, "url": s.url, "page": s.page}
        for s in ref.load_sources(open_workspace(workspace)).values()
    ]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        out.print(
            f"[bold]{r['name']}[/]: {r['label']}\n  {r['url'] or '(no address set: see ' + r['page'] + ')'}"
        )


def _download(ws: Workspace, source: ref.Source, retries: int, show: bool) -> ref.Prepared:
    from anchorage.reference import fetch as ref

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(
        *columns, console=err, disable=not show or not err.is_terminal, transient=True
    ) as bar:
        task = bar.add_task(f"Downloading {source.name}", total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        return ref.fetch(ws, source, progress=update, retries=retries)


def _import(ws: Workspace, p: ref.Prepared, as_json: bool) -> list[ImportSummary]:
    if p.source.importer == "geography":
        from anchorage.reference.load import import_reference

        return import_reference(ws, p.paths)
    from anchorage.suppliers.registers import import_register

    with progress_bar(not as_json) as progress:
        return [import_register(ws, p.source.importer, p.paths, progress=progress)]
