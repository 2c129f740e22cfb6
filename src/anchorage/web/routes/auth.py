"""Sign in and out, invitations and password resets by link, and the user's own API tokens."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from anchorage.access import accounts
from anchorage.access.oidc import OidcClient, user_for_claims
from anchorage.web.deps import SESSION_COOKIE, Ctx, CtxDep, FormDep, client_ip, workspace
from anchorage.web.render import done_redirect, render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a user to another site after login."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next)})


def _signed_in(request: Request, user: accounts.User, target: str) -> Response:
    ws = workspace(request)
    with ws.session() as s:
        new = accounts.start_session(s, s.merge(user))
        s.commit()
    response = RedirectResponse(_safe_next(target), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        new.cookie,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
        max_age=8 * 3600,
    )
    return response


@router.post("/login")
def login(request: Request, form: FormDep) -> Response:
    ws = workspace(request)
    with ws.session() as s:
        try:
            user = accounts.authenticate(
                s, str(form.get("email", "")), str(form.get("password", "")), client_ip(request)
            )
        except accounts.LoginRefused as exc:
            s.commit()  # keep the failed-login count and audit entry
            return render(
                request,
                "login.html",
                {
                    "error": exc,
                    "next": _safe_next(str(form.get("next", "/"))),
                    "email": form.get("email", ""),
                },
                status=401,
            )
        s.commit()
    return _signed_in(request, user, str(form.get("next", "/")))


@router.post("/logout")
def logout(request: Request, form: FormDep) -> Response:
    ws = workspace(request)
    with ws.session() as s:
        accounts.end_session(s, request.cookies.get(SESSION_COOKIE))
        s.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/invite/{token}")
def invite_page(request: Request, token: str) -> Response:
    with workspace(request).session() as s:
        inv = accounts.pending_invitation(s, token)
    return render(request, "invite.html", {"invitation": inv, "token": token})


@router.post("/invite/{token}")
def accept_invite(request: Request, token: str, form: FormDep) -> Response:
    ws = workspace(request)
    with ws.session() as s:
        inv = accounts.pending_invitation(s, token)
        if form.get("password") != form.get("password2"):
            return render(
                request,
                "invite.html",
                {"invitation": inv, "token": token, "error": "The two passwords are not the same."},
                status=400,
            )
        try:
            user = accounts.accept(
                s, token, str(form.get("password", "")), str(form.get("name", ""))
            )
        except accounts.AccessError as exc:
            return render(
                request,
                "invite.html",
                {"invitation": inv, "token": token, "error": exc},
                status=400,
            )
        s.commit()
    return _signed_in(request, user, "/")


def _account(
    request: Request, ctx: Ctx, extra: dict[str, object] | None = None, status: int = 200
) -> Response:
    with ctx.ws.session() as s:
        tokens = accounts.api_tokens(s, s.merge(ctx.user))
    return render(request, "account.html", {"tokens": tokens, **(extra or {})}, status=status)


@router.get("/account")
def account(request: Request, ctx: CtxDep, done: str = "") -> Response:
    return _account(request, ctx, {"done": done[:200]})


@router.post("/account/tokens")
def new_token(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    with ctx.ws.session() as s:
        token = accounts.new_api_token(
            s, s.merge(ctx.user), str(form.get("name", "API token")) or "API token"
        )
        s.commit()
    return _account(request, ctx, {"new_token": token})


@router.post("/account/tokens/{public_id}/revoke")
def revoke_token(request: Request, public_id: str, ctx: CtxDep, form: FormDep) -> Response:
    with ctx.ws.session() as s:
        accounts.revoke_token(s, ctx.user.email, s.merge(ctx.user), public_id)
        s.commit()
    return done_redirect("/account", "The token was revoked: it no longer works.")


@router.post("/account/password")
def change_password(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    new = str(form.get("new_password", ""))
    if new != str(form.get("new_password2", "")):
        return _account(
            request, ctx, {"password_error": "The two new passwords are not the same."}, status=400
        )
    with ctx.ws.session() as s:
        try:
            user = s.merge(ctx.user)
            accounts.change_password(s, user, str(form.get("current_password", "")), new)
        except accounts.AccessError as exc:
            return _account(request, ctx, {"password_error": exc.message}, status=400)
        s.commit()
    # Every session ended, this one too: sign this browser in again with the new password.
    return _signed_in(
        request,
        user,
        "/account?done="
        + quote(
            "Your password was changed; your API tokens were revoked and other sessions signed out."
        ),
    )


# Single sign-on (OpenID Connect) ----------------------------------------------------------------
SSO_STATE_COOKIE = "anchorage_sso_state"


def _oidc(request: Request) -> OidcClient:
    client: OidcClient | None = request.app.state.oidc
    if client is None:
        raise accounts.AccessError(
            "Single sign-on is not set up here.", fix="Sign in with your password."
        )
    return client


@router.get("/sso/login")
def sso_login(request: Request, next: str = "/") -> Response:
    url, state = _oidc(request).start(_safe_next(next))
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        SSO_STATE_COOKIE,
        state,
        httponly=True,
        samesite="lax",
        max_age=600,
        secure=request.app.state.settings.secure_cookies,
    )
    return response


@router.get("/sso/callback")
def sso_callback(request: Request, code: str = "", state: str = "") -> Response:
    claims, target = _oidc(request).finish(code, state, request.cookies.get(SSO_STATE_COOKIE))
    with workspace(request).session() as s:
        try:
            user = user_for_claims(s, claims, client_ip(request))
        finally:
            s.commit()
    response = _signed_in(request, user, target)
    response.delete_cookie(SSO_STATE_COOKIE)
    return response
