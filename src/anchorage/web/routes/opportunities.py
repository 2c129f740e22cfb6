"""Public pages (no login): upcoming opportunities, their feeds, and suppliers' self-registration with its
confirmation link. CSRF uses the pre-login double-submit token, as /login does."""

from __future__ import annotations

import datetime as dt
import threading
import time
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from anchorage.core.errors import AnchorageError
from anchorage.services.public import (
    HONEYPOT,
    ORG_TYPES,
    SIZES,
    FormInvalid,
    Notice,
    confirm_registration,
    feeds,
    filter_notices,
    form_secret,
    ical,
    pending_registration,
    public_notices,
    register_supplier,
    stamp,
    stamped_time,
    supplier_categories,
)
from anchorage.services.runtime import Workspace
from anchorage.web.deps import FormDep, client_ip, form_token, workspace
from anchorage.web.paging import PageNo
from anchorage.web.render import render

router = APIRouter()
MAX_BODY = 16_384  # bytes: far more than an honest registration needs
PAGE = 50  # notices per page
FEED_ITEMS = 500  # the soonest notices in an RSS, Atom or iCal feed
CACHE_SECONDS = 300
FEEDS = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "ics": "text/calendar",
    "csv": "text/csv",
}


def small_body(request: Request) -> None:
    """Refuse an oversized post before its form is parsed."""
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        raise HTTPException(411, "Please send the form from its page.")
    if int(length) > MAX_BODY:
        raise HTTPException(413, "This form is too large to send. Please shorten what you wrote.")


class NoticeCache:
    """Today's notices, rebuilt at most every CACHE_SECONDS: the page is public, so one visitor's reloads
    must not each read the whole contracts table. Publishing or unpublishing a pipeline clears it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entry: tuple[float, dt.date, list[Notice]] | None = None

    def get(self, ws: Workspace) -> list[Notice]:
        with self._lock:  # one rebuild at a time; the others wait for it rather than repeat it
            now, today = time.monotonic(), dt.date.today()
            if (
                self._entry is None
                or now - self._entry[0] > CACHE_SECONDS
                or self._entry[1] != today
            ):
                self._entry = (now, today, public_notices(ws, today=today))
            return self._entry[2]

    def clear(self) -> None:
        with self._lock:
            self._entry = None


def notice_cache(request: Request) -> NoticeCache:
    cache = getattr(request.app.state, "notice_cache", None)
    if cache is None:
        cache = request.app.state.notice_cache = NoticeCache()
    return cache


def _selected(request: Request, category: str, anchor: str) -> tuple[list[Notice], dict[str, str]]:
    ws = workspace(request)
    org = ws.config.anchor(anchor).slug if anchor else None
    chosen = {k: v for k, v in (("category", category), ("anchor", org or "")) if v}
    return filter_notices(notice_cache(request).get(ws), category=category or None, org=org), chosen


def _day(now: dt.datetime) -> dt.datetime:
    """Feeds are stamped with the day, so a reader sees no change between two fetches on the same day."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


