"""Local suppliers register themselves for the directory: a public form with the shared abuse protection
(anchorage.public_forms), a confirmation link sent through the outbox, and a purge of unconfirmed entries."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy import delete, select

from anchorage.contracts.categories import load_category_map
from anchorage.core.errors import AnchorageError
from anchorage.core.forms import problem
from anchorage.public_forms.outbox import send_email
from anchorage.public_forms.protection import (
    FormInvalid,
    FormLimits,
    Screen,
    Submission,
    aware,
    fingerprint,
    redeem,
    text_of,
    token_digest,
)
from anchorage.public_forms.typed import PublicForm
from anchorage.reference.postcode import normalise_postcodes
from anchorage.store.opportunities_records import SupplierRegistration
from anchorage.workspace import Workspace

FORM = "supplier-registration"
LIMITS = {
    "name": 160,
    "contact_email": 254,
    "postcode": 10,
    "description": 500,
    "charity_number": 12,
    "company_number": 10,
}
REQUIRED = ("name", "contact_email", "postcode", "size", "org_type")
SIZES = {
    "micro": "Micro (fewer than 10 staff)",
    "small": "Small (10 to 49 staff)",
    "medium": "Medium (50 to 249 staff)",
    "large": "Large (250 staff or more)",
}
ORG_TYPES = {
    "company": "Company",
    "sole-trader": "Sole trader",
    "partnership": "Partnership",
    "cic": "Community interest company (CIC)",
    "charity": "Registered charity",
    "cooperative": "Co-operative or community benefit society",
    "other": "Other",
}
VCSE_TYPES = frozenset({"cic", "charity", "cooperative"})
MAX_CATEGORIES = 6
PURGE_DAYS = 7  # unconfirmed registrations are deleted after this many days
CHARITY_NUMBER = re.compile(r"(\d{6,8}(-\d{1,2})?|SC0\d{5}|NIC\d{6})", re.I)  # E&W, Scotland, NI
COMPANY_NUMBER = re.compile(r"(\d{8}|(SC|NI|OC|SO|NC|R0)\d{6})", re.I)


def categories_of(form: Mapping[str, Any]) -> list[str]:
    """The ticked categories (a form posts the same name once per box)."""
    getlist = getattr(form, "getlist", None)
    raw = getlist("categories") if getlist else form.get("categories") or []
    values = [raw] if isinstance(raw, str) else list(raw)
    return list(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))


def supplier_categories(ws: Workspace) -> list[str]:
    """The categories a supplier can choose: the collaborative's shared categories (docs/pipeline.md)."""
    return load_category_map(ws.root).categories


class RegistrationForm(PublicForm):
    """A supplier's registration: who they are, their postcode (one the area's geography knows, when loaded), size,
    kind of organisation (a charity or CIC gives its registered number) and up to six of the categories."""

    REQUIRED = REQUIRED
    LIMITS = LIMITS

    name: str = ""
    contact_email: str = ""
    postcode: str = ""
    size: str = ""
    org_type: str = ""
    charity_number: str = ""
    company_number: str = ""
    description: str = ""
    categories: list[str] = Field(default_factory=list)

    @field_validator("size", "org_type")
    @classmethod
    def _one_of_the_options(cls, v: str, info: ValidationInfo) -> str:
        if v and v not in (SIZES if info.field_name == "size" else ORG_TYPES):
            raise problem("choose one of the options")
        return v

    @field_validator("charity_number", "company_number")
    @classmethod
    def _registered_number(cls, v: str, info: ValidationInfo) -> str:
        value = v.upper().replace(" ", "")
        pattern, needed_for = (
            (CHARITY_NUMBER, "charity")
            if info.field_name == "charity_number"
            else (COMPANY_NUMBER, "cic")
        )
        if value and not pattern.fullmatch(value):
            raise problem("this does not look like a registered number")
        if not value and info.data.get("org_type") == needed_for:
            raise problem(f"a {ORG_TYPES[needed_for].lower()} needs its registered number")
        return value

    @field_validator("postcode")
    @classmethod
    def _known_postcode(cls, v: str, info: ValidationInfo) -> str:
        if not v:
            return v
        postcode = normalise_postcodes([v])[0]
        if postcode is None:
            raise problem("this is not a UK postcode")
        con = (info.context or {}).get("con")
        if (
            con is not None
            and con.execute("SELECT count(*) FROM postcodes").fetchone()[0]
            and not con.execute(
                "SELECT 1 FROM postcodes WHERE pcds = ? LIMIT 1", [postcode]
            ).fetchone()
        ):
            raise problem("we do not recognise this postcode")
        return str(postcode)

    @field_validator("categories")
    @classmethod
    def _categories(cls, v: list[str], info: ValidationInfo) -> list[str]:
        if not v:
            raise problem("choose at least one category")
        if len(v) > MAX_CATEGORIES or any(c not in (info.context or {})["categories"] for c in v):
            raise problem(f"choose up to {MAX_CATEGORIES} of the listed categories")
        return v


