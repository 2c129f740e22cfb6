"""Administration: users (invite, role, reset), sharing of detail between anchors, and the audit log."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from anchorage.services import admin
from anchorage.web import forms
from anchorage.web.deps import CtxDep, FormDep
from anchorage.web.nav import role_name
from anchorage.web.render import render

router = APIRouter(prefix="/admin")


def _page(request: Request, ctx: CtxDep, status: int = 200, **extra: object) -> Response:
    return render(
        request,
        "admin_users.html",
        {
            "users": admin.users(ctx.ws, ctx.viewer),
            "roles": admin.grantable_roles(ctx.viewer),
            **extra,
        },
        status=status,
    )


@router.get("/users")
def users(request: Request, ctx: CtxDep) -> Response:
    return _page(request, ctx)


def _link_for(request: Request) -> Callable[[str], str]:
    return lambda token: str(request.url_for("invite_page", token=token))


@router.post("/users/invite")
def invite(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    values = {k: str(form.get(k) or "")[:320] for k in ("email", "role", "org")}
    try:
        link, sent = admin.invite(
            ctx.ws, ctx.viewer, values, link_for=_link_for(request), role_words=role_name
        )
    except admin.FormProblems as exc:  # every problem at once, the input kept
        return _page(request, ctx, 400, problems=exc.problems, values=values)
    return _page(request, ctx, link=link, link_for=sent.to, sent=sent)


@router.post("/users/{user_id}/role")
def change_role(request: Request, user_id: str, ctx: CtxDep, form: FormDep) -> Response:
    admin.change_role(
        ctx.ws, ctx.viewer, user_id, str(form.get("role", "")), str(form.get("org") or "")
    )
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/reset")
def reset(request: Request, user_id: str, ctx: CtxDep, form: FormDep) -> Response:
    link, sent = admin.reset_password(ctx.ws, ctx.viewer, user_id, link_for=_link_for(request))
    return _page(request, ctx, link=link, link_for=sent.to, sent=sent)


@router.get("/users/{user_id}/tokens")
def user_tokens(request: Request, user_id: str, ctx: CtxDep) -> Response:
    user, tokens = admin.api_tokens(ctx.ws, ctx.viewer, user_id)
    return render(request, "admin_tokens.html", {"target": user, "tokens": tokens})


@router.post("/users/{user_id}/tokens/{public_id}/revoke")
def revoke_token(
    request: Request, user_id: str, public_id: str, ctx: CtxDep, form: FormDep
) -> Response:
    admin.revoke_token(ctx.ws, ctx.viewer, user_id, public_id)
    return RedirectResponse(f"/admin/users/{user_id}/tokens", status_code=303)


@router.get("/sharing")
def sharing(request: Request, ctx: CtxDep) -> Response:
    return render(request, "admin_sharing.html", {"shares": admin.shares(ctx.ws, ctx.viewer)})


@router.post("/sharing")
def change_sharing(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    admin.set_sharing(
        ctx.ws,
        ctx.viewer,
        str(form.get("owner") or ctx.viewer.org or ""),
        str(form.get("grantee", "")),
        form.get("action") != "revoke",
    )
    return RedirectResponse("/admin/sharing", status_code=303)


@router.get("/audit")
def audit_log(
    request: Request,
    ctx: CtxDep,
    who: str = "",
    what: str = "",
    since: str = "",
    until: str = "",
    page: str = "1",
) -> Response:
    filters = admin.AuditSearch(
        who[:320], what[:40], forms.date(since, "From"), forms.date(until, "To")
    )
    number = int(page) if page.strip().isdigit() and len(page.strip()) < 9 else 1
    found = admin.audit_log(ctx.ws, ctx.viewer, filters, number)
    query = {
        k: v for k, v in (("who", who), ("what", what), ("since", since), ("until", until)) if v
    }
    return render(
        request, "audit.html", {"found": found, "filters": filters, "query": urlencode(query)}
    )
