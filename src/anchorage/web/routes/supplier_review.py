"""The supplier register in the workspace: review queue and decisions, resolved suppliers, CSV export."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from anchorage.access import supplier_review as register
from anchorage.store.suppliers_records import ACTIONS
from anchorage.web.deps import CtxDep, FormDep, client_ip
from anchorage.web.render import render

router = APIRouter(prefix="/suppliers")


def _field(form: FormDep, name: str, limit: int = 200) -> str:
    return str(form.get(name, "")).strip()[:limit]


@router.get("/review")
def review_page(request: Request, ctx: CtxDep, saved: str = "", undone: str = "") -> Response:
    return render(request, "supplier_review.html", {
        "items": register.queue(ctx.ws, ctx.viewer), "decisions": register.decisions(ctx.ws, ctx.viewer),
        "saved": bool(saved), "undone": bool(undone), "actions": ACTIONS,
    })


@router.post("/review/decide")
def decide(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    decision = register.decide(ctx.ws, ctx.viewer, _field(form, "action", 16), _field(form, "record_id", 32), register=_field(form, "register", 60) or None,
                               other_record_id=_field(form, "other_record_id", 32) or None,
                               note=_field(form, "note", 1000) or None, ip=client_ip(request))
    return RedirectResponse(f"/suppliers/review?saved={decision}", status_code=303)


@router.post("/review/decisions/{decision_id}/undo")
def undo(request: Request, decision_id: str, ctx: CtxDep, form: FormDep) -> Response:
    register.undo(ctx.ws, ctx.viewer, decision_id, ip=client_ip(request))
    return RedirectResponse(f"/suppliers/review?undone={decision_id}", status_code=303)


@router.get("/resolved")
def resolved_page(request: Request, ctx: CtxDep, q: str = "") -> Response:
    rows, total = register.clusters(ctx.ws, ctx.viewer, search=q.strip()[:100])
    return render(request, "suppliers_resolved.html", {"clusters": rows, "total": total, "q": q})


@router.get("/resolved.csv")
def resolved_csv(request: Request, ctx: CtxDep) -> Response:
    body = register.export_csv(ctx.ws, ctx.viewer, ip=client_ip(request))
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="anchorage-suppliers.csv"'})
