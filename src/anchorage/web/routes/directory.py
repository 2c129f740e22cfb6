"""For signed-in anchor users: the local supplier directory (search and export), and the management of open
opportunities (which anchors publish their own pipeline, registration outcomes, the purge)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from anchorage.core.errors import AnchorageError
from anchorage.services import procurement as svc
from anchorage.services.procurement import SIZES, TIERS
from anchorage.web.deps import CtxDep, FormDep, client_ip
from anchorage.web.render import render
from anchorage.web.routes.opportunities import notice_cache

router = APIRouter()
MEDIA = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _filters(category: str, tier: str, size: str, vcse: str, q: str) -> dict[str, object]:
    return {
        "category": category or None,
        "tier": tier if tier in TIERS else None,
        "size": size if size in SIZES else None,
        "vcse": {"yes": True, "no": False}.get(vcse),
        "q": q.strip()[:100],
    }


@router.get("/directory")
def directory(
    request: Request,
    ctx: CtxDep,
    category: str = "",
    tier: str = "",
    size: str = "",
    vcse: str = "",
    q: str = "",
) -> Response:
    rows = svc.directory(ctx.ws, ctx.viewer, **_filters(category, tier, size, vcse, q))
    query = request.url.query
    return render(
        request,
        "directory.html",
        {
            "rows": rows,
            "categories": svc.supplier_categories(ctx.ws),
            "tiers": TIERS,
            "sizes": SIZES,
            "chosen": {"category": category, "tier": tier, "size": size, "vcse": vcse, "q": q},
            "query": query,
        },
    )


@router.get("/directory/export.{fmt}")
def directory_export(
    request: Request,
    fmt: str,
    ctx: CtxDep,
    category: str = "",
    tier: str = "",
    size: str = "",
    vcse: str = "",
    q: str = "",
) -> Response:
    if fmt not in MEDIA:
        raise AnchorageError(f"We do not export .{fmt}.", fix="Use export.csv or export.xlsx.")
    body = svc.directory_export(
        ctx.ws, ctx.viewer, fmt, ip=client_ip(request), **_filters(category, tier, size, vcse, q)
    )
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="local-suppliers.{fmt}"'},
    )


@router.get("/opportunities/manage")
def manage(request: Request, ctx: CtxDep) -> Response:
    return render(
        request,
        "opportunities_manage.html",
        {
            "published": svc.published_pipelines(ctx.ws),
            "outcomes": svc.registration_outcomes(ctx.ws),
        },
    )


@router.post("/opportunities/manage/publish")
def publish(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    svc.publish_pipeline(
        ctx.ws,
        ctx.viewer,
        str(form.get("org", "")),
        form.get("public") == "yes",
        ip=client_ip(request),
    )
    notice_cache(request).clear()  # the public page shows the change at once
    return RedirectResponse("/opportunities/manage", status_code=303)


@router.post("/opportunities/manage/purge")
def purge(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    gone = svc.purge_registrations(ctx.ws, ctx.viewer, ip=client_ip(request))
    return render(
        request,
        "opportunities_manage.html",
        {
            "published": svc.published_pipelines(ctx.ws),
            "purged": gone,
            "outcomes": svc.registration_outcomes(ctx.ws),
        },
    )
