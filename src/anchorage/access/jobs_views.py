"""Which jobs a user may see: their anchor's (per the permission table), the collaborative's, and their own.

A report is built with its requester's permissions, so only they see it. Any other job is refused with the
same 404 as one that does not exist (gate.refuse), so job ids cannot be probed across anchors."""

from __future__ import annotations

from anchorage.access.gate import Viewer, refuse
from anchorage.jobs import queue
from anchorage.jobs.queue import JobInfo
from anchorage.workspace import Workspace

PRIVATE_KINDS = ("report",)


def may_see(viewer: Viewer, job: JobInfo) -> bool:
    if job.requested_by == viewer.email:
        return True
    if job.kind in PRIVATE_KINDS:
        return False
    return job.org is None or viewer.may("see-jobs", job.org)


def job(ws: Workspace, viewer: Viewer, job_id: str, *, ip: str | None = None) -> JobInfo:
    found = queue.get(ws, job_id[:64])
    if found is None or not may_see(viewer, found):
        refuse(ws, viewer, "job", job_id, "missing" if found is None else "another anchor's", ip=ip)
    return found


def jobs(
    ws: Workspace, viewer: Viewer, limit: int = 100, states: list[str] | None = None
) -> list[JobInfo]:
    """The newest jobs this user may see (only those in `states`, when given)."""
    orgs = None if viewer.is_collaborative_admin else ({viewer.org} if viewer.org else set())
    listed = queue.listing(ws, orgs=orgs, limit=limit * 2, states=states)
    return [j for j in listed if may_see(viewer, j)][:limit]


def job_by_start(ws: Workspace, viewer: Viewer, start: str) -> list[JobInfo]:
    """The jobs this user may see whose id begins `start` (the command line takes the first few characters)."""
    return [j for j in queue.find(ws, start) if may_see(viewer, j)]
