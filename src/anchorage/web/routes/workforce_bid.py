"""Pledges to the collective bid on the web: an anchor's admin or analyst enters a pledge (its own, or a small
local employer's), sees at once whether it meets the programme's rules and why not, withdraws it, and records
starts and outcomes in it. The library checks and saves; the gate (access.bid_queries) decides who may."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from anchorage.access import bid_queries as bq
from anchorage.access.accounts import Forbidden
from anchorage.core.errors import AnchorageError, NotFound
from anchorage.services.workforce import LABELS, audited
from anchorage.web.deps import Ctx, CtxDep, FormDep, client_ip
from anchorage.web.render import render
from anchorage.web.workforce_views import pledges_view

router = APIRouter()
PAGE = "bid_pledges.html"
PLEDGE_FIELDS = (
    "programme",
    *(k for k in LABELS if k not in ("participant", "start_date", "outcome", "outcome_date")),
)


def _audit(ctx: Ctx, request: Request, action: str, detail: dict[str, Any]) -> None:
    audited(ctx.ws, ctx.viewer, action, org=ctx.viewer.org, ip=client_ip(request), detail=detail)


def _failed(
    request: Request, ctx: Ctx, exc: AnchorageError, values: dict[str, str] | None = None
) -> Response:
    chosen = (values or {}).get("programme") or None
    try:
        view = pledges_view(ctx.ws, ctx.viewer, chosen)
    except AnchorageError:  # the programme itself was the problem: show the default one's totals
        view = pledges_view(ctx.ws, ctx.viewer)
    return render(request, PAGE, {**view, "error": exc, "values": values or {}}, status=400)


@router.get("/workforce/bid/pledges")
def pledges(request: Request, ctx: CtxDep, programme: str = "") -> Response:
    return render(request, PAGE, pledges_view(ctx.ws, ctx.viewer, programme or None))


@router.post("/workforce/bid/pledges")
def add_pledge(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    values = {k: str(form.get(k, "")) for k in PLEDGE_FIELDS}
    values["additionality"] = "Y" if form.get("additionality") else "N"
    try:
        check = bq.add_pledge(ctx.ws, ctx.viewer, values)
    except (Forbidden, NotFound):
        raise
    except AnchorageError as exc:
        return _failed(request, ctx, exc, values)
    _audit(
        ctx,
        request,
        "bid-pledge",
        {
            "pledge_id": check.pledge_id,
            "employer": check.employer,
            "placements": check.placements,
            "eligible": check.eligible,
        },
    )
    return render(
        request,
        PAGE,
        {**pledges_view(ctx.ws, ctx.viewer, values["programme"] or None), "checked": check},
    )


@router.post("/workforce/bid/pledges/{pledge_id}/withdraw")
def withdraw(request: Request, pledge_id: str, ctx: CtxDep, form: FormDep) -> Response:
    try:
        bq.withdraw_pledge(ctx.ws, ctx.viewer, pledge_id, ip=client_ip(request))
    except (Forbidden, NotFound):
        raise
    except AnchorageError as exc:
        return _failed(request, ctx, exc)
    _audit(ctx, request, "bid-pledge-withdrawn", {"pledge_id": pledge_id})
    return RedirectResponse("/workforce/bid/pledges#yours", status_code=303)


@router.post("/workforce/bid/pledges/{pledge_id}/starts")
def add_start(request: Request, pledge_id: str, ctx: CtxDep, form: FormDep) -> Response:
    values = {
        k: str(form.get(k, "")) for k in ("participant", "start_date", "outcome", "outcome_date")
    }
    try:
        start_id = bq.record_start(ctx.ws, ctx.viewer, pledge_id, values, ip=client_ip(request))
    except (Forbidden, NotFound):
        raise
    except AnchorageError as exc:
        return _failed(request, ctx, exc)
    _audit(ctx, request, "bid-start", {"pledge_id": pledge_id, "start_id": start_id})
    return RedirectResponse("/workforce/bid/pledges#starts", status_code=303)


@router.post("/workforce/bid/starts/{start_id}/outcome")
def set_outcome(request: Request, start_id: str, ctx: CtxDep, form: FormDep) -> Response:
    outcome = str(form.get("outcome", ""))
    try:
        bq.record_outcome(
            ctx.ws,
            ctx.viewer,
            start_id,
            outcome,
            str(form.get("outcome_date", "")),
            ip=client_ip(request),
        )
    except (Forbidden, NotFound):
        raise
    except AnchorageError as exc:
        return _failed(request, ctx, exc)
    _audit(ctx, request, "bid-outcome", {"start_id": start_id, "outcome": outcome[:64]})
    return RedirectResponse("/workforce/bid/pledges#starts", status_code=303)
