"""Abuse protection shared by every public (no-login) form.

A submission passes, in order: the per-IP rate limit, the honeypot field, the time trap, the form's own
validation (all problems at once, with length, control-character and link limits from `field_problems`),
the per-email rate limit and the form's duplicate check. Every attempt is recorded under the form's name,
with the IP address and email stored only as salted hashes. Accepted entries wait for a confirmation token
(only its SHA-256 is stored) sent to the email address."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anchorage.core.errors import AnchorageError
from anchorage.store.forms_records import FormAttempt
from anchorage.workspace import Workspace

HONEYPOT = "website"  # a field hidden from people with CSS; bots fill it in
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
    record_id: int | str | None = None
    token: str | None = None
    reason: str | None = None
    contact_email: str | None = None  # the checked address the confirmation goes to (accepted only)


class FormInvalid(AnchorageError):
    """The form has problems; all are listed, keyed by field."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(
            "Please correct: "
            + "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in problems.items())
        )
        self.problems = problems


def salted_hash(ws: Workspace, value: str) -> str:
    salt = f"anchorage:{ws.config.collaborative}:{ws.root}"
    return hashlib.sha256(f"{salt}|{value.strip().lower()}".encode()).hexdigest()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def fingerprint(*parts: object) -> str:
    """A digest of the words of some fields, to spot the same submission sent twice."""
    key = "|".join(re.sub(r"\W+", " ", str(p or "")).strip().lower() for p in parts)
    return hashlib.sha256(key.encode()).hexdigest()


def aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)  # SQLite returns naive UTC


def text_of(form: Mapping[str, Any], key: str) -> str:
    return str(form.get(key) or "").strip()


def field_problems(
    form: Mapping[str, Any],
    *,
    required: Iterable[str],
    lengths: Mapping[str, int],
    max_links: int,
    link_field: str = "description",
    email_field: str = "contact_email",
) -> dict[str, str]:
    """The generic problems of a form's text fields: missing, too long, control characters, a bad email
    address, too many web links. Forms add their own checks to the dict this returns."""
    problems: dict[str, str] = {}
    for key in required:
        if not text_of(form, key):
            problems[key] = "this is required"
    for key, n in lengths.items():
        text = str(form.get(key) or "")
        if len(text) > n:
            problems[key] = f"keep this under {n} characters (it has {len(text)})"
        elif CONTROL.search(text):
            problems[key] = "this contains characters that are not text"
    email = text_of(form, email_field)
    if email and email_field not in problems and not EMAIL.fullmatch(email):
        problems[email_field] = "this is not an email address"
    links = sum(len(LINK.findall(str(form.get(k) or ""))) for k in lengths)
    if links > max_links:
        problems[link_field] = f"please include at most {max_links} web link"
    return problems


COUNTED = ("accepted", "honeypot", "too-fast")


