"""The JSON API: the same data as the pages, through the same gate; errors as {"ok": false, "error": ...}."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from anchorage.access import queries
from anchorage.access.read_cache import READS, scope_key
from anchorage.core.errors import AnchorageError
from anchorage.core.scope import COLLABORATIVE
from anchorage.services.procurement import exported
from anchorage.web.deps import CtxDep, client_ip
from anchorage.web.paging import Window, window
from anchorage.web.views import api_dashboard, benchmark_rows


def _takes(dependant: Dependant) -> set[str]:
    """The query parameters an endpoint takes, its dependencies' included (paging's limit and offset)."""
    return {p.alias for p in dependant.query_params}.union(*map(_takes, dependant.dependencies))


def known_parameters(request: Request) -> None:
    """A query parameter the endpoint does not take is refused in words, not silently ignored (a filter the
    pages offer, e.g. ?year= or ?category=, would otherwise seem to have been applied)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    takes = sorted(_takes(route.dependant))
    unknown = sorted(set(request.query_params) - set(takes))
    if unknown:
        raise AnchorageError(
            f"This address does not take {', '.join(unknown)}.",
            fix=f"It takes {', '.join(takes)}." if takes else "It takes no parameters.",
        )


router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(known_parameters)])
SupplierRows = Annotated[Window, Depends(window(50, 500))]
PaymentRows = Annotated[Window, Depends(window(100, 1000))]


@router.get("/me")
def me(ctx: CtxDep) -> dict[str, Any]:
    """Who the token or session belongs to, and whose detail they may see."""
    return {
        "ok": True,
        "email": ctx.user.email,
        "role": ctx.user.role,
        "org": ctx.user.org,
        "detail_orgs": sorted(ctx.viewer.detail_orgs),
    }


@router.get("/dashboard")
def collaborative_dashboard(ctx: CtxDep) -> Response:
    """Headline tiles and tables for the whole collaborative: {ok, org, label, tiles, detail_visible, tables}."""
    return Response(api_dashboard(ctx.ws, ctx.viewer, COLLABORATIVE), media_type="application/json")


@router.get("/dashboard/{org}")
def anchor_dashboard(org: str, ctx: CtxDep) -> Response:
    """One anchor's tiles and tables (its top suppliers only if you may see its detail)."""
    slug = ctx.ws.config.anchor(org).slug
    return Response(api_dashboard(ctx.ws, ctx.viewer, slug), media_type="application/json")


def _json(content: bytes) -> Response:
    return Response(content, media_type="application/json")


def _encoded(content: dict[str, Any]) -> bytes:
    """The body FastAPI would send for `content` (jsonable_encoder, then its JSONResponse), made once: kept reads
    are sent as these bytes, not encoded again on every request."""
    return bytes(JSONResponse(jsonable_encoder(content)).body)


@router.get("/benchmark", response_model=dict[str, Any])
def benchmark(ctx: CtxDep) -> Response:
    """Anchor against anchor on the headline shares."""
    return _json(
        READS.get(
            ctx.ws,
            ("api benchmark", scope_key(ctx.viewer)),
            lambda: _encoded({"ok": True, "rows": benchmark_rows(ctx.ws, ctx.viewer)}),
        )
    )


@router.get("/suppliers", response_model=dict[str, Any])
def suppliers(ctx: CtxDep, shown: SupplierRows, q: str = "") -> Response:
    """Suppliers of the anchors whose detail you may see, by spend."""
    search = q[:100]
    return _json(
        READS.get(
            ctx.ws,
            ("api suppliers", scope_key(ctx.viewer), search, shown.limit),
            lambda: _encoded(
                {
                    "ok": True,
                    "rows": queries.suppliers(ctx.ws, ctx.viewer, search=search, limit=shown.limit),
                }
            ),
        )
    )


@router.get("/anchors/{org}/transactions", response_model=dict[str, Any])
def transactions(
    request: Request, org: str, ctx: CtxDep, page: PaymentRows, q: str = ""
) -> Response:
    """One anchor's payments (detail: only its users and anchors it shares with)."""
    slug = ctx.ws.config.anchor(org).slug
    search = q[:100]

    def read() -> tuple[bytes, int]:
        rows, total = queries.transactions(
            ctx.ws, ctx.viewer, slug, search=search, limit=page.limit, offset=page.offset
        )
        return _encoded({"ok": True, "total": total, "rows": rows}), len(rows)

    body, shown = READS.get(
        ctx.ws, ("api payments", scope_key(ctx.viewer), slug, search, page.limit, page.offset), read
    )
    exported(ctx.ws, ctx.viewer, "transactions api", org=slug, ip=client_ip(request), rows=shown)
    return _json(body)


@router.get("/anchors/{org}/uploads")
def uploads(org: str, ctx: CtxDep) -> dict[str, Any]:
    """One anchor's uploads with their reconciliation."""
    rows = queries.uploads(ctx.ws, ctx.viewer, ctx.ws.config.anchor(org).slug)
    keys = (
        "id",
        "org",
        "kind",
        "filename",
        "status",
        "rows_read",
        "rows_loaded",
        "rows_quarantined",
        "amount_read",
        "amount_loaded",
        "amount_quarantined",
        "created_at",
    )
    return {"ok": True, "rows": jsonable_encoder([{k: getattr(u, k) for k in keys} for u in rows])}
