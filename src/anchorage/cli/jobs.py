"""`anchorage jobs ...`: the queued long work (loads, supplier matching, new figures, reports), read from the
records database only. These commands never open the warehouse, so they run here even while a web server
owns the workspace (cli/handoff.py does not hand them over)."""

from __future__ import annotations

import enum
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from anchorage.cli.common import (
    JsonOpt,
    WorkspaceOpt,
    err,
    open_workspace,
    out,
    print_json,
    progress_bar,
)
from anchorage.core.errors import AnchorageError, NotFound

if (
    TYPE_CHECKING
):  # the queue imports SQLAlchemy: the commands import it when they run, not for --help
    from anchorage.jobs.queue import JobInfo
    from anchorage.workspace import Workspace

jobs_app = typer.Typer(
    help="Jobs: loads, supplier matching, new figures and reports that run in the background.",
    no_args_is_help=True,
)
JobArg = Annotated[
    str,
    typer.Argument(help="The job's id, or its first few characters (from `anchorage jobs list`)."),
]


class State(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


def _when(job: JobInfo) -> str:
    return job.created_at.astimezone().strftime("%d %b %Y %H:%M")


def as_json(job: JobInfo) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "label": job.label,
        "org": job.org,
        "requested_by": job.requested_by,
        "state": job.state,
        "state_words": job.state_words,
        "step": job.step,
        "done": job.done,
        "total": job.total,
        "fraction": job.fraction,
        "attempts": job.attempts,
        "error": job.error,
        "result": job.result,
        "name": job.params.get("name"),
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def _one(ws: Workspace, start: str) -> JobInfo:
    """The one job this command's user may see whose id begins `start` (another anchor's: as if there were none)."""
    from anchorage.services import jobs as jobs_service
    from anchorage.services.common import command_viewer

    found = jobs_service.find(ws, command_viewer(ws), start)
    if not found:
        raise NotFound(
            f'No job has an id beginning "{start}".', fix="See the jobs with `anchorage jobs list`."
        )
    if len(found) > 1:
        raise AnchorageError(
            f'More than one job has an id beginning "{start}".',
            fix="Give more of the id (`anchorage jobs list` shows them whole).",
        )
    return found[0]


@jobs_app.command("list")
def list_jobs(
    workspace: WorkspaceOpt = None,
    as_json_: JsonOpt = False,
    state: Annotated[
        list[State] | None, typer.Option("--state", help="Only jobs in this state (repeatable).")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
) -> None:
    """The newest jobs you may see (the collaborative's and your anchor's; every anchor's for the collaborative
    admin and the local operator), with their state and progress."""
    from anchorage.jobs import queue
    from anchorage.services import jobs as jobs_service
    from anchorage.services.common import command_viewer

    ws = open_workspace(workspace)
    rows = jobs_service.listing(
        ws, command_viewer(ws), max(1, limit), [s.value for s in state] if state else None
    )
    if as_json_:
        print_json([as_json(j) for j in rows])
        return
    if not rows:
        out.print("No jobs" + (" in that state." if state else " yet."))
        return
    for j in rows:  # one line each, the id whole (to copy into `jobs show` / `jobs wait`)
        what = j.label + (f": {j.params['name']}" if j.params.get("name") else "")
        progress = (
            f" ({j.fraction:.0%}: {j.step})"
            if j.state == "running" and j.fraction is not None
            else (
                f" ({j.step})"
                if j.state in queue.ACTIVE and j.step and j.step != j.state_words
                else ""
            )
        )
        out.print(
            f"{j.id}  {_when(j)}  {j.state_words + progress:<24}  {j.org or 'collaborative':<20}  {what}",
            highlight=False,
        )


@jobs_app.command("show")
def show(job_id: JobArg, workspace: WorkspaceOpt = None, as_json_: JsonOpt = False) -> None:
    """One job: what it is, its state and progress, and what it made or what went wrong, in plain words."""
    job = _one(open_workspace(workspace), job_id)
    if as_json_:
        print_json(as_json(job))
        return
    _describe(job)


def _describe(job: JobInfo) -> None:
    from anchorage.jobs import queue

    what = job.label + (f": {job.params['name']}" if job.params.get("name") else "")
    out.print(f"[bold]{what}[/] ({job.org or 'the whole collaborative'})", highlight=False)
    out.print(f"  id            {job.id}", highlight=False)
    out.print(f"  asked for     {_when(job)} by {job.requested_by}", highlight=False)
    out.print(f"  state         {job.state_words}", highlight=False)
    if job.state in queue.ACTIVE:
        share = f" ({job.fraction:.0%})" if job.fraction is not None else ""
        out.print(f"  doing now     {job.step}{share}", highlight=False)
    if job.attempts > 1:
        out.print(
            f"  attempts      {job.attempts} (the server stopped while it ran; it ran again)",
            highlight=False,
        )
    if job.finished_at is not None:
        out.print(
            f"  ended         {job.finished_at.astimezone().strftime('%d %b %Y %H:%M')}",
            highlight=False,
        )
    if job.state == "failed":
        out.print(f"  what went wrong: {job.error or 'it stopped'}", highlight=False)
    elif job.state == "done" and job.result:
        for key in ("rows_read", "rows_loaded", "rows_quarantined"):
            if key in job.result:
                out.print(f"  {key.replace('_', ' '):<13} {job.result[key]:,}", highlight=False)


@jobs_app.command("wait")
def wait(
    job_id: JobArg,
    workspace: WorkspaceOpt = None,
    as_json_: JsonOpt = False,
    timeout: Annotated[float | None, typer.Option(help="Give up after this many seconds.")] = None,
) -> None:
    """Follow a job with a progress bar until it ends; fails (exit 1) when the job stopped with a problem."""
    from anchorage.jobs import queue

    ws = open_workspace(workspace)
    job = _one(ws, job_id)
    deadline = None if timeout is None else time.monotonic() + timeout
    with progress_bar(not as_json_) as bar:
        said = ""
        while not job.finished:
            if deadline is not None and time.monotonic() > deadline:
                raise AnchorageError(
                    f"The job is still {job.state_words.lower()} after {timeout:g} seconds "
                    f"({job.step}).",
                    fix="Wait again, or see it with `anchorage jobs show`.",
                )
            if bar is not None:
                bar(job.step if job.state == "running" else job.state_words, job.fraction or 0.0)
            elif not as_json_ and job.step != said:
                said = job.step
                err.print(f"{job.step}…", highlight=False)
            time.sleep(0.25)
            found = queue.get(ws, job.id)
            assert found is not None, "jobs are never deleted"
            job = found
    if as_json_:
        print_json(as_json(job))
    else:
        _describe(job)
    if job.state == "failed":
        raise SystemExit(1)  # cli.main.run turns it into the exit status
