"""The supplier register in the workspace: review one record at a time (with "same as…" found by name),
decisions and their undo, the resolved suppliers, CSV export."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from anchorage.access import resolved_suppliers as resolved
from anchorage.access import supplier_review as register
from anchorage.access import supplier_review_item as one
from anchorage.access.table import memory_page, memory_rows
from anchorage.services.suppliers import review_actions
from anchorage.web.deps import CtxDep, FormDep, client_ip
from anchorage.web.render import render
from anchorage.web.table import export_response, table_request, table_view

router = APIRouter(prefix="/suppliers")
DECISIONS_SHOWN = 20


def _field(form: FormDep, name: str, limit: int = 200) -> str:
    return str(form.get(name, "")).strip()[:limit]


def _position(raw: str) -> int:
    return int(raw) if raw.isdigit() and len(raw) < 8 else 1


@router.get("/review")
def review_page(
    request: Request, ctx: CtxDep, at: str = "1", q: str = "", saved: str = "", undone: str = ""
) -> Response:
    item = one.review_item(ctx.ws, ctx.viewer, _position(at))
    found = (
        one.find_suppliers(ctx.ws, ctx.viewer, q, besides=item.item.record_id)
        if item and q.strip()
        else []
    )
    decisions = one.decisions_in_words(ctx.ws, ctx.viewer)
    return render(
        request,
        "supplier_review.html",
        {
            "r": item,
            "q": q.strip()[:100],
            "found": found,
            "decisions": decisions[:DECISIONS_SHOWN],
            "decision_count": len(decisions),
            "saved": next((d for d in decisions if d["id"] == saved), None),
            "undone": bool(undone),
            "actions": review_actions(),
            "words": one.DECISION_WORDS,
        },
    )


@router.get("/review/all")
def review_overview(request: Request, ctx: CtxDep) -> Response:
    page = memory_page(
        one.QUEUE, table_request(request, one.QUEUE), one.queue_rows(ctx.ws, ctx.viewer)
    )
    for r in page.rows:
        r["_links"] = {"supplier": f"/suppliers/review?at={r['position']}#item"}
    anchors = {a.slug: a.name for a in ctx.ws.config.anchors}
    return render(
        request,
        "supplier_review_all.html",
        {
            "t": table_view(page, "/suppliers/review/all", export=bool(ctx.viewer.detail_orgs)),
            "choices": {"anchor": [(o, anchors.get(o, o)) for o in sorted(ctx.viewer.detail_orgs)]},
        },
    )


@router.get("/review/all.{fmt}")
def review_overview_export(request: Request, fmt: str, ctx: CtxDep) -> Response:
    rows = memory_rows(
        one.QUEUE, table_request(request, one.QUEUE), one.queue_rows(ctx.ws, ctx.viewer)
    )
    return export_response(ctx, request, one.QUEUE, rows, fmt, "suppliers-to-review")


@router.post("/review/decide")
def decide(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    decision = register.decide(
        ctx.ws,
        ctx.viewer,
        _field(form, "action", 16),
        _field(form, "record_id", 32),
        register=_field(form, "register", 60) or None,
        other_record_id=_field(form, "other_record_id", 32) or None,
        note=_field(form, "note", 1000) or None,
        ip=client_ip(request),
    )
    # The decided record leaves the queue: the same position now holds the next one.
    at = _position(_field(form, "at", 8))
    return RedirectResponse(
        "/suppliers/review?" + urlencode({"saved": decision, "at": at}), status_code=303
    )


@router.post("/review/decisions/{decision_id}/undo")
def undo(request: Request, decision_id: str, ctx: CtxDep, form: FormDep) -> Response:
    register.undo(ctx.ws, ctx.viewer, decision_id, ip=client_ip(request))
    at = _position(_field(form, "at", 8))
    return RedirectResponse(
        "/suppliers/review?" + urlencode({"undone": decision_id, "at": at}), status_code=303
    )


@router.get("/resolved")
def resolved_page(request: Request, ctx: CtxDep) -> Response:
    page = resolved.page(ctx.ws, ctx.viewer, table_request(request, resolved.RESOLVED))
    for r in page.rows:
        entry = one.register_page(r["register_source"], r["register_id"])
        r["_links"] = {
            "supplier": "/supplier?" + urlencode({"name": r["supplier_key"]}),
            **({"entry": entry} if entry else {}),
        }
    view = table_view(
        page,
        "/suppliers/resolved",
        export=bool(ctx.viewer.detail_orgs),
        export_path="/suppliers/resolved/table",
    )
    return render(request, "suppliers_resolved.html", {"t": view})


@router.get("/resolved/table.{fmt}")
def resolved_export(request: Request, fmt: str, ctx: CtxDep) -> Response:
    rows = resolved.rows(ctx.ws, ctx.viewer, table_request(request, resolved.RESOLVED))
    return export_response(ctx, request, resolved.RESOLVED, rows, fmt, "resolved-suppliers")


@router.get("/resolved.csv")
def resolved_csv(request: Request, ctx: CtxDep) -> Response:
    body = register.export_csv(ctx.ws, ctx.viewer, ip=client_ip(request))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="anchorage-suppliers.csv"'},
    )
