"""The jobs a viewer may see (access/jobs_views.py: their anchor's, per the permission table, the collaborative's,
and their own), for the web and the command line alike."""

from __future__ import annotations

from anchorage.access import jobs_views
from anchorage.access.gate import Viewer
from anchorage.jobs.queue import JobInfo
from anchorage.workspace import Workspace

job = jobs_views.job


def listing(
    ws: Workspace, viewer: Viewer, limit: int = 100, states: list[str] | None = None
) -> list[JobInfo]:
    """The newest jobs this viewer may see, only those in `states` when given."""
    return jobs_views.jobs(ws, viewer, limit, states)


def find(ws: Workspace, viewer: Viewer, start: str) -> list[JobInfo]:
    """The jobs this viewer may see whose id begins `start`."""
    return jobs_views.job_by_start(ws, viewer, start)
