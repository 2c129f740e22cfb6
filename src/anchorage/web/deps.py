"""Typed request dependencies: the workspace, the signed-in user as the gate's Viewer, and CSRF checks."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from anchorage.access import accounts
from anchorage.access.gate import Viewer, viewer_for
from anchorage.core.errors import AnchorageError
from anchorage.services.runtime import User, Workspace

SESSION_COOKIE = "anchorage_session"
CSRF_COOKIE = "anchorage_csrf"  # double-submit token for forms shown before login


class LoginRequired(AnchorageError):
    """No valid session or API token (pages redirect to the login page; the API answers 401)."""


class CsrfError(AnchorageError):
    """A form arrived without the token of the page that showed it."""


@dataclass
class Ctx:
    ws: Workspace
    user: User
    viewer: Viewer
    csrf: str | None  # None when the request came with an API token (no cookies, so no CSRF risk)


def workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.ws
    return ws


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def current(request: Request) -> Ctx:
    ws = workspace(request)
    with ws.session() as s:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            user = accounts.token_user(s, auth[7:].strip())
            if s.dirty:  # keep the token's "last used" (written at most once a minute)
                s.commit()
            csrf = None
        else:
            found = accounts.session_user(s, request.cookies.get(SESSION_COOKIE))
            user, csrf = (found[0], found[1].csrf_token) if found else (None, None)
        if user is None:
            raise LoginRequired("Please sign in.", fix="Sign in, or send a valid API token.")
        ctx = Ctx(ws, user, viewer_for(s, user), csrf)
    request.state.ctx = ctx
    if csrf is not None:
        request.state.csrf = csrf
    return ctx


CtxDep = Annotated[Ctx, Depends(current)]
WsDep = Annotated[Workspace, Depends(workspace)]


def _session(request: Request) -> str | None:
    """The CSRF token of the request's valid login session, if it has one."""
    with workspace(request).session() as s:
        found = accounts.session_user(s, request.cookies.get(SESSION_COOKIE))
        return found[1].csrf_token if found else None


def form_token(request: Request) -> str:
    """The CSRF token a page's forms must carry: the session's, else a double-submit cookie's."""
    token = getattr(request.state, "csrf", None)
    if token is None and (found := _session(request)) is not None:
        token = request.state.csrf = found
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        request.state.new_csrf_cookie = token if CSRF_COOKIE not in request.cookies else None
        request.state.csrf = token
    return str(token)


async def checked_form(request: Request) -> FormData:
    """The posted form, after checking its CSRF token against the session (or the pre-login cookie)."""
    form = await request.form()
    sent = str(form.get("csrf_token", ""))
    expected = _session(request) or request.cookies.get(CSRF_COOKIE)
    if not expected or not secrets.compare_digest(sent, expected):
        raise CsrfError(
            "This form has expired or did not come from this site.",
            fix="Go back, reload the page and send the form again.",
        )
    return form


FormDep = Annotated[FormData, Depends(checked_form)]
