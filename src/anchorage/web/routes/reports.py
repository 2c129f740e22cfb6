"""Report downloads (HTML, XLSX, PDF) built, as a job, from the analysis as the gate lets this user see it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from anchorage.errors import AnchorageError
from anchorage.jobs import queue
from anchorage.web.deps import CtxDep, client_ip
from anchorage.web.render import render

router = APIRouter()
MEDIA = {"html": "text/html", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "pdf": "application/pdf"}


@router.get("/reports")
def reports_page(request: Request, ctx: CtxDep) -> Response:
    return render(request, "reports.html")


@router.get("/reports/report.{fmt}")
def download(request: Request, fmt: str, ctx: CtxDep) -> Response:
    if fmt not in MEDIA:
        raise AnchorageError(f"There is no .{fmt} report.", fix="Choose HTML, XLSX or PDF.")
    job_id = queue.submit(ctx.ws, "report", requested_by=ctx.user.email, org=ctx.viewer.org,
                          params={"format": fmt, "ip": client_ip(request)})
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
