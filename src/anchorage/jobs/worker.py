"""Running jobs: one worker thread in the owner process, or inline in a command with no server to hand to.

What a kind of job does is registered by the layers above (services/job_kinds.py), so this layer, below
them, never imports them. A handler gets the workspace and a `JobRun` to report its progress on, and
returns a summary for people (no paths). An `AnchorageError` fails the job with its own words; anything else
fails it with a plain sentence, and the details go to the server's log only.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anchorage.core.errors import AnchorageError
from anchorage.jobs import queue
from anchorage.jobs.queue import JobInfo
from anchorage.workspace import Workspace

log = logging.getLogger("anchorage.jobs")
POLL_S = 1.0  # how often an idle worker looks for jobs queued by another process


@dataclass
class JobRun:
    """What a handler sees of its job: its parameters, a progress reporter, and follow-up jobs to queue."""

    ws: Workspace
    job: JobInfo
    listener: Callable[[str, int, int], None] | None = None
    follow_ups: list[tuple[str, str | None]] = field(default_factory=list)
    value: Any = (
        None  # what the handler made, for a caller in the same process (a command run inline)
    )
    _last: tuple[str, float] = ("", 0.0)

    @property
    def params(self) -> dict[str, Any]:
        return self.job.params

    def step(self, text: str, done: int = 0, total: int = 0) -> None:
        """Say what the job is doing (and how far through, when known). Written at most twice a second."""
        if self.listener is not None:
            self.listener(text, done, total)
        moment = time.monotonic()
        if text != self._last[0] or moment - self._last[1] >= 0.5 or (total and done >= total):
            self._last = (text, moment)
            queue.progress(self.ws, self.job.id, text, done, total)

    def fraction(self, text: str, fraction: float) -> None:
        """The (stage, fraction) callback the import pipeline reports through (ingest/progress.py)."""
        self.step(text, round(max(0.0, min(1.0, fraction)) * 1000), 1000)

    def then(self, kind: str, org: str | None = None) -> None:
        """Queue another job when this one succeeds (e.g. the analysis refresh after a load commits)."""
        self.follow_ups.append((kind, org))


Handler = Callable[[Workspace, JobRun], dict[str, Any] | None]
HANDLERS: dict[str, Handler] = {}
# A failure a handler knows how to explain with more than words (e.g. a load's "answer this on the preview"):
# it returns the result to keep beside the error message.
FailureDetail = Callable[[AnchorageError, JobRun], dict[str, Any] | None]
FAILURE_DETAIL: dict[str, FailureDetail] = {}


def register(kind: str, handler: Handler, failure_detail: FailureDetail | None = None) -> None:
    HANDLERS[kind] = handler
    if failure_detail is not None:
        FAILURE_DETAIL[kind] = failure_detail


def execute(
    ws: Workspace,
    job: JobInfo,
    listener: Callable[[str, int, int], None] | None = None,
    *,
    reraise: bool = False,
) -> JobRun:
    """Run one claimed job to its end (done or failed); return its run. With `reraise`, a job that fails with an
    AnchorageError raises it after it is recorded (a command run inline shows it as the command's error)."""
    run = JobRun(ws, job, listener)
    handler = HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise AnchorageError(
                "This kind of job is not known to this version of Anchorage.",
                fix="Start it again from its page.",
            )
        result = handler(ws, run)
    except AnchorageError as exc:
        detail = FAILURE_DETAIL.get(job.kind)
        queue.fail(ws, job.id, exc.for_web(), detail(exc, run) if detail is not None else None)
        if reraise:
            raise
    except Exception:
        log.exception("job %s (%s) failed", job.id, job.kind)
        queue.fail(
            ws,
            job.id,
            f"Something went wrong while {job.label.lower()}; nothing of it was kept. "
            "Try again, and if it happens again tell your administrator (the server's log has "
            "the details).",
        )
    else:
        # Follow-ups are queued before the job is marked done, so no one ever sees "nothing left to do" between
        # a load and the figures refresh it asks for.
        for kind, org in run.follow_ups:
            queue.submit_once(ws, kind, requested_by=job.requested_by, org=org)
        queue.finish(ws, job.id, result)
    return run


class Worker(threading.Thread):
    """Runs queued jobs one at a time (the warehouse takes one writer at a time anyway)."""

    def __init__(self, ws: Workspace) -> None:
        super().__init__(name="anchorage-jobs", daemon=True)
        self.ws = ws
        self.stopping = threading.Event()
        self.nice = job_nice()  # read as the server starts: a wrong value stops it there, in words

    def run(self) -> None:
        _lower_priority(self.nice)
        unreachable = False
        while not self.stopping.is_set():
            try:
                job = queue.claim(self.ws)
                unreachable = False
            except (
                Exception
            ):  # the records database is briefly unreachable: look again shortly (said once)
                if not unreachable:
                    log.exception("could not look for jobs")
                unreachable, job = True, None
            if job is None:
                queue.wake.wait(POLL_S)
                queue.wake.clear()
                continue
            execute(self.ws, job)

    def stop(self) -> None:
        self.stopping.set()
        queue.wake.set()


# How far the server's job thread lowers its own priority (a nice value, added; 0: not at all). The requests'
# threads then come first for the CPU, and a load or a refresh takes what they leave (benchmarks/bench_soak.py).
def job_nice() -> int:
    """ANCHORAGE_JOB_NICE (default 10), a whole number from 0 to 19."""
    raw = os.environ.get("ANCHORAGE_JOB_NICE", "10").strip()
    if not raw.isdigit() or int(raw) > 19:
        raise AnchorageError(
            f"ANCHORAGE_JOB_NICE is {raw[:20]!r}, which is not a whole number from 0 to 19.",
            fix="Set it to 0 (jobs as urgent as requests) up to 19, or leave it unset (10).",
        )
    return int(raw)


def _lower_priority(nice: int) -> None:
    """The worker thread gives way to the requests' threads for the CPU (Linux, where a thread has a nice value
    of its own; elsewhere the id given to setpriority would name a process)."""
    if nice <= 0 or not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))


