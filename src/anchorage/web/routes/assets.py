"""Land and buildings: the collaborative register, the map with co-location candidates, the underused asset
review with decisions, occupancy entry, Assets of Community Value and community asset transfers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from anchorage.access.assets_table import REGISTER, REVIEW, review_rows, table_rows
from anchorage.access.table import memory_page, memory_rows
from anchorage.core.errors import AnchorageError
from anchorage.reports.assets_map import asset_map_html
from anchorage.services import assets as av
from anchorage.web.deps import CtxDep, FormDep, client_ip
from anchorage.web.render import done_redirect, render
from anchorage.web.table import export_response, table_request, table_view

router = APIRouter()
SHOWN = 500  # register rows on one page


def _filtered(request: Request, ctx: CtxDep) -> tuple[list[dict], list[dict], av.Filters]:
    rows = av.register_rows(ctx.ws, ctx.viewer)
    chosen = av.Filters.of(**{k: request.query_params.getlist(k) for k in av.FILTERS})
    return rows, [r for r in rows if chosen.keep(r)], chosen


def _number(form: FormDep, key: str, what: str) -> float | None:
    raw = str(form.get(key) or "").strip().rstrip("%")
    if not raw:
        return None
    try:
        return float(raw.replace(",", ""))
    except ValueError:
        raise AnchorageError(
            f'{what} "{raw[:40]}" is not a number.', fix="Enter a number, or leave it empty."
        ) from None


@router.get("/assets")
def register(request: Request, ctx: CtxDep) -> Response:
    rows, shown, chosen = _filtered(request, ctx)
    page = memory_page(REGISTER, table_request(request, REGISTER), table_rows(shown))
    keep = {k: sorted(v) for k, v in chosen.chosen.items() if v}
    return render(
        request,
        "assets_register.html",
        {
            "t": table_view(page, "/assets", keep=keep, export_path="/assets/register"),
            "count": len(shown),
            "total": len(rows),
            "options": av.filter_options(rows),
            "chosen": chosen.chosen,
            "by_anchor": av.register_summary(shown, "org"),
            "by_type": av.register_summary(shown, "type")[:20],
            "by_tenure": av.register_summary(shown, "tenure"),
        },
    )


@router.get("/assets/register.{fmt}")
def register_export(request: Request, fmt: str, ctx: CtxDep) -> Response:
    _rows, shown, _chosen = _filtered(request, ctx)
    kept = memory_rows(REGISTER, table_request(request, REGISTER), table_rows(shown))
    return export_response(ctx, request, REGISTER, kept, fmt, "land-and-buildings")


@router.get("/assets/map")
def asset_map(request: Request, ctx: CtxDep, distance: float = 250) -> Response:
    rows, shown, chosen = _filtered(request, ctx)
    lsoas, imd, wards = av.map_layers(ctx.ws)
    anchors = {a.slug: a.name for a in ctx.ws.config.anchors}
    svg = Markup(
        asset_map_html(lsoas, imd, wards, shown, anchors, controls=False)
    )  # labels escaped there
    return render(
        request,
        "assets_map.html",
        {
            "map": svg,
            "count": len(shown),
            "total": len(rows),
            "options": av.filter_options(rows),
            "chosen": chosen.chosen,
            "distance": distance,
            "pairs": av.colocation(ctx.ws, shown, distance)[:SHOWN],
        },
    )


@router.get("/assets/review")
def review(request: Request, ctx: CtxDep, done: str = "") -> Response:
    view = av.review(ctx.ws, ctx.viewer)
    page = memory_page(REVIEW, table_request(request, REVIEW), review_rows(view.items))
    anchors = {a.slug: a.name for a in ctx.ws.config.anchors}
    return render(
        request,
        "assets_review.html",
        {
            "view": view,
            "decisions": av.DECISIONS,
            "done": done,
            "t": table_view(page, "/assets/review"),
            "choices": {"anchor": [(o, anchors.get(o, o)) for o in sorted(ctx.viewer.detail_orgs)]},
        },
    )


@router.get("/assets/review.{fmt}")
def review_export(request: Request, fmt: str, ctx: CtxDep) -> Response:
    rows = memory_rows(
        REVIEW, table_request(request, REVIEW), review_rows(av.review(ctx.ws, ctx.viewer).items)
    )
    return export_response(ctx, request, REVIEW, rows, fmt, "underused-assets")


@router.post("/assets/review/decide")
def decide(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    av.decide(
        ctx.ws,
        ctx.viewer,
        str(form.get("org") or ""),
        str(form.get("asset_key") or ""),
        str(form.get("decision") or ""),
        str(form.get("note") or ""),
        ip=client_ip(request),
    )
    return done_redirect("/assets/review", f"Decision recorded for {form.get('asset_key')}.")


@router.get("/assets/occupancy")
def occupancy_form(request: Request, ctx: CtxDep, done: str = "") -> Response:
    return render(
        request,
        "assets_occupancy.html",
        {"assets": av.own_assets(ctx.ws, ctx.viewer), "done": done},
    )


@router.post("/assets/occupancy")
def occupancy(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    surplus = {"yes": True, "no": False}.get(str(form.get("surplus") or ""))
    key = str(form.get("asset_key") or "")
    av.record_occupancy(
        ctx.ws,
        ctx.viewer,
        ctx.viewer.org or "",
        key,
        period=str(form.get("period") or "").strip(),
        occupied_floor_m2=_number(form, "occupied_floor_m2", "Occupied floor area"),
        hours_per_week=_number(form, "hours_per_week", "Hours used per week"),
        vacancy_pct=_number(form, "vacancy_pct", "Vacancy"),
        surplus=surplus,
        ip=client_ip(request),
    )
    return done_redirect("/assets/occupancy", f"Occupancy recorded for {key}.")


@router.get("/assets/acv")
def acv(request: Request, ctx: CtxDep, done: str = "") -> Response:
    rows = av.transfers(ctx.ws)
    return render(
        request,
        "assets_acv.html",
        {
            "acv": av.acv_register(ctx.ws),
            "transfers": rows,
            "steps": av.TRANSFER_STEPS,
            "terms": av.TERMS,
            "own_assets": av.own_assets(ctx.ws, ctx.viewer),
            "done": done,
            "keeps_acv": av.keeps_acv(ctx.ws, ctx.viewer),
        },
    )


@router.post("/assets/acv/{action}")
def acv_change(request: Request, action: str, ctx: CtxDep, form: FormDep) -> Response:
    av.acv_action(
        ctx.ws,
        ctx.viewer,
        action,
        {k: str(v) for k, v in form.items() if k != "csrf_token"},
        ip=client_ip(request),
    )
    return done_redirect("/assets/acv", "The Assets of Community Value list is updated.")


@router.post("/assets/transfers")
def transfer_change(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    av.transfer_action(
        ctx.ws,
        ctx.viewer,
        {k: str(v) for k, v in form.items() if k != "csrf_token"},
        ip=client_ip(request),
    )
    return done_redirect("/assets/acv", "The transfer is recorded.")