def validate(
    form: Mapping[str, Any], limits: FormLimits, categories: list[str], con: Any = None
) -> RegistrationForm:
    """The registration as its typed form, or FormInvalid with every problem at once. With a warehouse connection,
    the postcode must also be one the workspace's reference geography knows, when it has any."""
    return RegistrationForm.of(
        form, limits, values={"categories": categories_of(form)}, categories=categories, con=con
    )


def registration_of(entered: RegistrationForm, email: str, **state: Any) -> SupplierRegistration:
    """The directory's record of a checked registration (`state`: its status, token and times)."""
    return SupplierRegistration(
        name=entered.name,
        categories=entered.categories,
        postcode=entered.postcode,
        size=entered.size,
        org_type=entered.org_type,
        charity_number=entered.charity_number or None,
        company_number=entered.company_number or None,
        description=entered.description,
        contact_email=email,
        fingerprint=fingerprint(email, entered.name),
        **state,
    )


def register_supplier(
    ws: Workspace,
    form: Mapping[str, Any],
    *,
    ip: str,
    confirm_url: Callable[[str], str],
    now: dt.datetime | None = None,
    rendered_at: dt.datetime | None = None,
    limits: FormLimits | None = None,
) -> Submission:
    """Take one public registration; on acceptance write the confirmation email to the outbox.
    Raises FormInvalid (with every problem) for a form a person can fix."""
    limits = limits or FormLimits()
    now = now or dt.datetime.now(dt.UTC)
    purge_unconfirmed(ws, now=now)  # so unconfirmed entries go without anyone having to remember
    with ws.session() as s:
        # The posted address only tags this attempt for the per-email limit; what is stored and mailed is the
        # checked one.
        screen = Screen(
            ws, s, FORM, ip=ip, email=text_of(form, "contact_email"), now=now, limits=limits
        )
        if (early := screen.before_validation(form, rendered_at)) is not None:
            return early
        try:
            with ws.warehouse(read_only=True) as con:
                entered = validate(form, limits, supplier_categories(ws), con)
        except FormInvalid:
            screen.record("invalid")
            raise
        email = entered.contact_email.lower()
        if screen.email_over_limit():
            return Submission(
                "rejected",
                "This email address has registered several times today. Please try tomorrow.",
                reason="rate-limited",
            )
        digest = fingerprint(email, entered.name)
        dup = s.scalars(
            select(SupplierRegistration).where(SupplierRegistration.fingerprint == digest)
        ).first()
        if (
            dup is not None
            and dup.status == "pending-confirmation"
            and dup.token_expires_at is not None
            and aware(dup.token_expires_at) < now
        ):
            s.delete(dup)  # its link has expired: this registration replaces it
            dup = None
        if dup is not None:
            screen.record("duplicate")
            return Submission(
                "rejected",
                "This organisation is already registered with this email address. "
                "If you did not get the confirmation email, it is valid for "
                f"{limits.token_hours} hours.",
                reason="duplicate",
            )
        token, token_hash, expires = screen.new_token()
        entry = registration_of(
            entered,
            email,
            status="pending-confirmation",
            token_hash=token_hash,
            token_expires_at=expires,
            created_at=now,
        )
        s.add(entry)
        screen.record("accepted")
    send_email(
        ws,
        email,
        f"Confirm your registration with {ws.config.collaborative}",
        f"Someone (we hope you) registered {entry.name} in the local supplier directory of "
        f"{ws.config.collaborative}.\n\nTo confirm, open this link within {limits.token_hours} hours:\n"
        f"{confirm_url(token)}\n\nIf it was not you, ignore this message: the registration will be "
        f"deleted after {PURGE_DAYS} days.\n",
        now=now,
    )
    return Submission(
        "pending-confirmation",
        "Thank you. Please follow the link we have emailed you to join the directory.",
        record_id=entry.id,
        token=token,
        contact_email=email,
    )


def confirm_registration(
    ws: Workspace, token: str, *, now: dt.datetime | None = None
) -> SupplierRegistration:
    """Add the registration whose token this is to the directory (once; tokens expire)."""
    now = now or dt.datetime.now(dt.UTC)
    with ws.session() as s:
        entry = redeem(s, SupplierRegistration, token, now)
        if entry.status != "pending-confirmation":
            raise AnchorageError("This registration is already confirmed.")
        entry.status, entry.confirmed_at = "confirmed", now
        s.commit()
        return entry


def pending_registration(ws: Workspace, token: str) -> SupplierRegistration:
    """The registration a confirmation link is for (to show before confirming); raises for a bad link."""
    with ws.session() as s:
        entry = s.scalars(
            select(SupplierRegistration).where(
                SupplierRegistration.token_hash == token_digest(token)
            )
        ).first()
    if entry is None:
        raise AnchorageError("This confirmation link is not valid or has already been used.")
    return entry


def purge_unconfirmed(
    ws: Workspace, *, days: int = PURGE_DAYS, now: dt.datetime | None = None
) -> int:
    """Delete registrations never confirmed within `days` days; returns how many went."""
    now = now or dt.datetime.now(dt.UTC)
    with ws.session() as s:
        result = s.execute(
            delete(SupplierRegistration).where(
                SupplierRegistration.status == "pending-confirmation",
                SupplierRegistration.created_at < now - dt.timedelta(days=days),
            )
        )
        s.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
