"""Report downloads (HTML, XLSX, PDF) built, as a job, from the analysis as the gate lets this user see it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from anchorage.core.errors import AnchorageError
from anchorage.services.procurement import ask_report
from anchorage.web.deps import CtxDep, client_ip
from anchorage.web.render import render
from anchorage.web.views import period_of

router = APIRouter()
MEDIA = {
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@router.get("/reports")
def reports_page(request: Request, ctx: CtxDep, year: str = "") -> Response:
    return render(request, "reports.html", {"period": period_of(ctx.ws, year or None)})


@router.get("/reports/report.{fmt}")
def download(request: Request, fmt: str, ctx: CtxDep, year: str = "") -> Response:
    if fmt not in MEDIA:
        raise AnchorageError(f"There is no .{fmt} report.", fix="Choose HTML, XLSX or PDF.")
    job_id = ask_report(ctx.ws, ctx.viewer, fmt, year, ip=client_ip(request))
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
