"""Page rendering: Jinja2 templates (autoescaped) with the signed-in user, CSRF token and navigation."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from anchorage.access.read_cache import ReadCache
from anchorage.reports.tables import TIER_NAMES, fmt_int, fmt_money, fmt_pct
from anchorage.web.deps import CSRF_COOKIE, form_token
from anchorage.web.nav import (
    date_text,
    datetime_text,
    field_name,
    menu,
    month_text,
    public_menu,
    register_ref,
    role_name,
    upload_kind,
)
from anchorage.web.table import row_cells

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.autoescape = (
    True  # every template, whatever its extension: supplier names are untrusted
)
# The templates ship with the code and never change while the server runs: Jinja need not look at each file's
# time on every render (several stat calls a page).
TEMPLATES.env.auto_reload = False
TEMPLATES.env.filters.update(
    money=fmt_money, pct=fmt_pct, int=fmt_int, tier=lambda t: TIER_NAMES.get(t, t)
)
TEMPLATES.env.filters.update(
    role=role_name,
    upload_kind=upload_kind,
    register_ref=register_ref,
    date=date_text,
    datetime=datetime_text,
    month=month_text,
    field=field_name,
)
TEMPLATES.env.globals.update(menu=menu, public_menu=public_menu, row_cells=row_cells)


def chart_box(svg: str) -> Markup:
    """A chart's SVG (built by our own chart code, every label escaped there) in a box that scrolls sideways on a
    narrow screen; the box takes keyboard focus, so it can be scrolled without a mouse, and is named after the
    chart (its <title>, already escaped)."""
    if not svg:
        return Markup("")
    m = re.search(r'<title id="[^"]*">([^<]*)</title>', svg)
    name = m.group(1) if m else "Chart"
    return Markup(
        f'<div class="chart-scroll" tabindex="0" role="region" aria-label="{name}, scrolls sideways">'
        f"{svg}</div>"
    )


TEMPLATES.env.globals["svg"] = chart_box


PARTS = (
    ReadCache()
)  # rendered parts of pages, kept as the reads they show are (access/read_cache.py)


def kept_part(
    ws: Any, key: Hashable, template: str, context: Callable[[], dict[str, Any]]
) -> Markup:
    """A part of a page (a template with no `extends`, e.g. a table with its filters and pager) rendered once and
    kept while the warehouse is unchanged, under `key`, which must hold everything the part depends on (the
    viewer's scope for gated reads). Only for what is the same for everyone with that key: a part has no CSRF
    token, no user's name, nothing from the request but what is in the key."""
    return PARTS.get(
        ws,
        ("part", template, key),
        lambda: Markup(TEMPLATES.env.get_template(template).render(context())),
    )


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    ctx = getattr(request.state, "ctx", None)
    data = {
        "request": request,
        "csrf_token": form_token(request),
        "user": ctx.user if ctx else None,
        "viewer": ctx.viewer if ctx else None,
        "collaborative": request.app.state.ws.config.collaborative,
        "anchors": {a.slug: a.name for a in request.app.state.ws.config.anchors},
        "sso": request.app.state.settings.oidc.enabled,
        **(context or {}),
    }
    response = TEMPLATES.TemplateResponse(request, template, data, status_code=status)
    new = getattr(request.state, "new_csrf_cookie", None)
    if new:
        response.set_cookie(
            CSRF_COOKIE,
            new,
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.secure_cookies,
        )
    return response


def done_redirect(path: str, message: str) -> RedirectResponse:
    """After a form: back to its page, which shows `message` (escaped) in a notice."""
    return RedirectResponse(f"{path}?done={quote(message[:200])}", status_code=303)