class Screen:
    """One submission's passage through the shared checks, recording an attempt at each exit."""

    def __init__(
        self,
        ws: Workspace,
        s: Session,
        form_name: str,
        *,
        ip: str,
        email: str,
        now: dt.datetime,
        limits: FormLimits,
    ) -> None:
        self.s, self.form_name, self.now, self.limits = s, form_name, now, limits
        self.ip_hash = salted_hash(ws, ip)
        self.email_hash = salted_hash(ws, email) if email else None

    def record(self, outcome: str) -> None:
        self.s.add(
            FormAttempt(
                form=self.form_name,
                ip_hash=self.ip_hash,
                email_hash=self.email_hash,
                outcome=outcome,
                at=self.now,
            )
        )
        self.s.commit()

    def _count(
        self, column: Any, value: str, since: dt.datetime, outcomes: tuple[str, ...] | None = None
    ) -> int:
        q = (
            select(func.count())
            .select_from(FormAttempt)
            .where(FormAttempt.form == self.form_name, column == value, FormAttempt.at >= since)
        )
        if outcomes:
            q = q.where(FormAttempt.outcome.in_(outcomes))
        return int(self.s.scalar(q) or 0)

    def before_validation(
        self, form: Mapping[str, Any], rendered_at: dt.datetime | None
    ) -> Submission | None:
        """The per-IP limit, the honeypot and the time trap: a Submission to return at once, or None to go on."""
        # Accepted submissions (and bots' posts) count; a form sent back to be corrected does not, so a person on
        # a shared library PC who mistypes is never locked out.
        if (
            self._count(
                FormAttempt.ip_hash, self.ip_hash, self.now - dt.timedelta(hours=1), COUNTED
            )
            >= self.limits.per_ip_per_hour
        ):
            self.record("rate-limited-ip")
            return Submission(
                "rejected",
                "Too many submissions from your connection. Please try again in an hour.",
                reason="rate-limited",
            )
        if text_of(form, HONEYPOT):
            self.record("honeypot")
            return Submission(
                "discarded", "Thank you.", reason="honeypot"
            )  # look like success to a bot
        if (
            rendered_at is not None
            and (self.now - aware(rendered_at)).total_seconds() < self.limits.min_seconds_to_fill
        ):
            self.record("too-fast")
            return Submission("discarded", "Thank you.", reason="too-fast")
        return None

    def email_over_limit(self) -> bool:
        """True (and recorded) when this email address has had its accepted submissions for the day."""
        if (
            self.email_hash
            and self._count(
                FormAttempt.email_hash,
                self.email_hash,
                self.now - dt.timedelta(days=1),
                ("accepted",),
            )
            >= self.limits.per_email_per_day
        ):
            self.record("rate-limited-email")
            return True
        return False

    def new_token(self) -> tuple[str, str, dt.datetime]:
        """A confirmation token, its stored digest and its expiry."""
        token = secrets.token_urlsafe(32)
        return token, token_digest(token), self.now + dt.timedelta(hours=self.limits.token_hours)


class Confirmable(Protocol):
    token_hash: Any
    token_expires_at: Any


C = TypeVar("C", bound=Confirmable)


def redeem(s: Session, model: type[C], token: str, now: dt.datetime) -> C:
    """The pending entry whose confirmation token this is; the token is spent (set to None) by the caller's
    commit. Raises AnchorageError for an unknown, used or expired token."""
    entry = s.scalars(select(model).where(model.token_hash == token_digest(token))).first()
    if entry is None:
        raise AnchorageError("This confirmation link is not valid or has already been used.")
    if entry.token_expires_at is not None and aware(entry.token_expires_at) < now:
        raise AnchorageError(
            "This confirmation link has expired.", fix="Please fill in the form again."
        )
    entry.token_hash = None
    return entry


def attempt_outcomes(
    ws: Workspace, since: dt.datetime, form_name: str | None = None
) -> dict[str, int]:
    """How many attempts had each outcome since a time (for moderation pages)."""
    q = select(FormAttempt.outcome, func.count()).where(FormAttempt.at >= since)
    if form_name:
        q = q.where(FormAttempt.form == form_name)
    with ws.session() as s:
        return {o: int(n) for o, n in s.execute(q.group_by(FormAttempt.outcome)).all()}


def form_secret(ws: Workspace) -> str:
    """The workspace's secret for signing form stamps, made on first use and kept (owner-only) in the
    workspace, so every server process over it agrees."""
    return ws.secret("form-secret")


def stamp(key: str, now: dt.datetime) -> str:
    """A tamper-evident 'form shown at' value for a hidden field, for the time trap; `key` joins the
    workspace's secret with the visitor's CSRF token, so a stamp cannot be forged or reused by another."""
    ts = str(int(now.timestamp()))
    return f"{ts}.{hmac.new(key.encode(), ts.encode(), 'sha256').hexdigest()[:24]}"


def stamped_time(key: str, value: str) -> dt.datetime | None:
    """When the form was shown, from `stamp`'s value; None when missing or forged."""
    ts, _, sig = value.partition(".")
    if not ts.isdigit() or not hmac.compare_digest(
        sig, stamp(key, dt.datetime.fromtimestamp(int(ts), dt.UTC))[len(ts) + 1 :]
    ):
        return None
    return dt.datetime.fromtimestamp(int(ts), dt.UTC)
