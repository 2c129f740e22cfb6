"""The public 'we need a space' form, as a library function with abuse protection.

In order: per-IP rate limit, honeypot field, time trap, validation (all problems at once, length limits,
link limit), per-email rate limit, duplicate detection; an accepted need waits unpublished until the
confirmation token sent to the group's email comes back. Every attempt is recorded for the rate limits,
with the IP address and email stored only as salted hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from anchorage.assets.spaces import need_from
from anchorage.errors import AnchorageError
from anchorage.store.assets_records import FormAttempt, Need
from anchorage.workspace import Workspace

HONEYPOT = "website"  # a field hidden from people with CSS; bots fill it in
LIMITS = {"group_name": 120, "contact_email": 254, "activity": 200, "description": 2000, "area": 120,
          "times": 300, "accessibility": 300, "facilities": 300}
REQUIRED = ("group_name", "contact_email", "activity", "people", "area")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
LINK = re.compile(r"https?://|www\.", re.I)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class FormLimits:
    per_ip_per_hour: int = 5
    per_email_per_day: int = 3
    min_seconds_to_fill: float = 3.0
    token_hours: int = 72
    max_links: int = 1
    duplicate_days: int = 30


@dataclass
class Submission:
    """What the form page shows. `token` is for the confirmation email only, never for the page."""

    status: str  # pending-confirmation | rejected | discarded
    message: str
    need_id: int | None = None
    token: str | None = None
    reason: str | None = None


class FormInvalid(AnchorageError):
    """The form has problems; all are listed, keyed by field."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("Please correct: " + "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in problems.items()))
        self.problems = problems


def _hash(ws: Workspace, value: str) -> str:
    salt = f"anchorage:{ws.config.collaborative}:{ws.root}"
    return hashlib.sha256(f"{salt}|{value.strip().lower()}".encode()).hexdigest()


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)  # SQLite returns naive UTC


def _count(s, column, value: str, since: dt.datetime, outcomes: tuple[str, ...] | None = None) -> int:  # type: ignore[no-untyped-def]
    q = select(func.count()).select_from(FormAttempt).where(column == value, FormAttempt.at >= since)
    if outcomes:
        q = q.where(FormAttempt.outcome.in_(outcomes))
    return int(s.scalar(q) or 0)


def validate(form: Mapping[str, Any], limits: FormLimits) -> dict[str, str]:
    """Every problem with the form's fields (empty when it is fine)."""
    problems: dict[str, str] = {}
    for key in REQUIRED:
        if not str(form.get(key) or "").strip():
            problems[key] = "this is required"
    for key, n in LIMITS.items():
        text = str(form.get(key) or "")
        if len(text) > n:
            problems[key] = f"keep this under {n} characters (it has {len(text)})"
        elif CONTROL.search(text):
            problems[key] = "this contains characters that are not text"
    email = str(form.get("contact_email") or "").strip()
    if email and "contact_email" not in problems and not EMAIL.fullmatch(email):
        problems["contact_email"] = "this is not an email address"
    people = str(form.get("people") or "").strip()
    if people and not (people.isdigit() and 1 <= int(people) <= 500):
        problems["people"] = "give the number of people, from 1 to 500"
    links = sum(len(LINK.findall(str(form.get(k) or ""))) for k in LIMITS)
    if links > limits.max_links:
        problems["description"] = f"please include at most {limits.max_links} web link"
    return problems


