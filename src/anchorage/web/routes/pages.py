"""Dashboards (collaborative and per anchor), the anchor-vs-anchor benchmark and the supplier explorer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from anchorage.access import queries
from anchorage.access.committed import FiguresPending
from anchorage.procurement.analysis import COLLABORATIVE
from anchorage.web.deps import CtxDep
from anchorage.web.paging import PageNo
from anchorage.web.render import render
from anchorage.web.views import benchmark_rows, dashboard_view, period_of, refresh_note

router = APIRouter()
PAGE = 100


@router.get("/")
def home(ctx: CtxDep) -> Response:
    target = f"/dashboard/{ctx.viewer.org}" if ctx.viewer.org else "/dashboard"
    return RedirectResponse(target, status_code=303)


def _dashboard(request: Request, ctx: CtxDep, org: str, year: str) -> Response:
    try:
        return render(request, "dashboard.html", dashboard_view(ctx.ws, ctx.viewer, org, year[:10]))
    except FiguresPending as pending:  # nothing worked out yet: say so, and look again shortly (no request computes it)
        return render(request, "figures_pending.html", {"message": pending.message, "note": refresh_note(ctx.ws)},
                      status=503)


@router.get("/dashboard")
def collaborative_dashboard(request: Request, ctx: CtxDep, year: str = "") -> Response:
    return _dashboard(request, ctx, COLLABORATIVE, year)


@router.get("/dashboard/{org}")
def anchor_dashboard(request: Request, org: str, ctx: CtxDep, year: str = "") -> Response:
    return _dashboard(request, ctx, ctx.ws.config.anchor(org).slug, year)


@router.get("/benchmark")
def benchmark(request: Request, ctx: CtxDep, year: str = "") -> Response:
    period = period_of(ctx.ws, year[:10])
    return render(request, "benchmark.html", {"rows": benchmark_rows(ctx.ws, ctx.viewer, period["year"]),
                                              "period": period})


@router.get("/suppliers")
def supplier_explorer(request: Request, ctx: CtxDep, q: str = "") -> Response:
    rows = queries.suppliers(ctx.ws, ctx.viewer, search=q.strip()[:100], limit=100)
    return render(request, "suppliers.html", {"rows": rows, "q": q})


@router.get("/anchors/{org}/transactions")
def transactions(request: Request, org: str, ctx: CtxDep, page: PageNo, q: str = "") -> Response:
    slug = ctx.ws.config.anchor(org).slug
    rows, total = queries.transactions(ctx.ws, ctx.viewer, slug, search=q.strip()[:100], limit=PAGE,
                                       offset=(page - 1) * PAGE)
    return render(request, "transactions.html", {"org": slug, "rows": rows, "total": total, "q": q,
                                                 "page": page, "pages": max(1, -(-total // PAGE))})
