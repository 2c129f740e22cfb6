"""The workforce JSON API: the same figures as the pages, through the same gate and the same suppression."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder

from anchorage.access import bid_queries as bq
from anchorage.access import workforce_queries as wq
from anchorage.web.deps import CtxDep
from anchorage.web.routes.workforce import day
from anchorage.web.workforce_views import levy_json, records, rotations_json

router = APIRouter(prefix="/api/v1/workforce", tags=["workforce"])


@router.get("/profile")
def profile(ctx: CtxDep) -> dict[str, Any]:
    """The staff indicators per anchor and for the collaborative; a suppressed count or share is null."""
    return {"ok": True, **jsonable_encoder(wq.profile(ctx.ws, ctx.viewer).to_json())}


@router.get("/apprenticeships")
def apprenticeships(ctx: CtxDep) -> dict[str, Any]:
    """The latest rotation plan's summary, the calendars of your anchor's apprentices and placements, and
    apprentices hosted per anchor and month (suppressed)."""
    return jsonable_encoder(rotations_json(ctx.ws, ctx.viewer))


@router.get("/levy")
def levy(ctx: CtxDep, as_at: str = "") -> dict[str, Any]:
    """The levy pool: tax-year totals, caps and warnings for all; ledger lines and commitments of the
    anchors whose detail you see."""
    return jsonable_encoder(levy_json(ctx.ws, ctx.viewer, day(as_at)))


@router.get("/bid")
def bid(ctx: CtxDep, programme: str = "", bid_date: str = "") -> dict[str, Any]:
    """The collective bid: pledges with eligibility reasons, the threshold, grants, and starts and
    outcomes by employer (suppressed)."""
    v = bq.bid(ctx.ws, ctx.viewer, programme or None, day(bid_date))
    seen = {c.pledge_id for c in v.checks}
    out = v.summary.to_json()
    out["pledges"] = [
        p for p in out["pledges"] if p["pledge_id"] in seen
    ]  # others' pledges are their detail
    return {
        "ok": True,
        **jsonable_encoder(out),
        "pledged": [{"employer": e, "placements": n} for e, n in v.pledged],
        "starts_and_outcomes": jsonable_encoder(records(bq.starts_table(ctx.ws, ctx.viewer))),
    }


@router.get("/he")
def he(ctx: CtxDep, by: str = "anchor") -> dict[str, Any]:
    """HE partner engagements by anchor, partner or outcome, and kind; people involved suppressed."""
    return {
        "ok": True,
        "by": by,
        "rows": jsonable_encoder(records(wq.he_summary(ctx.ws, ctx.viewer, by))),
    }
