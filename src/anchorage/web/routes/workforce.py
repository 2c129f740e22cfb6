"""Workforce pages: the suppressed staff profile, apprenticeship rotations (calendars, re-plan), the levy
pool (ledger, transfers, export), the collective bid (checks, pack) and HE partners."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from anchorage.access.accounts import Forbidden
from anchorage.core.errors import AnchorageError, NotFound
from anchorage.services import workforce as wf
from anchorage.web import forms
from anchorage.web.deps import CtxDep, FormDep, client_ip
from anchorage.web.render import render
from anchorage.web.workforce_views import bid_view, he_view, levy_view, profile_view, rotations_view

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PACK = {"xlsx": XLSX, "pdf": "application/pdf", "html": "text/html"}


def month(text: str, what: str) -> dt.date:
    return forms.month(text, what)


def day(text: str) -> dt.date | None:
    return forms.date(text, "the day asked")


def download(tmp: Path, path: Path, media: str) -> Response:
    """A file the service wrote (and audited) into `tmp`, which goes once it is sent."""
    return FileResponse(
        path,
        media_type=media,
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True),
    )


@router.get("/workforce")
def profile(request: Request, ctx: CtxDep, year: str = "") -> Response:
    return render(request, "workforce.html", profile_view(ctx.ws, ctx.viewer, year[:10] or None))


@router.get("/workforce/apprenticeships")
def apprenticeships(request: Request, ctx: CtxDep) -> Response:
    return render(request, "apprenticeships.html", rotations_view(ctx.ws, ctx.viewer))


@router.post("/workforce/apprenticeships/replan")
def replan(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    dropout, placement = str(form.get("apprentice", "")), str(form.get("placement", ""))
    try:
        result = wf.replan(
            ctx.ws,
            ctx.viewer,
            dropout=dropout,
            placement=placement,
            from_month=month(str(form.get("from_month", "")), "the change"),
            ip=client_ip(request),
        )
    except (Forbidden, NotFound):
        raise
    except AnchorageError as exc:
        return render(
            request,
            "apprenticeships.html",
            {**rotations_view(ctx.ws, ctx.viewer), "error": exc},
            status=400,
        )
    return render(
        request, "apprenticeships.html", {**rotations_view(ctx.ws, ctx.viewer), "replanned": result}
    )


@router.get("/workforce/apprenticeships/calendar.xlsx")
def calendar_xlsx(request: Request, ctx: CtxDep) -> Response:
    tmp = Path(tempfile.mkdtemp(dir=ctx.ws.tmp_dir))
    path = wf.calendars_file(ctx.ws, ctx.viewer, tmp / "rotations.xlsx", ip=client_ip(request))
    return download(tmp, path, XLSX)


@router.get("/workforce/levy")
def levy(request: Request, ctx: CtxDep) -> Response:
    return render(request, "levy.html", levy_view(ctx.ws, ctx.viewer))


@router.post("/workforce/levy/transfers")
def transfer(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    org = ctx.viewer.org or ""
    price = forms.money(str(form.get("total_price", "")), "total price") or Decimal(0)
    try:
        months = int(str(form.get("duration_months", "")).strip())
    except ValueError:
        months = 0
    t = wf.Commitment(
        org,
        str(form.get("apprentice", "")).strip()[:64] or "transfer",
        month(str(form.get("start_month", "")), "the transfer's first payment"),
        months,
        price,
        str(form.get("recipient", "")).strip()[:200],
        str(form.get("recipient_type", "small-employer")),
    )
    if t.recipient_type not in ("anchor", "small-employer"):
        raise AnchorageError(
            "A transfer goes to another anchor or a small local employer.", fix="Choose one."
        )
    try:
        wf.levy_transfer(ctx.ws, ctx.viewer, t, ip=client_ip(request))
    except Forbidden:
        raise
    except AnchorageError as exc:
        return render(
            request, "levy.html", {**levy_view(ctx.ws, ctx.viewer), "error": exc}, status=400
        )
    return RedirectResponse("/workforce/levy#transfers", status_code=303)


@router.get("/workforce/levy/ledger.xlsx")
def ledger_xlsx(request: Request, ctx: CtxDep) -> Response:
    tmp = Path(tempfile.mkdtemp(dir=ctx.ws.tmp_dir))
    path = wf.ledger_file(ctx.ws, ctx.viewer, tmp / "levy-ledger.xlsx", ip=client_ip(request))
    return download(tmp, path, XLSX)


@router.get("/workforce/bid")
def bid(request: Request, ctx: CtxDep, programme: str = "", bid_date: str = "") -> Response:
    return render(
        request, "bid.html", bid_view(ctx.ws, ctx.viewer, programme or None, day(bid_date))
    )


@router.get("/workforce/bid/pack.{fmt}")
def bid_pack(
    request: Request, ctx: CtxDep, fmt: str, programme: str = "", bid_date: str = ""
) -> Response:
    if fmt not in PACK:
        raise AnchorageError(f"There is no .{fmt} bid pack.", fix="Choose XLSX, PDF or HTML.")
    tmp = Path(tempfile.mkdtemp(dir=ctx.ws.tmp_dir))
    path = wf.bid_pack(
        ctx.ws, ctx.viewer, tmp, fmt, programme or None, day(bid_date), ip=client_ip(request)
    )
    return download(tmp, path, PACK[fmt])


@router.get("/workforce/he")
def he(request: Request, ctx: CtxDep, by: str = "anchor") -> Response:
    return render(request, "he.html", he_view(ctx.ws, ctx.viewer, by))
