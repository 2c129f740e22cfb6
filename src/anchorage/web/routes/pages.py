"""Dashboards (collaborative and per anchor), the anchor-vs-anchor benchmark, the supplier explorer, one\nsupplier's page and an anchor's payments (tables from web/table.py, with CSV/XLSX of the filtered rows)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from anchorage.access import explore_queries
from anchorage.access.committed import FiguresPending
from anchorage.access.read_cache import READS, scope_key
from anchorage.access.table import TablePage
from anchorage.core.scope import COLLABORATIVE
from anchorage.web.deps import CtxDep
from anchorage.web.render import kept_part, render
from anchorage.web.table import export_response, table_request, table_view
from anchorage.web.views import benchmark_rows, dashboard_view, period_of, refresh_note

router = APIRouter()


@router.get("/")
def home(ctx: CtxDep) -> Response:
    target = f"/dashboard/{ctx.viewer.org}" if ctx.viewer.org else "/dashboard"
    return RedirectResponse(target, status_code=303)


def _dashboard(request: Request, ctx: CtxDep, org: str, year: str) -> Response:
    try:
        return render(request, "dashboard.html", dashboard_view(ctx.ws, ctx.viewer, org, year[:10]))
    except (
        FiguresPending
    ) as pending:  # nothing worked out yet: say so, and look again shortly (no request computes it)
        return render(
            request,
            "figures_pending.html",
            {"message": pending.message, "note": refresh_note(ctx.ws)},
            status=503,
        )


@router.get("/dashboard")
def collaborative_dashboard(request: Request, ctx: CtxDep, year: str = "") -> Response:
    return _dashboard(request, ctx, COLLABORATIVE, year)


@router.get("/dashboard/{org}")
def anchor_dashboard(request: Request, org: str, ctx: CtxDep, year: str = "") -> Response:
    return _dashboard(request, ctx, ctx.ws.config.anchor(org).slug, year)


@router.get("/benchmark")
def benchmark(request: Request, ctx: CtxDep, year: str = "") -> Response:
    period = period_of(ctx.ws, year[:10])
    return render(
        request,
        "benchmark.html",
        {"rows": benchmark_rows(ctx.ws, ctx.viewer, period["year"]), "period": period},
    )


def _years(ctx: Any) -> list[tuple[str, str]]:
    return READS.get(ctx.ws, "explore years", lambda: explore_queries.years(ctx.ws))


def _linked(page: TablePage) -> TablePage:
    """The page with each row's supplier link, on copies: the page read may be shared (access/read_cache.py)."""
    rows = [{**r, "_links": {"supplier": _supplier_link(r["supplier_key"])}} for r in page.rows]
    return replace(page, rows=rows, extra=dict(page.extra))


def _anchors(ctx: Any) -> dict[str, str]:
    return {a.slug: a.name for a in ctx.ws.config.anchors}


def _supplier_link(key: str) -> str:
    return "/supplier?" + urlencode({"name": key})


@router.get("/suppliers")
def supplier_explorer(request: Request, ctx: CtxDep) -> Response:
    req = table_request(request, explore_queries.SUPPLIERS)
    key = ("suppliers", scope_key(ctx.viewer), req)

    def part() -> dict[
        str, Any
    ]:  # the table, its filters and pager: the same for everyone of this scope
        page = _linked(
            READS.get(ctx.ws, key, lambda: explore_queries.suppliers(ctx.ws, ctx.viewer, req))
        )
        anchors = _anchors(ctx)
        choices = {
            "anchor": [(o, anchors.get(o, o)) for o in sorted(ctx.viewer.detail_orgs)],
            "category": [(c, c) for c in page.extra.get("categories", [])],
            "year": _years(ctx),
        }
        view = table_view(
            page,
            "/suppliers",
            labels={"anchor": anchors, "ward": page.extra.get("ward_names", {})},
            export=bool(ctx.viewer.detail_orgs),
        )
        return {"t": view, "choices": choices, "anchors": anchors}

    return render(
        request,
        "suppliers.html",
        {
            "req": req,
            "table": kept_part(ctx.ws, key, "_suppliers_table.html", part),
            "refreshing": refresh_note(ctx.ws),
        },
    )


@router.get("/suppliers.{fmt}")
def supplier_export(request: Request, fmt: str, ctx: CtxDep) -> Response:
    req = table_request(request, explore_queries.SUPPLIERS)
    rows = explore_queries.supplier_rows(ctx.ws, ctx.viewer, req)
    return export_response(ctx, request, explore_queries.SUPPLIERS, rows, fmt, "suppliers")


@router.get("/supplier")
def supplier_page(request: Request, ctx: CtxDep, name: str = "") -> Response:
    key = ("supplier", scope_key(ctx.viewer), name)
    sup = READS.get(ctx.ws, key, lambda: explore_queries.supplier(ctx.ws, ctx.viewer, name))
    return render(
        request,
        "supplier.html",
        {
            "s": sup,
            "body": kept_part(
                ctx.ws, key, "_supplier_body.html", lambda: {"s": sup, "anchors": _anchors(ctx)}
            ),
            "refreshing": refresh_note(ctx.ws),
        },
    )


@router.get("/anchors/{org}/transactions")
def transactions(request: Request, org: str, ctx: CtxDep) -> Response:
    slug = ctx.ws.config.anchor(org).slug
    req = table_request(request, explore_queries.PAYMENTS)
    key = ("payments", scope_key(ctx.viewer), slug, req)

    def part() -> dict[
        str, Any
    ]:  # the table, its filters and pager: the same for everyone of this scope
        page = _linked(
            READS.get(ctx.ws, key, lambda: explore_queries.payments(ctx.ws, ctx.viewer, slug, req))
        )
        choices = {
            "category": [(c, c) for c in page.extra.get("categories", [])],
            "year": _years(ctx),
        }
        view = table_view(
            page, f"/anchors/{slug}/transactions", labels={"ward": page.extra.get("ward_names", {})}
        )
        return {"t": view, "choices": choices, "anchors": _anchors(ctx)}

    return render(
        request,
        "transactions.html",
        {
            "org": slug,
            "req": req,
            "table": kept_part(ctx.ws, key, "_transactions_table.html", part),
            "refreshing": refresh_note(ctx.ws),
        },
    )


@router.get("/anchors/{org}/transactions.{fmt}")
def transactions_export(request: Request, org: str, fmt: str, ctx: CtxDep) -> Response:
    slug = ctx.ws.config.anchor(org).slug
    req = table_request(request, explore_queries.PAYMENTS)
    rows = explore_queries.payment_rows(ctx.ws, ctx.viewer, slug, req)
    return export_response(
        ctx, request, explore_queries.PAYMENTS, rows, fmt, f"payments-{slug}", org=slug
    )
