"""The public 'we need a space' form, as a library function with abuse protection.

The shared checks (per-IP rate limit, honeypot, time trap, field limits, per-email rate limit) come from
`anchorage.public_forms.protection`; this module adds the need's own validation (people, area, times) and
duplicate detection. An accepted need waits unpublished until the confirmation token sent to the group's
email comes back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationInfo, field_validator
from sqlalchemy import select

from anchorage.assets.spaces import MAX_DISTANCE_M, locate_area, money, need_from
from anchorage.assets.times import parse_times
from anchorage.core.errors import AnchorageError
from anchorage.core.forms import problem
from anchorage.public_forms.protection import (
    HONEYPOT,
    FormInvalid,
    FormLimits,
    Screen,
    Submission,
    attempt_outcomes,
    fingerprint,
    redeem,
    text_of,
)
from anchorage.public_forms.typed import PublicForm
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


AREA_UNKNOWN = (
    "we could not find this place: give a postcode (such as SE6 4RU) or the name of a ward or borough "
    "of the area"
)


class NeedForm(PublicForm):
    """A community group's need: who they are, the activity, the group's size, the area (any postcode or ward or
    borough name the loaded geography knows), the times and how far they would travel."""

    REQUIRED = REQUIRED
    LIMITS = LIMITS

    group_name: str = ""
    contact_email: str = ""
    activity: str = ""
    people: int | None = None  # checked even when missing (refused like an empty field)
    description: str = ""
    area: str = ""
    times: str = ""
    accessibility: str = ""
    facilities: str = ""
    max_distance_km: float | None = None
    budget_per_hour: Decimal | None = None

    @field_validator("people", mode="before")
    @classmethod
    def _people(cls, v: Any) -> int:
        people = str(v if v is not None else "").strip()
        if not people:
            raise problem("this is required")
        if not (people.isdigit() and 1 <= int(people) <= 500):
            raise problem("give the number of people, from 1 to 500")
        return int(people)

    @field_validator("max_distance_km", mode="before")
    @classmethod
    def _distance(cls, v: Any) -> float | None:
        km = str(v if v is not None else "").strip()
        try:
            ok = not km or 0.1 <= float(km) <= MAX_DISTANCE_M / 1000
        except ValueError:
            ok = False
        if not ok:
            raise problem(f"give a distance in km, from 0.1 to {MAX_DISTANCE_M // 1000}")
        return float(km) if km else None

    @field_validator("budget_per_hour", mode="before")
    @classmethod
    def _budget(cls, v: Any) -> Decimal | None:
        try:
            return money(str(v if v is not None else "").strip(), "budget per hour")
        except AnchorageError:
            raise problem("give an amount in pounds per hour, such as 25 or 12.50") from None

    @field_validator("times")
    @classmethod
    def _times(cls, v: str) -> str:
        if v:
            try:
                parse_times([v])
            except AnchorageError as exc:
                raise problem(exc.message) from None
        return v

    @field_validator("area")
    @classmethod
    def _known_area(cls, v: str, info: ValidationInfo) -> str:
        """Checked against the loaded geography whatever else is wrong, so every error shows at once."""
        con = (info.context or {}).get("con")
        if v and con is not None and locate_area(con, v) is None:
            raise problem(AREA_UNKNOWN)
        return v


def validate(form: Mapping[str, Any], limits: FormLimits, con: Any = None) -> NeedForm:
    """The need as its typed form, or FormInvalid with every problem at once (with a warehouse connection, the
    area must be one the loaded geography knows)."""
    return NeedForm.of(form, limits, con=con)


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
    with ws.session() as s:
        # The posted address only tags this attempt for the per-email limit; what is stored and mailed is the
        # checked one.
        screen = Screen(
            ws, s, FORM, ip=ip, email=text_of(form, "contact_email"), now=now, limits=limits
        )
        if (early := screen.before_validation(form, rendered_at)) is not None:
            return early
        problems: dict[str, str] = {}
        entered, need = None, None
        try:
            with ws.warehouse(read_only=True) as con:
                entered = validate(form, limits, con)
                need = need_from(entered.model_dump(), con)  # the typed values only
        except FormInvalid as exc:
            problems = exc.problems
        except AnchorageError as exc:
            problems["area" if "area" in exc.message else "times"] = exc.message
        if problems or entered is None or need is None:
            screen.record("invalid")
            raise FormInvalid(problems)
        if screen.email_over_limit():
            return Submission(
                "rejected",
                "This email address has posted several needs today. Please try tomorrow.",
                reason="rate-limited",
            )
        digest = fingerprint(entered.contact_email, entered.activity, entered.area)
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
            contact_email=entered.contact_email,
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
