"""LM3 pages: results per anchor, one-time survey links, the public supplier survey and the what-if simulator.

The survey is public (a supplier needs no account) but answers only through a one-time link that a signed-in
anchor user issued, so a stranger cannot add answers and each link adds at most one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from anchorage.access import queries
from anchorage.access.page_periods import lm3_period
from anchorage.core.errors import AnchorageError
from anchorage.core.scope import COLLABORATIVE
from anchorage.reports.socialvalue_charts import lm3_chart
from anchorage.services import socialvalue as sv
from anchorage.services.procurement import frame_records
from anchorage.web import forms
from anchorage.web.deps import CtxDep, FormDep, client_ip
from anchorage.web.render import render

router = APIRouter()


def _lm3_page(
    request: Request, ctx: CtxDep, *, issued: dict | None = None, error: str = "", status: int = 200
) -> Response:
    fw = sv.framework(ctx.ws)
    period = lm3_period(ctx.ws, str(request.query_params.get("year", ""))[:10] or None)
    res = sv.lm3(ctx.ws, ctx.viewer, fw, year=period["year"])
    anchors = {a.slug: a.name for a in ctx.ws.config.anchors}
    org = ctx.viewer.org
    can_issue = sv.can_issue_links(ctx.viewer, org)
    return render(
        request,
        "lm3.html",
        {
            "table": frame_records(res.table),
            "chart": lm3_chart(res.table, anchors),
            "fw": fw,
            "responses": frame_records(res.responses.sort_values(["org", "supplier_name"]))
            if not res.responses.empty
            else [],
            "links": sv.survey_links(ctx.ws, ctx.viewer, org),
            "can_issue": can_issue,
            "issued": issued,
            "error": error,
            "period": period,
        },
        status=status,
    )


@router.get("/lm3")
def lm3_page(request: Request, ctx: CtxDep) -> Response:
    return _lm3_page(request, ctx)


@router.post("/lm3/links")
def new_link(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    # The viewer's own anchor unless the form names another (the service refuses what they may not do).
    org = str(form.get("org") or ctx.viewer.org or "")
    sv.require_survey_issuer(ctx.ws, ctx.viewer, org)
    try:
        income = forms.money(str(form.get("income", "")), "spend with the supplier")
    except AnchorageError:
        return _lm3_page(
            request,
            ctx,
            error="Spend with the supplier: enter an amount in pounds, or leave it blank.",
            status=400,
        )
    try:
        issued = sv.issue_survey_link(
            ctx.ws,
            ctx.viewer,
            org,
            str(form.get("supplier_name", "")),
            income=income,
            ip=client_ip(request),
        )
    except AnchorageError as exc:
        return _lm3_page(request, ctx, error=f"{exc.message} {exc.web_fix or ''}", status=400)
    url = str(request.base_url).rstrip("/") + f"/survey/{issued.token}"
    return _lm3_page(request, ctx, issued={"url": url, "expires": issued.expires_at})


def _survey_page(
    request: Request,
    token: str,
    *,
    error: sv.SurveyInvalid | None = None,
    form: dict | None = None,
    status: int = 200,
) -> Response:
    try:
        link = sv.open_link(request.app.state.ws, token)
    except sv.LinkNotValid as exc:
        return render(
            request,
            "error.html",
            {"status": 404, "message": exc.message, "fix": exc.web_fix},
            status=404,
        )
    ws = request.app.state.ws
    return render(
        request,
        "survey.html",
        {
            "token": token,
            "link": link,
            "anchor": ws.config.anchor(link.org).name,
            "place": ws.config.place.name or "the local area",
            "fields": sv.PERCENT_FIELDS,
            "error": error,
            "form": form or {},
        },
        status=status,
    )


@router.get("/survey/{token}")
def survey(request: Request, token: str) -> Response:
    return _survey_page(request, token)


@router.post("/survey/{token}")
def survey_answer(request: Request, token: str, form: FormDep) -> Response:
    data = {k: str(v)[:200] for k, v in form.items() if isinstance(v, str)}
    try:
        link = sv.submit_answers(request.app.state.ws, token, data)
    except sv.SurveyInvalid as exc:
        return _survey_page(request, token, error=exc, form=data, status=400)
    except sv.LinkNotValid as exc:
        return render(
            request,
            "error.html",
            {"status": 404, "message": exc.message, "fix": exc.web_fix},
            status=404,
        )
    return render(
        request, "survey_done.html", {"anchor": request.app.state.ws.config.anchor(link.org).name}
    )


@router.get("/lm3/simulate")
def simulator(
    request: Request, ctx: CtxDep, category: str = "", shift: str = "", org: str = "", lm3: str = ""
) -> Response:
    slug = ctx.ws.config.anchor(org).slug if org else COLLABORATIVE
    tables = queries.analysis(ctx.ws, ctx.viewer).tables
    cats = tables["categories"]
    options = (
        cats[cats["org"] == slug]
        .sort_values("non_local_spend", ascending=False)["category"]
        .head(60)
    )
    result, error = None, ""
    if category:
        try:
            pct = float(shift)
            override = float(lm3) if lm3.strip() else None
        except ValueError:
            error = "Enter the shift as a percentage from 0 to 100, and LM3 (if given) as a number like 1.6."
        else:
            fw = sv.framework(ctx.ws)
            try:
                result = sv.simulate(
                    tables,
                    sv.all_responses(ctx.ws, fw),
                    fw,
                    category=category[:200],
                    shift_pct=pct,
                    org=slug,
                    lm3_override=override,
                )
            except AnchorageError as exc:
                error = f"{exc.message} {exc.web_fix or ''}"
    return render(
        request,
        "simulate.html",
        {
            "org": slug,
            "categories": list(options),
            "category": category,
            "shift": shift,
            "lm3": lm3,
            "result": result,
            "error": error,
        },
        status=400 if error else 200,
    )
