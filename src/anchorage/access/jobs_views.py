"""Which jobs a user may see: their anchor's (per the permission table), the collaborative's, and their own.

A report is built with its requester's permissions, so only they see it. Any other job is refused with the
same 404 as one that does not exist (gate.refuse), so job ids cannot be probed across anchors."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, true

from anchorage.access.gate import Viewer, refuse
from anchorage.jobs import queue
from anchorage.jobs.queue import JobInfo
from anchorage.store.jobs_records import Job
from anchorage.workspace import Workspace

PRIVATE_KINDS = ("report",)


def may_see(viewer: Viewer, job: JobInfo) -> bool:
    if job.requested_by == viewer.email:
        return True
    if job.kind in PRIVATE_KINDS:
        return False
    return job.org is None or viewer.may("see-jobs", job.org)


def visible(viewer: Viewer) -> ColumnElement[bool]:
    """may_see as a query's condition, so the database applies it before any limit."""
    anchors: ColumnElement[bool]
    if viewer.is_collaborative_admin:
        anchors = true() if viewer.may("see-jobs") else Job.org.is_(None)
    elif viewer.org and viewer.may("see-jobs", viewer.org):
        anchors = or_(Job.org.is_(None), Job.org == viewer.org)
    else:
        anchors = Job.org.is_(None)
    return or_(Job.requested_by == viewer.email, and_(Job.kind.not_in(PRIVATE_KINDS), anchors))


def job(ws: Workspace, viewer: Viewer, job_id: str, *, ip: str | None = None) -> JobInfo:
    found = queue.get(ws, job_id[:64])
    if found is None or not may_see(viewer, found):
        refuse(ws, viewer, "job", job_id, "missing" if found is None else "another anchor's", ip=ip)
    return found


def jobs(
    ws: Workspace, viewer: Viewer, limit: int = 100, states: list[str] | None = None
) -> list[JobInfo]:
    """The newest jobs this user may see (only those in `states`, when given)."""
    listed = queue.listing(ws, orgs=None, limit=limit, states=states, visible=visible(viewer))
    return [
        j for j in listed if may_see(viewer, j)
    ]  # the query's condition is may_see: this only guards it


def job_by_start(ws: Workspace, viewer: Viewer, start: str) -> list[JobInfo]:
    """The jobs this user may see whose id begins `start` (the command line takes the first few characters): one,
    none, or two when the start is ambiguous among the jobs they may see (another anchor's never count)."""
    return [j for j in queue.find(ws, start, visible(viewer)) if may_see(viewer, j)]
