"""Jobs: the page of one job (it refreshes itself until the job ends), the user's list, a report's download."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from anchorage.access import jobs_views
from anchorage.core.errors import NotFound
from anchorage.services.job_kinds import report_folder
from anchorage.web.deps import CtxDep, client_ip
from anchorage.web.render import render
from anchorage.web.routes.reports import MEDIA

router = APIRouter()
REFRESH_S = 2


@router.get("/jobs")
def job_list(request: Request, ctx: CtxDep) -> Response:
    rows = jobs_views.jobs(ctx.ws, ctx.viewer)
    return render(
        request,
        "jobs.html",
        {"rows": rows, "refresh": REFRESH_S * 5 if any(not j.finished for j in rows) else None},
    )


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str, ctx: CtxDep) -> Response:
    job = jobs_views.job(ctx.ws, ctx.viewer, job_id, ip=client_ip(request))
    return render(request, "job.html", {"job": job, "refresh": None if job.finished else REFRESH_S})


@router.get("/jobs/{job_id}/download")
def download(request: Request, job_id: str, ctx: CtxDep) -> Response:
    job = jobs_views.job(ctx.ws, ctx.viewer, job_id, ip=client_ip(request))
    if job.kind != "report" or job.state != "done" or not job.result:
        raise NotFound(
            "This job has nothing to download yet.", fix="Wait for it to finish, then use its link."
        )
    fmt = str(job.result["format"])
    path = report_folder(ctx.ws, job.id) / str(job.result["file"])
    if not path.exists():
        raise NotFound(
            "This report is no longer kept on the server.", fix="Ask for the report again."
        )
    return FileResponse(path, media_type=MEDIA[fmt], filename=f"anchorage-report.{fmt}")
