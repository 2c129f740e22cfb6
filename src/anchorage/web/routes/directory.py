"""For signed-in anchor users: the local supplier directory (search and export), and the management of open
opportunities (which anchors publish their own pipeline, registration outcomes, the purge)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from anchorage.access import audit
from anchorage.access.accounts import Forbidden
from anchorage.config import TIERS
from anchorage.core.errors import AnchorageError
from anchorage.opportunities.directory import export, search
from anchorage.opportunities.registration import FORM, SIZES, purge_unconfirmed, supplier_categories
from anchorage.opportunities.source import public_pipelines, set_pipeline_public
from anchorage.public_forms.protection import attempt_outcomes
from anchorage.web.deps import CtxDep, FormDep, client_ip
from anchorage.web.render import render
from anchorage.web.routes.opportunities import notice_cache

router = APIRouter()
MEDIA = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _filters(category: str, tier: str, size: str, vcse: str, q: str) -> dict[str, object]:
    return {"category": category or None, "tier": tier if tier in TIERS else None,
            "size": size if size in SIZES else None, "vcse": {"yes": True, "no": False}.get(vcse),
            "q": q.strip()[:100]}


@router.get("/directory")
def directory(request: Request, ctx: CtxDep, category: str = "", tier: str = "", size: str = "", vcse: str = "",
              q: str = "") -> Response:
    rows = search(ctx.ws, include_contact=True, **_filters(category, tier, size, vcse, q))  # type: ignore[arg-type]
    query = request.url.query
    return render(request, "directory.html", {
        "rows": rows, "categories": supplier_categories(ctx.ws), "tiers": TIERS, "sizes": SIZES,
        "chosen": {"category": category, "tier": tier, "size": size, "vcse": vcse, "q": q}, "query": query})


@router.get("/directory/export.{fmt}")
def directory_export(request: Request, fmt: str, ctx: CtxDep, category: str = "", tier: str = "", size: str = "",
                     vcse: str = "", q: str = "") -> Response:
    if fmt not in MEDIA:
        raise AnchorageError(f"We do not export .{fmt}.", fix="Use export.csv or export.xlsx.")
    rows = search(ctx.ws, include_contact=True, **_filters(category, tier, size, vcse, q))  # type: ignore[arg-type]
    with ctx.ws.session() as s:
        audit.record(s, ctx.user.email, "export", org=ctx.viewer.org, ip=client_ip(request),
                     detail={"what": "supplier-directory", "format": fmt, "rows": len(rows)})
        s.commit()
    return Response(export(rows, fmt), media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="local-suppliers.{fmt}"'})


@router.get("/opportunities/manage")
def manage(request: Request, ctx: CtxDep) -> Response:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=7)
    return render(request, "opportunities_manage.html", {
        "published": public_pipelines(ctx.ws), "outcomes": attempt_outcomes(ctx.ws, since, FORM)})


@router.post("/opportunities/manage/publish")
def publish(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    org = ctx.ws.config.anchor(str(form.get("org", ""))).slug
    ctx.viewer.require_admin(org)
    public = form.get("public") == "yes"
    set_pipeline_public(ctx.ws, org, public, ctx.user.email)
    notice_cache(request).clear()  # the public page shows the change at once
    with ctx.ws.session() as s:
        audit.record(s, ctx.user.email, "pipeline-published" if public else "pipeline-unpublished", org=org,
                     ip=client_ip(request))
        s.commit()
    return RedirectResponse("/opportunities/manage", status_code=303)


@router.post("/opportunities/manage/purge")
def purge(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    if not ctx.viewer.is_collaborative_admin:
        raise Forbidden("Only the collaborative admin can purge registrations.", fix="Ask the collaborative admin.")
    gone = purge_unconfirmed(ctx.ws)
    with ctx.ws.session() as s:
        audit.record(s, ctx.user.email, "registrations-purged", ip=client_ip(request), detail={"deleted": gone})
        s.commit()
    return render(request, "opportunities_manage.html", {
        "published": public_pipelines(ctx.ws), "purged": gone,
        "outcomes": attempt_outcomes(ctx.ws, dt.datetime.now(dt.UTC) - dt.timedelta(days=7), FORM)})
