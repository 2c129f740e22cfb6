"""Report downloads (HTML, XLSX, PDF) built from the analysis as the gate lets this user see it."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from anchorage.access import audit, queries
from anchorage.errors import AnchorageError
from anchorage.reports.build import build_report
from anchorage.reports.pdf import write_pdf
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
    result = queries.analysis(ctx.ws, ctx.viewer)
    tmp = Path(tempfile.mkdtemp(dir=ctx.ws.tmp_dir))
    if fmt == "pdf":
        path = write_pdf(tmp / "report.pdf", result.tables, collaborative=ctx.ws.config.collaborative,
                         anchors={a.slug: a.name for a in ctx.ws.config.anchors})
    else:
        path = build_report(ctx.ws, tmp, result=result, orgs=set(ctx.viewer.detail_orgs))[fmt]
    with ctx.ws.session() as s:
        audit.record(s, ctx.user.email, "export", org=ctx.viewer.org, ip=client_ip(request),
                     detail={"what": "report", "format": fmt})
        s.commit()
    return FileResponse(path, media_type=MEDIA[fmt], filename=f"anchorage-report.{fmt}",
                        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True))
