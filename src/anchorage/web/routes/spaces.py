"""Community spaces: spaces anchors offer, needs groups post, ranked matches, and the request → offer →
booking workflow with in-app notifications."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from anchorage.access import assets_views as av
from anchorage.access import spaces_views as sv
from anchorage.core.errors import AnchorageError
from anchorage.web.deps import CtxDep, FormDep
from anchorage.web.render import done_redirect, render

router = APIRouter()


def _id(value: object, what: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise AnchorageError(f"Say which {what}.")
    return text[:64]


@router.get("/spaces")
def spaces_page(request: Request, ctx: CtxDep, done: str = "") -> Response:
    return render(
        request,
        "spaces.html",
        {
            "spaces": sv.spaces(ctx.ws),
            "needs": sv.needs(ctx.ws, ctx.viewer),
            "done": done,
            "own_assets": av.own_assets(ctx.ws, ctx.viewer),
            "unread": sv.unread_count(ctx.ws, ctx.viewer),
            "can_edit": ctx.viewer.org is not None
            and ctx.viewer.may("edit-assets", ctx.viewer.org),
        },
    )


@router.post("/spaces")
def add_space(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    space = sv.new_space(
        ctx.ws, ctx.viewer, ctx.viewer.org or "", {k: str(v) for k, v in form.items()}
    )
    return done_redirect("/spaces", f'Space "{space.name}" saved.')


@router.get("/spaces/matches")
def matches_page(request: Request, ctx: CtxDep) -> Response:
    return render(request, "space_matches.html", {"matches": sv.matches(ctx.ws)})


@router.get("/spaces/requests")
def requests_page(request: Request, ctx: CtxDep, done: str = "") -> Response:
    rows = sv.requests(ctx.ws, ctx.viewer)
    told = {
        r.need_id: sv.group_notifications(ctx.ws, ctx.viewer, r.need_id)
        for r in rows
        if r.contact_email
    }
    return render(request, "space_requests.html", {"rows": rows, "told": told, "done": done})


@router.post("/spaces/requests")
def new_request(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    req = sv.record_request(
        ctx.ws,
        ctx.viewer,
        _id(form.get("need_id"), "need"),
        _id(form.get("space_id"), "space"),
        str(form.get("message") or ""),
    )
    return done_redirect(
        "/spaces/requests", f"Request {req.id} recorded; you can now offer the space."
    )


@router.post("/spaces/requests/{request_id}")
def change(request: Request, request_id: str, ctx: CtxDep, form: FormDep) -> Response:
    req = sv.act(
        ctx.ws, ctx.viewer, request_id, str(form.get("action") or ""), str(form.get("note") or "")
    )
    return done_redirect("/spaces/requests", f"Request {req.id} is now {req.status}.")


@router.get("/notifications")
def notifications_page(request: Request, ctx: CtxDep) -> Response:
    return render(request, "notifications.html", {"rows": sv.notifications(ctx.ws, ctx.viewer)})


@router.post("/notifications/{notification_id}/read")
def read(request: Request, notification_id: str, ctx: CtxDep, form: FormDep) -> Response:
    sv.mark_read(ctx.ws, ctx.viewer, notification_id)
    return RedirectResponse("/notifications", status_code=303)