def submit_need(ws: Workspace, form: Mapping[str, Any], *, ip: str, now: dt.datetime | None = None,
                rendered_at: dt.datetime | None = None, limits: FormLimits | None = None) -> Submission:
    """Take one public submission. Raises FormInvalid (with every problem) for a form a person can fix."""
    limits = limits or FormLimits()
    now = now or dt.datetime.now(dt.UTC)
    ip_hash = _hash(ws, ip)
    email = str(form.get("contact_email") or "").strip().lower()
    email_hash = _hash(ws, email) if email else None
    with ws.session() as s:
        def attempt(outcome: str) -> None:
            s.add(FormAttempt(ip_hash=ip_hash, email_hash=email_hash, outcome=outcome, at=now))
            s.commit()

        if _count(s, FormAttempt.ip_hash, ip_hash, now - dt.timedelta(hours=1)) >= limits.per_ip_per_hour:
            attempt("rate-limited-ip")
            return Submission("rejected", "Too many submissions from your connection. Please try again in an hour.",
                              reason="rate-limited")
        if str(form.get(HONEYPOT) or "").strip():
            attempt("honeypot")
            return Submission("discarded", "Thank you.", reason="honeypot")  # look like success to a bot
        if rendered_at is not None and (now - _aware(rendered_at)).total_seconds() < limits.min_seconds_to_fill:
            attempt("too-fast")
            return Submission("discarded", "Thank you.", reason="too-fast")
        problems = validate(form, limits)
        need = None
        if not problems:
            try:
                with ws.warehouse(read_only=True) as con:
                    need = need_from(dict(form), con)
            except AnchorageError as exc:
                problems["area" if "area" in exc.message else "times"] = exc.message
        if problems or need is None:
            attempt("invalid")
            raise FormInvalid(problems)
        if email_hash and _count(s, FormAttempt.email_hash, email_hash, now - dt.timedelta(days=1),
                                 ("accepted",)) >= limits.per_email_per_day:
            attempt("rate-limited-email")
            return Submission("rejected", "This email address has posted several needs today. Please try tomorrow.",
                              reason="rate-limited")
        key = "|".join(re.sub(r"\W+", " ", str(form.get(k) or "")).strip().lower()
                       for k in ("contact_email", "activity", "area"))
        fingerprint = hashlib.sha256(key.encode()).hexdigest()
        dup = s.scalars(select(Need).where(Need.fingerprint == fingerprint,
                                           Need.status.in_(("pending-confirmation", "published")),
                                           Need.created_at >= now - dt.timedelta(days=limits.duplicate_days))).first()
        if dup is not None:
            attempt("duplicate")
            return Submission("rejected", "You have already posted this need; we will be in touch about it.",
                              need_id=None, reason="duplicate")
        token = secrets.token_urlsafe(32)
        need.status = "pending-confirmation"
        need.token_hash = hashlib.sha256(token.encode()).hexdigest()
        need.token_expires_at = now + dt.timedelta(hours=limits.token_hours)
        need.ip_hash, need.email_hash, need.fingerprint, need.created_at = ip_hash, email_hash, fingerprint, now
        s.add(need)
        attempt("accepted")
        return Submission("pending-confirmation", "Thank you. Please follow the link we have emailed you to publish "
                          "your request.", need_id=need.id, token=token)


def confirm_need(ws: Workspace, token: str, *, now: dt.datetime | None = None) -> Need:
    """Publish the need whose confirmation token this is (once; tokens expire)."""
    now = now or dt.datetime.now(dt.UTC)
    digest = hashlib.sha256(token.encode()).hexdigest()
    with ws.session() as s:
        need = s.scalars(select(Need).where(Need.token_hash == digest)).first()
        if need is None:
            raise AnchorageError("This confirmation link is not valid or has already been used.")
        if need.token_expires_at is not None and _aware(need.token_expires_at) < now:
            raise AnchorageError("This confirmation link has expired.", fix="Please fill in the form again.")
        need.status, need.confirmed_at, need.token_hash = "published", now, None
        s.commit()
        return need


@dataclass
class FormStats:
    outcomes: dict[str, int] = field(default_factory=dict)


def form_stats(ws: Workspace, since: dt.datetime) -> FormStats:
    """How many attempts had each outcome since a time (for the web's moderation page)."""
    with ws.session() as s:
        rows = s.execute(select(FormAttempt.outcome, func.count()).where(FormAttempt.at >= since)
                         .group_by(FormAttempt.outcome)).all()
    return FormStats({o: int(n) for o, n in rows})
