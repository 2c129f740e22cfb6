"""The job queue, in the records database: submit, claim, report progress, finish, and recover after a crash."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update

from anchorage.store.jobs_records import Job
from anchorage.workspace import Workspace

ACTIVE = ("queued", "running")
LABELS = {
    "load": "Loading a file",
    "ingest": "Loading a file (command line)",
    "refresh": "Working out the figures",
    "resolve": "Matching suppliers",
    "report": "Building a report",
    "preview-checks": "Checking a file before it is loaded",
}
STATES = {
    "queued": "Waiting for its turn",
    "running": "Under way",
    "done": "Finished",
    "failed": "Stopped with a problem",
}
# Set whenever a job is queued in this process, so an idle worker starts it at once instead of at its next look.
wake = threading.Event()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(t: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive times (they were written in UTC); PostgreSQL aware ones."""
    return t.replace(tzinfo=dt.UTC) if t is not None and t.tzinfo is None else t


@dataclass(frozen=True)
class JobInfo:
    """A snapshot of one job, as pages and the command line show it."""

    id: str
    kind: str
    org: str | None
    requested_by: str
    params: dict[str, Any]
    state: str
    done: int
    total: int
    step: str
    result: dict[str, Any] | None
    error: str | None
    attempts: int
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @property
    def label(self) -> str:
        return LABELS.get(self.kind, self.kind)

    @property
    def state_words(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def fraction(self) -> float | None:
        return min(1.0, self.done / self.total) if self.total else None

    @classmethod
    def of(cls, j: Job) -> JobInfo:
        return cls(
            j.id,
            j.kind,
            j.org,
            j.requested_by,
            dict(j.params or {}),
            j.state,
            j.done,
            j.total,
            j.step,
            j.result,
            j.error,
            j.attempts,
            as_utc(j.created_at) or now(),
            as_utc(j.started_at),
            as_utc(j.finished_at),
        )


def submit(
    ws: Workspace,
    kind: str,
    *,
    requested_by: str,
    org: str | None = None,
    params: dict[str, Any] | None = None,
) -> str:
    """Queue a job; return its id (random, so one anchor cannot guess another's)."""
    job_id = secrets.token_hex(16)
    with ws.session() as s:
        s.add(
            Job(
                id=job_id,
                kind=kind,
                org=org,
                requested_by=requested_by,
                params=params or {},
                state="queued",
                done=0,
                total=0,
                step="Waiting for its turn",
                attempts=0,
                created_at=now(),
            )
        )
        s.commit()
    wake.set()
    return job_id


def submit_once(
    ws: Workspace,
    kind: str,
    *,
    requested_by: str,
    org: str | None = None,
    params: dict[str, Any] | None = None,
) -> str:
    """Queue a job unless the same kind is already waiting (one queued refresh covers every change before it)."""
    with ws.session() as s:
        waiting = s.scalars(
            select(Job.id).where(
                Job.kind == kind,
                Job.state == "queued",
                Job.org.is_(None) if org is None else Job.org == org,
            )
        ).first()
    return waiting or submit(ws, kind, requested_by=requested_by, org=org, params=params)


def get(ws: Workspace, job_id: str) -> JobInfo | None:
    with ws.session() as s:
        job = s.get(Job, job_id)
        return JobInfo.of(job) if job is not None else None


def find(
    ws: Workspace, start: str, visible: ColumnElement[bool] | None = None, limit: int = 2
) -> list[JobInfo]:
    """At most `limit` jobs whose id begins with `start` (a command line accepts the first few characters of an
    id), of those `visible` selects: the condition is part of the query, so a job outside it never takes the
    place of one inside it."""
    start = start.strip().lower()
    if not start or not all(ch in "0123456789abcdef" for ch in start):
        return []
    q = select(Job).where(Job.id.startswith(start)).order_by(Job.created_at, Job.id).limit(limit)
    if visible is not None:
        q = q.where(visible)
    with ws.session() as s:
        return [JobInfo.of(j) for j in s.scalars(q)]


def latest(ws: Workspace, kind: str, states: Iterable[str] = ACTIVE) -> JobInfo | None:
    """The most recently queued job of a kind in one of the states (e.g. the refresh under way)."""
    with ws.session() as s:
        job = s.scalars(
            select(Job)
            .where(Job.kind == kind, Job.state.in_(tuple(states)))
            .order_by(Job.created_at.desc())
        ).first()
        return JobInfo.of(job) if job is not None else None


def listing(
    ws: Workspace,
    *,
    orgs: Iterable[str] | None,
    limit: int = 100,
    states: Iterable[str] | None = None,
    visible: ColumnElement[bool] | None = None,
) -> list[JobInfo]:
    """The newest jobs: of the given anchors and of the whole collaborative, or every job when orgs is None;
    only those in the given states when states are given, and only those `visible` selects (in the query,
    before the limit)."""
    q = select(Job).order_by(Job.created_at.desc()).limit(limit)
    if orgs is not None:
        q = q.where(or_(Job.org.in_(tuple(orgs)), Job.org.is_(None)))
    if states is not None:
        q = q.where(Job.state.in_(tuple(states)))
    if visible is not None:
        q = q.where(visible)
    with ws.session() as s:
        return [JobInfo.of(j) for j in s.scalars(q)]


def claim(ws: Workspace, job_id: str | None = None) -> JobInfo | None:
    """Take the oldest queued job (or the one named) for running; None when there is none (or another took it)."""
    with ws.session() as s:
        if job_id is None:
            job_id = s.scalars(
                select(Job.id).where(Job.state == "queued").order_by(Job.created_at)
            ).first()
            if job_id is None:
                return None
        took = s.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == "queued")
            .values(state="running", started_at=now(), attempts=Job.attempts + 1, step="Starting")
        )
        s.commit()
        if took.rowcount != 1:  # type: ignore[attr-defined]
            return None
        job = s.get(Job, job_id)
        assert job is not None
        s.refresh(job)
        return JobInfo.of(job)


def progress(ws: Workspace, job_id: str, step: str, done: int, total: int) -> None:
    with ws.session() as s:
        s.execute(
            update(Job).where(Job.id == job_id).values(step=step[:300], done=done, total=total)
        )
        s.commit()


def finish(ws: Workspace, job_id: str, result: dict[str, Any] | None) -> None:
    with ws.session() as s:
        s.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                state="done",
                result=result or {},
                finished_at=now(),
                step="Finished",
                done=1,
                total=1,
            )
        )
        s.commit()


def fail(ws: Workspace, job_id: str, message: str, result: dict[str, Any] | None = None) -> None:
    with ws.session() as s:
        s.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(state="failed", error=message, result=result, finished_at=now(), step="Stopped")
        )
        s.commit()


def requeue_interrupted(ws: Workspace) -> list[str]:
    """Jobs left 'running' by a process that stopped: queued again to run from the start.

    Call in the owner process before its worker starts, after the warehouse is open (opening it sweeps the
    upload journal, so a load that was cut off has already been rolled back or completed)."""
    with ws.session() as s:
        ids = list(s.scalars(select(Job.id).where(Job.state == "running")))
        if ids:
            s.execute(
                update(Job)
                .where(Job.id.in_(ids))
                .values(
                    state="queued",
                    done=0,
                    total=0,
                    started_at=None,
                    step="Waiting to start again (the server stopped while it ran)",
                )
            )
            s.commit()
    return ids
