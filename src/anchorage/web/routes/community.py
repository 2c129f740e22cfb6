"""The public "we need a space" form for community groups (no sign-in) and its confirmation link.

Abuse protection is the library's (assets.public_form: per-address rate limit, honeypot, time trap, size
limits, per-email limit, duplicates, confirmation by email); CSRF by the pre-login double-submit token."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from anchorage.services.public import NEED_HONEYPOT as HONEYPOT
from anchorage.services.public import NEED_LIMITS as LIMITS
from anchorage.services.public import NeedInvalid as FormInvalid
from anchorage.services.public import (
    confirm_need,
    form_secret,
    send_email,
    stamp,
    stamped_time,
    submit_need,
)
from anchorage.web.deps import FormDep, client_ip, form_token, workspace
from anchorage.web.render import render
from anchorage.web.routes.opportunities import small_body

router = APIRouter()
FIELDS = (
    "group_name",
    "contact_email",
    "activity",
    "description",
    "people",
    "times",
    "accessibility",
    "facilities",
    "area",
    "max_distance_km",
    "budget_per_hour",
)
MAX_FIELD = 5000  # anything longer is cut before it is echoed back; the library reports the limit


def _stamp_key(request: Request, csrf: str) -> str:
    return f"{form_secret(workspace(request))}|{csrf}"


def _rendered_at(request: Request, form: FormDep) -> dt.datetime:
    """When our page showed the form (a signed hidden field); a missing or forged stamp counts as 'just now',
    so the time trap discards the post (and the sender sees the same thanks as a person)."""
    shown = stamped_time(
        _stamp_key(request, str(form.get("csrf_token", ""))), str(form.get("rendered_at", ""))
    )
    return shown or dt.datetime.now(dt.UTC)


def _page(
    request: Request,
    values: dict[str, str],
    problems: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "need_form.html",
        {
            "values": values,
            "problems": problems or {},
            "limits": LIMITS,
            "honeypot": HONEYPOT,
            "now": stamp(_stamp_key(request, form_token(request)), dt.datetime.now(dt.UTC)),
        },
        status=status,
    )


@router.get("/community/need")
def need_form(request: Request) -> Response:
    return _page(request, {})


@router.post("/community/need", dependencies=[Depends(small_body)])
def post_need(request: Request, form: FormDep) -> Response:
    ws = workspace(request)
    values = {k: str(form.get(k) or "")[:MAX_FIELD] for k in (*FIELDS, HONEYPOT)}
    try:
        sub = submit_need(
            ws, values, ip=client_ip(request) or "unknown", rendered_at=_rendered_at(request, form)
        )
    except FormInvalid as exc:
        return _page(
            request, {k: v for k, v in values.items() if k != HONEYPOT}, exc.problems, status=400
        )
    if sub.token and sub.contact_email:  # accepted: a confirmation to the checked address
        link = f"{str(request.base_url).rstrip('/')}/community/need/confirm/{sub.token}"
        send_email(
            ws,
            sub.contact_email,  # the checked address, as stored
            "Please confirm your request for a space",
            f"Thank you for telling {ws.config.collaborative} what space you need.\n\n"
            f"To publish your request, open this link within 72 hours:\n{link}\n\n"
            "If you did not fill in the form, ignore this message and nothing will be published.",
        )
    status = 429 if sub.reason == "rate-limited" else 200
    return render(request, "need_sent.html", {"sub": sub}, status=status)


@router.get("/community/need/confirm/{token}")
def confirm_page(request: Request, token: str) -> Response:
    # A page with a button, not a change on GET: mail scanners that open links must not publish needs.
    return render(request, "need_confirm.html", {"token": token[:100]})


@router.post("/community/need/confirm/{token}", dependencies=[Depends(small_body)])
def confirm(request: Request, token: str, form: FormDep) -> Response:
    need = confirm_need(workspace(request), token[:100])
    return render(request, "need_confirm.html", {"confirmed": need})
