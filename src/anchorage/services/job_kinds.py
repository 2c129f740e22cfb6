"""The kinds of job (jobs/worker.py runs them): loads (services/loads.py), supplier resolution, the analysis
refresh, and a report build. `register_all` is called by the owner process (the web app, or a command run
inline)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select

from anchorage.access import committed, periods, queries
from anchorage.access.gate import viewer_for
from anchorage.core.errors import AnchorageError
from anchorage.jobs import worker
from anchorage.jobs.worker import JobRun
from anchorage.reports.build import build_report
from anchorage.reports.pdf import write_pdf
from anchorage.services import loads, uploads
from anchorage.services.common import audited
from anchorage.store.accounts import User
from anchorage.suppliers.resolve import resolve
from anchorage.workspace import Workspace

REPORT_FORMATS = ("html", "xlsx", "pdf")


def _refresh(ws: Workspace, run: JobRun) -> dict[str, Any]:
    run.step("Finding the years the payments cover")
    coverage = periods.coverage_record(periods.coverage(ws))
    out = committed.refresh(ws, coverage, run.step)
    out["link"] = "/dashboard"
    return out


def _resolve(ws: Workspace, run: JobRun) -> dict[str, Any]:
    run.step("Matching suppliers to the registers")
    found = run.value = resolve(
        ws, engine=run.params.get("backend", "duckdb"), progress=run.fraction
    )
    out = found.to_json()
    run.then("refresh")
    out["link"] = "/suppliers/review"
    return out


def report_folder(ws: Workspace, job_id: str) -> Path:
    return ws.tmp_dir / "reports" / job_id


def _report(ws: Workspace, run: JobRun) -> dict[str, Any]:
    """A report as its requester may see it (their permissions when it runs), kept for them to download."""
    fmt = run.params["format"]
    with ws.session() as s:
        user = s.scalars(select(User).where(User.email == run.job.requested_by)).first()
        if user is None or not user.active:
            raise AnchorageError(
                "The account that asked for this report is no longer active.",
                fix="Sign in and ask for the report again.",
            )
        viewer = viewer_for(s, user)
    run.step("Reading the figures")
    folder = report_folder(ws, run.job.id)
    folder.mkdir(parents=True, exist_ok=True)
    run.step(f"Writing the {fmt.upper()} report", 1, 2)
    if fmt == "pdf":  # the board report: one financial year, with the year before for the changes
        year, before, line = periods.period_line(ws, run.params.get("year") or None)
        path = write_pdf(
            folder / "report.pdf",
            periods.year_analysis(ws, viewer, year).tables,
            collaborative=ws.config.collaborative,
            anchors={a.slug: a.name for a in ws.config.anchors},
            period=line,
            previous=periods.year_analysis(ws, viewer, before).tables if before else None,
        )
    else:
        built = build_report(
            ws, folder, result=queries.analysis(ws, viewer), orgs=set(viewer.detail_orgs)
        )
        path = built[fmt]
        for other in folder.iterdir():  # only the file asked for is kept
            if other != path:
                shutil.rmtree(other, ignore_errors=True) if other.is_dir() else other.unlink()
    audited(
        ws,
        run.job.requested_by,
        "export",
        org=viewer.org,
        ip=run.params.get("ip"),
        detail={"what": "report", "format": fmt, "job": run.job.id},
    )
    return {"format": fmt, "file": path.name, "link": f"/jobs/{run.job.id}/download"}


def register_all() -> None:
    loads.register()
    uploads.register()
    worker.register("refresh", _refresh)
    worker.register("resolve", _resolve)
    worker.register("report", _report)
