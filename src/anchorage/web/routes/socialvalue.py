"""Social value pages: commitments vs delivery dashboard, the behind list, the framework, and the forms to
record a commitment or a delivery report line."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from anchorage.access.page_periods import socialvalue_period
from anchorage.core.scope import COLLABORATIVE
from anchorage.reports.socialvalue_charts import delivery_chart
from anchorage.reports.tables import org_name
from anchorage.services import socialvalue as sv
from anchorage.services.procurement import frame_records
from anchorage.web import forms
from anchorage.web.deps import CtxDep, FormDep, client_ip
from anchorage.web.render import render

router = APIRouter()


@router.get("/socialvalue")
def dashboard(
    request: Request, ctx: CtxDep, org: str = "", as_of: str = "", year: str = ""
) -> Response:
    slug = ctx.ws.config.anchor(org).slug if org else COLLABORATIVE
    anchors = {a.slug: a.name for a in ctx.ws.config.anchors}
    period, year_end = socialvalue_period(ctx.ws, year[:10] or None)
    period["keep"] = {"org": slug} if org else {}
    st, counts = sv.status(ctx.ws, ctx.viewer, forms.date(as_of, "the status") or year_end)
    label = org_name(slug, anchors)

    def rows(name: str, by_org: bool = True) -> list[dict]:
        df = st.tables.get(name)
        if df is None or df.empty:
            return []
        return frame_records(df[df["org"] == slug] if by_org else df)

    detail = slug == COLLABORATIVE or ctx.viewer.sees_detail(slug)
    behind = [b for b in st.behind if slug == COLLABORATIVE or b["org"] == slug]
    return render(
        request,
        "socialvalue.html",
        {
            "org": slug,
            "label": label,
            "st": st,
            "empty": st.empty,
            "chart": delivery_chart(st.tables["themes"], slug, org_label=label)
            if not st.empty
            else "",
            "totals": rows("anchors"),
            "by_anchor": rows("anchors", by_org=False) if slug == COLLABORATIVE else [],
            "themes": rows("themes"),
            "measures": rows("measures"),
            "years": rows("years"),
            "suppliers": rows("suppliers") if slug != COLLABORATIVE else [],
            "behind": behind,
            "counts": counts,
            "detail": detail,
            "period": period,
            "hidden": sum(
                n
                for o, n in counts.items()
                if not ctx.viewer.sees_detail(o) and (slug == COLLABORATIVE or o == slug)
            ),
        },
    )


@router.get("/socialvalue/framework")
def framework(request: Request, ctx: CtxDep) -> Response:
    fw = sv.framework(ctx.ws)
    return render(request, "socialvalue_framework.html", {"fw": fw, "rows": fw.rows()})


def _record_page(
    request: Request,
    ctx: CtxDep,
    *,
    error: sv.EntryInvalid | None = None,
    which: str = "",
    form: dict | None = None,
    done: str = "",
    status: int = 200,
) -> Response:
    fw = sv.framework(ctx.ws)
    return render(
        request,
        "socialvalue_record.html",
        {
            "measures": list(fw.measures.values()),
            "error": error,
            "which": which,
            "form": form or {},
            "done": done,
            "can_record": sv.can_record(ctx.viewer, ctx.viewer.org),
        },
        status=status,
    )


@router.get("/socialvalue/record")
def record_form(request: Request, ctx: CtxDep, done: str = "") -> Response:
    return _record_page(
        request,
        ctx,
        done="commitment" if done == "commitment" else "delivery" if done == "delivery" else "",
    )


async def _record(
    request: Request, ctx: CtxDep, form: FormDep, which: Literal["commitment", "delivery"]
) -> Response:
    data = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    try:
        sv.record_entry(
            ctx.ws, ctx.viewer, ctx.viewer.org or "", which, data, ip=client_ip(request)
        )
    except sv.EntryInvalid as exc:
        return _record_page(request, ctx, error=exc, which=which, form=data, status=400)
    return RedirectResponse(f"/socialvalue/record?done={which}", status_code=303)


@router.post("/socialvalue/commitments")
async def post_commitment(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    return await _record(request, ctx, form, "commitment")


@router.post("/socialvalue/deliveries")
async def post_delivery(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    return await _record(request, ctx, form, "delivery")
