"""Report downloads (HTML, XLSX, PDF) built from the analysis as the gate lets this user see it."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from anchorage.access import audit, periods, queries
from anchorage.errors import AnchorageError
from anchorage.reports.build import build_report
from anchorage.reports.pdf import write_pdf
from anchorage.web.deps import CtxDep, client_ip
from anchorage.web.render import render
from anchorage.web.views import period_of

router = APIRouter()
MEDIA = {"html": "text/html", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "pdf": "application/pdf"}


@router.get("/reports")
def reports_page(request: Request, ctx: CtxDep, year: str = "") -> Response:
    return render(request, "reports.html", {"period": period_of(ctx.ws, year or None)})


def _board_pdf(ctx: CtxDep, out: Path, year: str | None) -> Path:
    """The board PDF for one financial year (default: the latest complete one), with the year before."""
    period = period_of(ctx.ws, year)
    result = periods.year_analysis(ctx.ws, ctx.viewer, period["year"])
    before = periods.year_analysis(ctx.ws, ctx.viewer, period["previous"]) if period["previous"] else None
    line = period["label"] + "".join(f" · {words} {value.day} {value:%b %Y}" for words, value in (
        ("data to", period["data_to"]), ("last upload", period["last_upload"])) if value)
    return write_pdf(out, result.tables, collaborative=ctx.ws.config.collaborative,
                     anchors={a.slug: a.name for a in ctx.ws.config.anchors}, period=line,
                     previous=before.tables if before else None)


@router.get("/reports/report.{fmt}")
def download(request: Request, fmt: str, ctx: CtxDep, year: str = "") -> Response:
    if fmt not in MEDIA:
        raise AnchorageError(f"There is no .{fmt} report.", fix="Choose HTML, XLSX or PDF.")
    tmp = Path(tempfile.mkdtemp(dir=ctx.ws.tmp_dir))
    if fmt == "pdf":
        path = _board_pdf(ctx, tmp / "report.pdf", year or None)
    else:
        result = queries.analysis(ctx.ws, ctx.viewer)
        path = build_report(ctx.ws, tmp, result=result, orgs=set(ctx.viewer.detail_orgs))[fmt]
    with ctx.ws.session() as s:
        audit.record(s, ctx.user.email, "export", org=ctx.viewer.org, ip=client_ip(request),
                     detail={"what": "report", "format": fmt})
        s.commit()
    return FileResponse(path, media_type=MEDIA[fmt], filename=f"anchorage-report.{fmt}",
                        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True))
