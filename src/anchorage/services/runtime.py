"""What the web server needs of the runtime: the workspace it owns, its accounts' type, the job worker it runs,
the figures' refresh job, and the CSV/XLSX writers of downloads. The web reaches the lower layers only here."""

from __future__ import annotations

from anchorage.access import committed
from anchorage.core.roles import ROLES
from anchorage.exports import XLSX_MEDIA, csv_rows_bytes, xlsx_bytes
from anchorage.jobs import queue, worker
from anchorage.jobs.queue import JobInfo
from anchorage.services import job_kinds
from anchorage.store.accounts import User
from anchorage.workspace import Workspace

__all__ = [
    "ROLES",
    "XLSX_MEDIA",
    "JobInfo",
    "User",
    "Workspace",
    "csv_rows_bytes",
    "latest_refresh",
    "start_owner",
    "xlsx_bytes",
]


def start_owner(ws: Workspace) -> None:
    """Make this process the owner of the workspace's warehouse and run its jobs (the web server, at start)."""
    ws.hold_warehouse()
    # The server runs the jobs (loads, supplier matching, new figures, reports) in one worker thread; jobs cut off
    # by a stop are queued again (the warehouse's open has already rolled their loads back or completed them).
    job_kinds.register_all()
    worker.start(ws)
    if committed.stale(ws):
        queue.submit_once(ws, "refresh", requested_by="anchorage")


def latest_refresh(ws: Workspace) -> JobInfo | None:
    """The newest refresh of the figures; one is queued first if data changed outside a job (a command run with
    no server)."""
    job = queue.latest(ws, "refresh")
    if job is None and committed.stale(ws):
        queue.submit_once(ws, "refresh", requested_by="anchorage")
        job = queue.latest(ws, "refresh")
    return job