@router.get("/opportunities")
def opportunities(request: Request, page: PageNo, category: str = "", anchor: str = "") -> Response:
    notices, chosen = _selected(request, category, anchor)
    everything = notice_cache(request).get(workspace(request))
    pages = max(1, -(-len(notices) // PAGE))
    page = min(page, pages)
    return render(
        request,
        "public_opportunities.html",
        {
            "notices": notices[(page - 1) * PAGE : page * PAGE],
            "count": len(notices),
            "page": page,
            "pages": pages,
            "chosen": chosen,
            "query": urlencode(chosen),
            "categories": sorted(
                {n.category for n in everything} | set(supplier_categories(workspace(request)))
            ),
            "contacts": {
                a.slug: a
                for a in workspace(request).config.anchors
                if a.contact_page.startswith("https://") or a.contact_email
            },
            "public": True,
        },
    )


@router.get("/opportunities/feed.{fmt}")
def feed(request: Request, fmt: str, category: str = "", anchor: str = "") -> Response:
    if fmt not in FEEDS:
        raise AnchorageError(
            f"There is no .{fmt} feed.", fix="Use feed.rss, feed.atom, feed.ics or feed.csv."
        )
    ws = workspace(request)
    notices, _ = _selected(request, category, anchor)
    if fmt != "csv":
        notices = notices[:FEED_ITEMS]  # the soonest; the CSV has them all
    base, now = str(request.base_url), _day(dt.datetime.now(dt.UTC))
    title = f"Opportunities: {ws.config.collaborative}"
    if fmt == "rss":
        body = feeds.rss(notices, title=title, base_url=base, now=now)
    elif fmt == "atom":
        body = feeds.atom(
            notices,
            title=title,
            base_url=base,
            now=now,
            feed_id=f"{base.rstrip('/')}/opportunities",
        )
    elif fmt == "ics":
        body = ical.calendar(notices, name=title, base_url=base, now=now)
    else:
        body = feeds.csv_bytes(notices, base_url=base)
    headers = {
        "Content-Disposition": f'inline; filename="opportunities.{fmt}"',
        "Cache-Control": "max-age=900",
    }
    return Response(
        body, media_type=FEEDS[fmt] + ("; charset=utf-8" if fmt != "csv" else ""), headers=headers
    )


def _stamp_key(request: Request, csrf: str) -> str:
    return f"{form_secret(workspace(request))}|{csrf}"


def _form_page(request: Request, extra: dict[str, object], status: int = 200) -> Response:
    key = _stamp_key(request, form_token(request))
    return render(
        request,
        "opportunities_register.html",
        {
            "categories": supplier_categories(workspace(request)),
            "sizes": SIZES,
            "org_types": ORG_TYPES,
            "honeypot": HONEYPOT,
            "shown": stamp(key, dt.datetime.now(dt.UTC)),
            "public": True,
            **extra,
        },
        status=status,
    )


@router.get("/opportunities/register")
def register_page(request: Request) -> Response:
    return _form_page(request, {"values": {}, "chosen_categories": []})


@router.post("/opportunities/register", dependencies=[Depends(small_body)])
def register(request: Request, form: FormDep) -> Response:
    ws = workspace(request)
    shown = stamped_time(
        _stamp_key(request, str(form.get("csrf_token", ""))), str(form.get("shown", ""))
    )
    base = str(request.base_url).rstrip("/")
    values = {k: str(v) for k, v in form.items() if k not in ("csrf_token", "categories", "shown")}
    again = {"values": values, "chosen_categories": form.getlist("categories")}
    if (
        shown is None
    ):  # no stamp from our own page (or a forged one): ask for the page to be sent again
        return _form_page(
            request,
            {
                "problems": {"form": "this form has expired; please check it and send it again"},
                **again,
            },
            status=400,
        )
    try:
        sub = register_supplier(
            ws,
            form,
            ip=client_ip(request) or "unknown",
            confirm_url=lambda t: f"{base}/opportunities/register/confirm/{t}",
            rendered_at=shown,
        )
    except FormInvalid as exc:
        return _form_page(request, {"problems": exc.problems, **again}, status=400)
    status = 429 if sub.reason == "rate-limited" else 200
    return render(request, "opportunities_done.html", {"sub": sub, "public": True}, status=status)


@router.get("/opportunities/register/confirm/{token}")
def confirm_page(request: Request, token: str) -> Response:
    entry = pending_registration(workspace(request), token)  # a link checker's GET changes nothing
    return render(
        request, "opportunities_confirm.html", {"entry": entry, "token": token, "public": True}
    )


@router.post("/opportunities/register/confirm/{token}", dependencies=[Depends(small_body)])
def confirm(request: Request, token: str, form: FormDep) -> Response:
    entry = confirm_registration(workspace(request), token)
    return render(
        request, "opportunities_confirm.html", {"entry": entry, "confirmed": True, "public": True}
    )
