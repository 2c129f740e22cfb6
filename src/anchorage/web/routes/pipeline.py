"""The pipeline (timeline, filters, table), the collaboration finder's opportunities and their briefs."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from anchorage.core.errors import AnchorageError, NotFound
from anchorage.reports.pipeline_out import BRIEF_FORMATS, timeline_chart, write_brief
from anchorage.services import procurement as svc
from anchorage.web import forms
from anchorage.web.deps import CtxDep, client_ip
from anchorage.web.paging import bounded
from anchorage.web.render import render
from anchorage.web.routes.reports import MEDIA

router = APIRouter()
WindowMonths = Annotated[
    int, Depends(bounded("window", 18, 1, 120))
]  # how far ahead the finder looks


@router.get("/pipeline")
def pipeline_page(
    request: Request,
    ctx: CtxDep,
    org: str = "",
    category: str = "",
    cpv: str = "",
    min_value: str = "",
    max_value: str = "",
) -> Response:
    cmap = svc.categories(ctx.ws)
    prefixes = cmap.cpv_prefixes(category) if category else []
    slug = ctx.ws.config.anchor(org).slug if org else None
    flt = svc.PipelineFilter(
        orgs=[slug] if slug else None,
        cpv_prefix=cpv.strip()[:8] or None,
        min_value=forms.money(min_value, "minimum value"),
        max_value=forms.money(max_value, "maximum value"),
    )
    view = svc.pipeline(ctx.ws, ctx.viewer, flt, category)
    anchors = {a.slug: a.name for a in ctx.ws.config.anchors}
    return render(
        request,
        "pipeline.html",
        {
            "view": view,
            "chart": timeline_chart(view.quarters, anchors),
            "quarters": svc.quarters_of(view.quarters),
            "categories": cmap.categories,
            "prefixes": prefixes,
            "f": {
                "org": slug or "",
                "category": category,
                "cpv": cpv,
                "min_value": min_value,
                "max_value": max_value,
            },
        },
    )


@router.get("/pipeline/opportunities")
def opportunities_page(request: Request, ctx: CtxDep, window: WindowMonths) -> Response:
    found = svc.opportunities(ctx.ws, ctx.viewer, window)
    return render(request, "opportunities.html", {"found": found, "window": window})


def _one(ctx: CtxDep, opp_id: str, window: int) -> svc.Opportunity:
    for o in svc.opportunities(ctx.ws, ctx.viewer, window):
        if o.id == opp_id:
            return o
    raise NotFound(
        "There is no such opportunity (contracts may have changed since).",
        fix="Go back to the opportunities list.",
    )


@router.get("/pipeline/opportunities/{opp_id}")
def opportunity_page(request: Request, opp_id: str, ctx: CtxDep, window: WindowMonths) -> Response:
    return render(
        request,
        "opportunity.html",
        {"o": _one(ctx, opp_id, window), "window": window, "formats": BRIEF_FORMATS},
    )


@router.get("/pipeline/opportunities/{opp_id}/brief.{fmt}")
def opportunity_brief(
    request: Request, opp_id: str, fmt: str, ctx: CtxDep, window: WindowMonths
) -> Response:
    if fmt not in BRIEF_FORMATS:
        raise AnchorageError(f"There is no .{fmt} brief.", fix="Choose HTML, PDF or XLSX.")
    o = _one(ctx, opp_id, window)
    tmp = Path(tempfile.mkdtemp(dir=ctx.ws.tmp_dir))
    path = write_brief(
        o,
        tmp / f"brief.{fmt}",
        fmt,
        collaborative=ctx.ws.config.collaborative,
        anchors={a.slug: a.name for a in ctx.ws.config.anchors},
    )
    svc.exported(
        ctx.ws, ctx.viewer, "opportunity brief", ip=client_ip(request), id=opp_id, format=fmt
    )
    return FileResponse(
        path,
        media_type=MEDIA[fmt],
        filename=f"opportunity-{opp_id}.{fmt}",
        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True),
    )