_workers: dict[Path, Worker] = {}
_workers_lock = threading.Lock()


def start(ws: Workspace) -> Worker:
    """The owner's worker for a workspace (started once per process): interrupted jobs are queued again first."""
    with _workers_lock:
        worker = _workers.get(ws.root)
        if worker is not None and worker.is_alive():
            return worker
        for job_id in queue.requeue_interrupted(ws):
            log.warning("job %s was interrupted; it runs again", job_id)
        worker = _workers[ws.root] = Worker(ws)
        worker.start()
        return worker


def stop(ws: Workspace) -> None:
    with _workers_lock:
        worker = _workers.pop(ws.root, None)
    if worker is not None:
        worker.stop()


def stop_all(timeout: float = 10.0) -> None:
    """Stop every worker of this process and let each finish its step (run at exit: a daemon thread cut off
    inside DuckDB while the interpreter shuts down aborts the whole process)."""
    with _workers_lock:
        found = list(_workers.values())
        _workers.clear()
    for worker in found:
        worker.stop()
    for worker in found:
        worker.join(timeout)


atexit.register(stop_all)


def has_worker(ws: Workspace) -> bool:
    worker = _workers.get(ws.root)
    return worker is not None and worker.is_alive()


def run_and_wait(
    ws: Workspace,
    kind: str,
    *,
    requested_by: str,
    org: str | None = None,
    params: dict[str, Any] | None = None,
    listener: Callable[[str, int, int], None] | None = None,
) -> tuple[JobInfo, Any]:
    """Run a job to its end for a command: through this process's worker when it has one (the command was
    handed to the server), following its progress; else here and now. Returns how it ended and, when it ran
    here, what its handler made. A job that fails raises an AnchorageError with the job's words."""
    job_id = queue.submit(ws, kind, requested_by=requested_by, org=org, params=params)
    if has_worker(ws):
        seen = ("", -1)
        while True:
            job = queue.get(ws, job_id)
            assert job is not None
            if listener is not None and (job.step, job.done) != seen and job.state == "running":
                seen = (job.step, job.done)
                listener(job.step, job.done, job.total)
            if job.state == "failed":
                raise AnchorageError(job.error or "The job stopped.")
            if job.finished:
                return job, None
            time.sleep(0.25)
    claimed = queue.claim(ws, job_id)
    assert claimed is not None, "a job submitted here is claimed here"
    run = execute(ws, claimed, listener, reraise=True)
    ended = queue.get(ws, job_id)
    assert ended is not None
    if ended.state == "failed":
        raise AnchorageError(ended.error or "The job stopped.")
    return ended, run.value
