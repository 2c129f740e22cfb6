"""The LM3 supplier re-spend survey on the web: one-time links issued by an anchor's user, answered by the
supplier without an account. A link works once and expires; only its hash is stored, so a leaked
database cannot be used to answer. Answers are validated (every problem at once) and become one row of
lm3_responses, exactly like a row of an imported survey file."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from anchorage.core.errors import AnchorageError
from anchorage.core.values import parse_money
from anchorage.reference.names import normalise_names
from anchorage.store.socialvalue_records import Lm3SurveyLink
from anchorage.workspace import Workspace

LINK_DAYS = 30
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
PERCENT_FIELDS = {
    "wages_pct": "Share of the income spent on wages",
    "local_staff_pct": "Share of those wages paid to staff living locally",
    "purchases_pct": "Share of the income spent on goods and services from other suppliers",
    "local_purchases_pct": "Share of those purchases made from local suppliers",
}
MAX_TEXT = 200


class SurveyInvalid(AnchorageError):
    """The answers have problems; all are listed, keyed by field."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("Please correct: " + "; ".join(problems.values()))
        self.problems = problems


class LinkNotValid(AnchorageError):
    """The survey link is unknown, used or expired."""


@dataclass
class Issued:
    link_id: int
    token: str  # shown once to the anchor user who issued it, never stored
    expires_at: dt.datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _clean(text: str, limit: int = MAX_TEXT) -> str:
    return re.sub(r"[\x00-\x1f\x7f]", " ", text).strip()[:limit]


def issue_link(
    ws: Workspace,
    org: str,
    supplier_name: str,
    *,
    created_by: str,
    income: Decimal | None = None,
    year: int | None = None,
    days: int = LINK_DAYS,
) -> Issued:
    """Issue a one-time survey link for one supplier of the anchor."""
    slug = ws.config.anchor(org).slug
    name = _clean(supplier_name)
    if not name:
        raise AnchorageError("The supplier's name is blank.", fix="Give the supplier's name.")
    if income is not None and income <= 0:
        raise AnchorageError(
            "The spend with the supplier must be above £0.", fix="Leave it blank to ask them."
        )
    token = secrets.token_urlsafe(24)
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    with ws.session() as s:
        link = Lm3SurveyLink(
            org=slug,
            supplier_name=name,
            income=income,
            year=year,
            token_hash=_hash(token),
            created_by=created_by,
            expires_at=expires,
        )
        s.add(link)
        s.commit()
        return Issued(link.id, token, expires)


def open_link(ws: Workspace, token: str) -> Lm3SurveyLink:
    """The link a token opens; LinkNotValid when it is malformed, unknown, used or expired."""
    bad = LinkNotValid(
        "This survey link is not valid: it may have been used already or have expired.",
        fix="Ask the anchor that sent it for a new link.",
    )
    if not TOKEN.fullmatch(token or ""):
        raise bad
    with ws.session() as s:
        link = s.scalar(select(Lm3SurveyLink).where(Lm3SurveyLink.token_hash == _hash(token)))
    if link is None or link.used_at is not None:
        raise bad
    expires = link.expires_at if link.expires_at.tzinfo else link.expires_at.replace(tzinfo=dt.UTC)
    if expires < dt.datetime.now(dt.UTC):
        raise bad
    return link


def links(ws: Workspace, org: str) -> list[Lm3SurveyLink]:
    with ws.session() as s:
        return list(
            s.scalars(
                select(Lm3SurveyLink)
                .where(Lm3SurveyLink.org == org)
                .order_by(Lm3SurveyLink.created_at.desc())
            ).all()
        )


def _percent(raw: str, label: str, problems: dict[str, str], key: str) -> float:
    text = raw.strip().rstrip("%").strip()
    try:
        v = float(text)
    except ValueError:
        problems[key] = f"{label}: enter a percentage from 0 to 100"
        return 0.0
    if not 0 <= v <= 100:
        problems[key] = f"{label}: enter a percentage from 0 to 100"
    return v / 100


def validate_answers(form: Mapping[str, str], *, income_known: bool) -> dict[str, object]:
    """Check a survey form; returns the clean answers or raises SurveyInvalid naming every problem."""
    problems: dict[str, str] = {}
    out: dict[str, object] = {}
    for key, label in PERCENT_FIELDS.items():
        out[key] = _percent(str(form.get(key, "")), label, problems, key)
    if not problems and float(out["wages_pct"]) + float(out["purchases_pct"]) > 1.0000001:  # type: ignore[arg-type]
        problems["purchases_pct"] = (
            "Wages and purchases together cannot be more than 100% of the income"
        )
    if not income_known:
        income = parse_money(str(form.get("income", "")))
        if income is None or income <= 0 or income > Decimal("1e12"):
            problems["income"] = "Income from the anchor: enter an amount in pounds above £0"
        else:
            out["income"] = income
    postcode = _clean(str(form.get("postcode", "")), 12).upper()
    if postcode and not re.fullmatch(r"[A-Z0-9 ]{5,8}", postcode):
        problems["postcode"] = "Postcode: enter a UK postcode like SE6 4RU, or leave it blank"
    out["postcode"] = postcode or None
    if problems:
        raise SurveyInvalid(problems)
    return out


def submit_answers(ws: Workspace, token: str, form: Mapping[str, str]) -> Lm3SurveyLink:
    """Record a supplier's answers through its one-time link; the link is used up on success."""
    link = open_link(ws, token)
    answers = validate_answers(form, income_known=link.income is not None)
    income = link.income if link.income is not None else answers["income"]
    with ws.session() as s:  # claim the link first, so two tabs cannot both answer
        row = s.get(Lm3SurveyLink, link.id)
        if row is None or row.used_at is not None:
            raise LinkNotValid(
                "This survey link has already been used.", fix="Ask the anchor for a new link."
            )
        row.used_at = dt.datetime.now(dt.UTC)
        s.commit()
    try:
        key = normalise_names([link.supplier_name])[0]
        with ws.warehouse() as con:
            con.execute(
                "INSERT INTO lm3_responses VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                [
                    f"survey-{link.id}",
                    link.org,
                    link.supplier_name,
                    key,
                    link.year,
                    income,
                    answers["wages_pct"],
                    answers["local_staff_pct"],
                    answers["purchases_pct"],
                    answers["local_purchases_pct"],
                    answers["postcode"],
                ],
            )
    except BaseException:
        with ws.session() as s:
            row = s.get(Lm3SurveyLink, link.id)
            if row is not None:
                row.used_at = None
                s.commit()
        raise
    return link
