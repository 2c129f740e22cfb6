"""The public 'we need a space' form, as a library function with abuse protection.

The shared checks (per-IP rate limit, honeypot, time trap, field limits, per-email rate limit) come from
`anchorage.public_forms.protection`; this module adds the need's own validation (people, area, times) and
duplicate detection. An accepted need waits unpublished until the confirmation token sent to the group's
email comes back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from anchorage.assets.spaces import MAX_DISTANCE_M, locate_area, need_from
from anchorage.assets.times import parse_times
from anchorage.core.errors import AnchorageError
from anchorage.public_forms.protection import (
    HONEYPOT,
    FormInvalid,
    FormLimits,
    Screen,
    Submission,
    attempt_outcomes,
    field_problems,
    fingerprint,
    redeem,
)
from anchorage.store.assets_records import Need
from anchorage.workspace import Workspace

__all__ = [
    "HONEYPOT",
    "FormInvalid",
    "FormLimits",
    "Submission",
    "confirm_need",
    "submit_need",
    "validate",
]

FORM = "space-need"
LIMITS = {
    "group_name": 120,
    "contact_email": 254,
    "activity": 200,
    "description": 2000,
    "area": 120,
    "times": 300,
    "accessibility": 300,
    "facilities": 300,
}
REQUIRED = ("group_name", "contact_email", "activity", "people", "area")


def validate(form: Mapping[str, Any], limits: FormLimits) -> dict[str, str]:
    """Every problem with the form's fields (empty when it is fine)."""
    problems = field_problems(form, required=REQUIRED, lengths=LIMITS, max_links=limits.max_links)
    people = str(form.get("people") or "").strip()
    if people and not (people.isdigit() and 1 <= int(people) <= 500):
        problems["people"] = "give the number of people, from 1 to 500"
    km = str(form.get("max_distance_km") or "").strip()
    try:
        ok = not km or 0.1 <= float(km) <= MAX_DISTANCE_M / 1000
    except ValueError:
        ok = False
    if not ok:
        problems["max_distance_km"] = f"give a distance in km, from 0.1 to {MAX_DISTANCE_M // 1000}"
    times = str(form.get("times") or "").strip()
    if times and "times" not in problems:
        try:
            parse_times([times])
        except AnchorageError as exc:
            problems["times"] = exc.message
    return problems


AREA_UNKNOWN = (
    "we could not find this place: give a postcode (such as SE6 4RU) or the name of a ward or borough "
    "of the area"
)


def area_problems(ws: Workspace, form: Mapping[str, Any], problems: dict[str, str]) -> None:
    """Checks the area against the loaded geography, whatever else is wrong, so every error shows at once."""
    area = str(form.get("area") or "").strip()
    if area and "area" not in problems:
        with ws.warehouse(read_only=True) as con:
            if locate_area(con, area) is None:
                problems["area"] = AREA_UNKNOWN


def submit_need(
    ws: Workspace,
    form: Mapping[str, Any],
    *,
    ip: str,
    now: dt.datetime | None = None,
    rendered_at: dt.datetime | None = None,
    limits: FormLimits | None = None,
) -> Submission:
    """Take one public submission. Raises FormInvalid (with every problem) for a form a person can fix."""
    limits = limits or FormLimits()
    now = now or dt.datetime.now(dt.UTC)
    email = str(form.get("contact_email") or "").strip().lower()
    with ws.session() as s:
        screen = Screen(ws, s, FORM, ip=ip, email=email, now=now, limits=limits)
        if (early := screen.before_validation(form, rendered_at)) is not None:
            return early
        problems = validate(form, limits)
        area_problems(ws, form, problems)
        need = None
        if not problems:
            try:
                with ws.warehouse(read_only=True) as con:
                    need = need_from(dict(form), con)
            except AnchorageError as exc:
                problems["area" if "area" in exc.message else "times"] = exc.message
        if problems or need is None:
            screen.record("invalid")
            raise FormInvalid(problems)
        if screen.email_over_limit():
            return Submission(
                "rejected",
                "This email address has posted several needs today. Please try tomorrow.",
                reason="rate-limited",
            )
        digest = fingerprint(*(form.get(k) for k in ("contact_email", "activity", "area")))
        dup = s.scalars(
            select(Need).where(
                Need.fingerprint == digest,
                Need.status.in_(("pending-confirmation", "published")),
                Need.created_at >= now - dt.timedelta(days=limits.duplicate_days),
            )
        ).first()
        if dup is not None:
            screen.record("duplicate")
            return Submission(
                "rejected",
                "You have already posted this need; we will be in touch about it.",
                reason="duplicate",
            )
        token, need.token_hash, need.token_expires_at = screen.new_token()
        need.status = "pending-confirmation"
        need.ip_hash, need.email_hash, need.fingerprint, need.created_at = (
            screen.ip_hash,
            screen.email_hash,
            digest,
            now,
        )
        s.add(need)
        screen.record("accepted")
        return Submission(
            "pending-confirmation",
            "Thank you. Please follow the link we have emailed you to publish your request.",
            record_id=need.id,
            token=token,
        )


def confirm_need(ws: Workspace, token: str, *, now: dt.datetime | None = None) -> Need:
    """Publish the need whose confirmation token this is (once; tokens expire)."""
    now = now or dt.datetime.now(dt.UTC)
    with ws.session() as s:
        need = redeem(s, Need, token, now)
        need.status, need.confirmed_at = "published", now
        s.commit()
        return need


@dataclass
class FormStats:
    outcomes: dict[str, int] = field(default_factory=dict)


def form_stats(ws: Workspace, since: dt.datetime) -> FormStats:
    """How many attempts had each outcome since a time (for the web's moderation page)."""
    return FormStats(attempt_outcomes(ws, since, FORM))
