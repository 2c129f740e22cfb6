"""The main menu: its groups and links (labels equal the titles of the pages they open) and the current one."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from anchorage.access.gate import Viewer
from anchorage.services.loads import kind_label
from anchorage.services.suppliers import register_ref as register_ref  # the pages' filter

ROLE_NAMES = {
    "collaborative-admin": "Collaborative admin",
    "anchor-admin": "Anchor admin",
    "anchor-analyst": "Analyst",
    "viewer": "Viewer",
}


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    current: bool = False


@dataclass(frozen=True)
class Group:
    label: str
    links: tuple[Link, ...]

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


def role_name(role: str | None) -> str:
    """A role code in words ('anchor-analyst' -> 'Analyst')."""
    return ROLE_NAMES.get(role or "", (role or "").replace("-", " ").capitalize())


def _groups(viewer: Viewer, anchors: dict[str, str]) -> list[tuple[str, list[tuple[str, str]]]]:
    org = viewer.org
    procurement = [("Whole collaborative", "/dashboard")]
    if org:
        procurement.append((anchors.get(org, org), f"/dashboard/{org}"))
    procurement += [("Benchmark", "/benchmark"), ("Suppliers", "/suppliers")]
    if org:
        procurement += [
            ("Resolved suppliers", "/suppliers/resolved"),
            ("Supplier review", "/suppliers/review"),
        ]
    procurement += [
        ("Pipeline", "/pipeline"),
        ("Contracts to buy together", "/pipeline/opportunities"),
        ("Local supplier directory", "/directory"),
        ("Social value", "/socialvalue"),
        ("Local multiplier (LM3)", "/lm3"),
    ]
    workspace = [("Upload", "/upload")] if org and viewer.may("upload", org) else []
    if org:
        workspace.append(("Uploads", "/uploads"))
    workspace += [
        ("Reports", "/reports"),
        ("Your jobs", "/jobs"),
        ("Opportunities", "/opportunities"),
    ]
    if viewer.may("administer", org):
        workspace += [
            ("Users", "/admin/users"),
            ("Sharing", "/admin/sharing"),
            ("Audit log", "/admin/audit"),
        ]
    workspace.append(("Your account", "/account"))
    return [
        ("Procurement", procurement),
        ("Workforce", [("Workforce profile", "/workforce")]),
        ("Assets", [("Land and buildings", "/assets"), ("Community spaces", "/spaces")]),
        ("Workspace", workspace),
    ]


def _current(path: str, hrefs: list[str]) -> str | None:
    """The link a path belongs to: the exact link, else the longest link that is a folder of it."""
    if path in hrefs:
        return path
    folders = [h for h in hrefs if path.startswith(h.rstrip("/") + "/")]
    return max(folders, key=len) if folders else None


def menu(viewer: Viewer, path: str, anchors: dict[str, str]) -> list[Group]:
    """The signed-in user's menu (its buttons from the permission table), with the link for `path` marked current."""
    groups = _groups(viewer, anchors)
    current = _current(path, [href for _, links in groups for _, href in links])
    if current is None and path.startswith("/anchors/"):  # an anchor's payments and uploads
        slug = path.split("/")[2]
        current = (
            f"/dashboard/{slug}"
            if any(href == f"/dashboard/{slug}" for _, ls in groups for _, href in ls)
            else None
        )
    return [
        Group(label, tuple(Link(lab, href, href == current) for lab, href in links))
        for label, links in groups
    ]


PUBLIC = (
    ("Opportunities", "/opportunities"),
    ("Register as a local supplier", "/opportunities/register"),
    ("Sign in", "/login"),
)


def public_menu(path: str) -> list[Link]:
    return [Link(label, href, href == path) for label, href in PUBLIC]


def upload_kind(kind: str | None) -> str:
    """A kind of upload in the words of the import-kind registry (the upload form's own list)."""
    return kind_label(kind)


def _when(value: Any) -> Any:
    """A date or datetime, whether given as one or as ISO text ("2026-12-06", "2026-12-06T14:05:00+00:00");
    a time with a zone is shown in the server's own."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            value = (
                dt.datetime.fromisoformat(text) if len(text) > 10 else dt.date.fromisoformat(text)
            )
        except ValueError:
            return text  # not a date after all: shown as it is
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone()
    return value


_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_QUARTER_MONTHS = ("Jan to Mar", "Apr to Jun", "Jul to Sep", "Oct to Dec")


def date_text(value: Any) -> str:
    """The one date format of every page: 6 Dec 2026 (a quarter, given only as such: Oct to Dec 2027)."""
    quarter = _QUARTER.fullmatch(value.strip()) if isinstance(value, str) else None
    if quarter:
        return f"{_QUARTER_MONTHS[int(quarter.group(2)) - 1]} {quarter.group(1)}"
    value = _when(value)
    if value is None or isinstance(value, str):
        return value or ""
    return f"{value.day} {value.strftime('%b %Y')}"


# The fields of a column mapping, as a person calls them (a kind's other fields: their name in words).
FIELD_NAMES = {
    "supplier_name": "Supplier",
    "amount": "Amount",
    "payment_date": "Payment date",
    "transaction_id": "Transaction number",
    "supplier_ref": "Supplier's reference",
    "supplier_postcode": "Supplier's postcode",
    "company_number": "Company number",
    "charity_number": "Charity number",
    "vat_number": "VAT number",
    "category": "Expense type",
    "service": "Expense area",
    "description": "Description",
}


def field_name(field: str) -> str:
    """A mapping field in words ('payment_date' -> 'Payment date')."""
    return FIELD_NAMES.get(field, field.replace("_", " ").strip().capitalize())


def month_text(value: Any) -> str:
    """A month (a date standing for its month): Dec 2026."""
    value = _when(value)
    if value is None or isinstance(value, str):
        return value or ""
    return value.strftime("%b %Y")


def datetime_text(value: Any) -> str:
    """A date with its time: 6 Dec 2026 14:05 (a plain date is shown without one)."""
    value = _when(value)
    if not isinstance(value, dt.datetime):
        return date_text(value)
    return f"{date_text(value)} {value.strftime('%H:%M')}"
