"""Administration: users (invite, role, reset), sharing of detail between anchors, and the audit log."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from anchorage.access import accounts, audit, gate
from anchorage.core.errors import AnchorageError
from anchorage.public_forms.outbox import Delivery, send_email
from anchorage.store.accounts import ROLES, User
from anchorage.web.deps import CtxDep, FormDep
from anchorage.web.nav import role_name
from anchorage.web.render import render

router = APIRouter(prefix="/admin")


def _users(ctx: CtxDep) -> list[User]:
    with ctx.ws.session() as s:
        q = select(User).order_by(User.org, User.email)
        if not ctx.viewer.is_collaborative_admin:
            q = q.where(User.org == ctx.viewer.org)
        return list(s.scalars(q).all())


def _org_or_none(ctx: CtxDep, value: object) -> str | None:
    return ctx.ws.config.anchor(str(value)).slug if value else None


def _grantable(ctx: CtxDep) -> list[str]:
    """The roles this admin may give, least powerful first (so the form never defaults to the most powerful)."""
    return [r for r in reversed(ROLES) if r != "collaborative-admin" or ctx.viewer.is_collaborative_admin]


@router.get("/users")
def users(request: Request, ctx: CtxDep) -> Response:
    ctx.viewer.require_admin(ctx.viewer.org)
    return render(request, "admin_users.html", {"users": _users(ctx), "roles": _grantable(ctx)})


@router.post("/users/invite")
def invite(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    org = _org_or_none(ctx, form.get("org"))
    role = str(form.get("role", ""))
    ctx.viewer.require_admin(org)
    if role == "collaborative-admin" and not ctx.viewer.is_collaborative_admin:
        raise accounts.Forbidden("Only a collaborative admin can make another.", fix="Ask the collaborative admin.")
    try:
        with ctx.ws.session() as s:
            token = accounts.invite(s, s.merge(ctx.user), str(form.get("email", "")), role=role, org=org)
            s.commit()
    except accounts.AccessError as exc:  # a mistake in the form: back to it, with what was typed
        if isinstance(exc, accounts.Forbidden):
            raise
        typed = {"email": str(form.get("email", ""))[:254], "role": role, "org": org or ""}
        return render(request, "admin_users.html", {"users": _users(ctx), "roles": _grantable(ctx),
                                                    "invite_error": exc, "typed": typed}, status=400)
    link = str(request.url_for("invite_page", token=token))
    where = ctx.ws.config.anchor(org).name if org else "the whole collaborative"
    sent = send_email(ctx.ws, str(form.get("email", "")), f"You are invited to {ctx.ws.config.collaborative}",
                      f"{ctx.user.email} has invited you to the Anchorage workspace of "
                      f"{ctx.ws.config.collaborative}, as {role_name(role).lower()} for {where}.\n\n"
                      f"To choose your password and sign in, open this link within 7 days:\n{link}\n\n"
                      "If you did not expect this, ignore this message.")
    return _with_link(request, ctx, link, sent)


def _with_link(request: Request, ctx: CtxDep, link: str, sent: Delivery) -> Response:
    return render(request, "admin_users.html", {"users": _users(ctx), "roles": _grantable(ctx), "link": link,
                                                "link_for": sent.to, "sent": sent})


def _target(ctx: CtxDep, user_id: str) -> User:
    ctx.viewer.require_admin(ctx.viewer.org)  # not an admin at all: refused as such, whatever the id
    with ctx.ws.session() as s:
        user = s.get(User, user_id)
    if user is None or not (ctx.viewer.is_collaborative_admin or (user.org is not None and user.org == ctx.viewer.org)):
        # The same answer for no such user and another anchor's user, so that accounts cannot be probed.
        gate.refuse(ctx.ws, ctx.viewer, "user", user_id, "missing" if user is None else f"of {user.org}")
    return user


@router.post("/users/{user_id}/role")
def change_role(request: Request, user_id: str, ctx: CtxDep, form: FormDep) -> Response:
    user = _target(ctx, user_id)
    org = _org_or_none(ctx, form.get("org")) if ctx.viewer.is_collaborative_admin else user.org
    role = str(form.get("role", ""))
    if role == "collaborative-admin" and not ctx.viewer.is_collaborative_admin:
        raise accounts.Forbidden("Only a collaborative admin can make another.", fix="Ask the collaborative admin.")
    with ctx.ws.session() as s:
        accounts.change_role(s, s.merge(ctx.user), s.merge(user), role, org)
        s.commit()
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/reset")
def reset(request: Request, user_id: str, ctx: CtxDep, form: FormDep) -> Response:
    user = _target(ctx, user_id)
    with ctx.ws.session() as s:
        token = accounts.reset_link(s, s.merge(ctx.user), s.merge(user))
        s.commit()
    link = str(request.url_for("invite_page", token=token))
    sent = send_email(ctx.ws, user.email, f"Choose a new password for {ctx.ws.config.collaborative}",
                      f"{ctx.user.email} has reset your password for the Anchorage workspace of "
                      f"{ctx.ws.config.collaborative}. Your old password no longer works.\n\n"
                      f"To choose a new one, open this link within 7 days:\n{link}\n\n"
                      "If you did not ask for this, tell your admin.")
    return _with_link(request, ctx, link, sent)


@router.get("/users/{user_id}/tokens")
def user_tokens(request: Request, user_id: str, ctx: CtxDep) -> Response:
    user = _target(ctx, user_id)
    with ctx.ws.session() as s:
        tokens = accounts.api_tokens(s, user)
    return render(request, "admin_tokens.html", {"target": user, "tokens": tokens})


@router.post("/users/{user_id}/tokens/{public_id}/revoke")
def revoke_token(request: Request, user_id: str, public_id: str, ctx: CtxDep, form: FormDep) -> Response:
    user = _target(ctx, user_id)
    with ctx.ws.session() as s:
        accounts.revoke_token(s, ctx.user.email, s.merge(user), public_id)
        s.commit()
    return RedirectResponse(f"/admin/users/{user_id}/tokens", status_code=303)


@router.get("/sharing")
def sharing(request: Request, ctx: CtxDep) -> Response:
    ctx.viewer.require_admin(ctx.viewer.org)
    with ctx.ws.session() as s:
        rows = gate.shares(s, None if ctx.viewer.is_collaborative_admin else ctx.viewer.org)
    return render(request, "admin_sharing.html", {"shares": rows})


@router.post("/sharing")
def change_sharing(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    owner = ctx.ws.config.anchor(str(form.get("owner") or ctx.viewer.org or "")).slug
    grantee = ctx.ws.config.anchor(str(form.get("grantee", ""))).slug
    with ctx.ws.session() as s:
        (gate.revoke if form.get("action") == "revoke" else gate.grant)(s, ctx.viewer, owner, grantee)
        s.commit()
    return RedirectResponse("/admin/sharing", status_code=303)


def _day(text: str, what: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        raise AnchorageError(f'"{text[:40]}" is not a date for {what}.', fix="Use the form YYYY-MM-DD.") from None


@router.get("/audit")
def audit_log(request: Request, ctx: CtxDep, who: str = "", what: str = "", since: str = "", until: str = "",
              page: str = "1") -> Response:
    ctx.viewer.require_admin(ctx.viewer.org)
    filters = audit.AuditSearch(who[:320], what[:40], _day(since, "From"), _day(until, "To"))
    number = int(page) if page.strip().isdigit() and len(page.strip()) < 9 else 1
    with ctx.ws.session() as s:
        found = audit.search(s, reader_email=ctx.user.email, detail_orgs=ctx.viewer.detail_orgs,
                             scope=None if ctx.viewer.is_collaborative_admin else ctx.viewer.org,
                             filters=filters, page=number)
    query = {k: v for k, v in (("who", who), ("what", what), ("since", since), ("until", until)) if v}
    return render(request, "audit.html", {"found": found, "filters": filters, "query": urlencode(query)})
