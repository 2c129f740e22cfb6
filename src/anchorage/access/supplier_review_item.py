"""Supplier review one item at a time: the record as its anchor has it beside its register candidates, in plain
reasons, and the suppliers it could be "the same as", found by name (the viewer never copies an internal id).

Everything here holds only the records of anchors whose detail the viewer sees, as in `supplier_review`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from anchorage.access import supplier_review as register
from anchorage.access.gate import Viewer
from anchorage.access.table import Column, TableSpec
from anchorage.suppliers import register_names
from anchorage.suppliers.records import QueueItem
from anchorage.workspace import Workspace

DECISION_WORDS = {
    "accept": "Same supplier as the register entry",
    "reject": "Different from the register entry",
    "merge": "Same as another supplier",
    "split": "Split off its supplier",
}
REGISTER_NAMES = register_names.NAMES
REGISTER_PAGES = register_names.PAGES
CANDIDATES_SHOWN = 3
FOUND_SHOWN = 10
_WEIGHT = re.compile(r"\s*\([+-]?[\d.]+\)\s*$")


def plain_reasons(explanation: str | None) -> list[str]:
    """'same name (+25.0); town missing (0)' -> ['Same name', 'Town missing']: the comparisons without weights."""
    out = []
    for part in (explanation or "").split(";"):
        words = _WEIGHT.sub("", part).strip()
        if words:
            out.append(words[0].upper() + words[1:])
    return out


def register_page(source: str | None, register_id: str | None) -> str | None:
    """The public page of a register entry (Companies House or the Charity Commission), when there is one."""
    page = REGISTER_PAGES.get(source or "")
    return page.format(register_id) if page and register_id else None


@dataclass
class Candidate:
    """A register entry a record may be, with the plain reasons for and against."""

    source: str
    register_id: str
    name: str | None
    postcode: str | None
    status: str | None
    probability: float
    explanation: str | None
    reasons: list[str]
    page: str | None
    register: str  # "Companies House"
    linked_records: int  # records of anchors the viewer sees that are already linked to this entry
    linked_spend: float


@dataclass
class ReviewItem:
    """The `position`-th of `total` records to review (1-based), side by side with its candidates."""

    position: int
    total: int
    item: QueueItem
    payments: int
    candidates: list[Candidate] = field(default_factory=list)


def review_item(ws: Workspace, viewer: Viewer, position: int) -> ReviewItem | None:
    """The record at `position` of the viewer's review queue (the last one when past the end); None if empty."""
    items = register.queue(ws, viewer, limit=None)
    if not items:
        return None
    position = min(max(1, position), len(items))
    item = items[position - 1]
    with ws.warehouse(read_only=True) as con:
        payments = con.execute(
            "SELECT count(*) FROM spend s JOIN supplier_resolution r USING (org, supplier_name_norm) "
            "WHERE NOT s.is_redacted AND r.record_id = ?",
            [item.record_id],
        ).fetchone()
        rows = con.execute(
            """
            WITH c AS (SELECT source, register_id, max(match_probability) AS p,
                              arg_max(explanation, match_probability) AS explanation
                       FROM supplier_candidates WHERE record_id = $rid GROUP BY ALL
                       ORDER BY p DESC, source, register_id LIMIT $n),
                 linked AS (SELECT r.register_source AS source, r.register_id, count(*) AS records,
                                   coalesce(sum(t.spend), 0) AS spend
                            FROM supplier_resolution r
                            LEFT JOIN (SELECT org, supplier_name_norm, sum(amount) AS spend FROM spend GROUP BY ALL) t
                                USING (org, supplier_name_norm)
                            WHERE r.record_id <> $rid AND r.org IN (SELECT unnest($orgs))
                              AND (r.register_source, r.register_id) IN (SELECT (source, register_id) FROM c)
                            GROUP BY ALL)
            SELECT c.source, c.register_id, e.name, e.postcode, e.status, c.p, c.explanation,
                   coalesce(l.records, 0), coalesce(l.spend, 0)
            FROM c LEFT JOIN (SELECT source, register_id, any_value(name) AS name, any_value(postcode) AS postcode,
                                     any_value(status) AS status FROM register_entities GROUP BY ALL) e
                   USING (source, register_id)
            LEFT JOIN linked l USING (source, register_id)
            ORDER BY c.p DESC, c.source, c.register_id
        """,
            {"rid": item.record_id, "n": CANDIDATES_SHOWN, "orgs": sorted(viewer.detail_orgs)},
        ).fetchall()
    candidates = [
        Candidate(
            source=r[0],
            register_id=r[1],
            name=r[2],
            postcode=r[3],
            status=r[4],
            probability=float(r[5]),
            explanation=r[6],
            reasons=plain_reasons(r[6]),
            page=register_page(r[0], r[1]),
            register=REGISTER_NAMES.get(r[0], r[0]),
            linked_records=int(r[7]),
            linked_spend=float(r[8]),
        )
        for r in rows
    ]
    return ReviewItem(position, len(items), item, int(payments[0]) if payments else 0, candidates)


def find_suppliers(
    ws: Workspace,
    viewer: Viewer,
    text: str,
    *,
    besides: str | None = None,
    limit: int = FOUND_SHOWN,
) -> list[dict[str, Any]]:
    """Suppliers of the anchors the viewer sees whose name (as an anchor has it, or in the register) contains
    `text`: one row per supplier with a record to merge with, its names, anchors, register entry and spend.
    The supplier of record `besides` (the one under review) is left out."""
    text = text.strip()[:100]
    if len(text) < 2 or not viewer.detail_orgs:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with ws.warehouse(read_only=True) as con:
        rows = con.execute(
            r"""
            WITH mine AS (SELECT * FROM supplier_resolution WHERE org IN (SELECT unnest($orgs))),
            hit AS (SELECT DISTINCT supplier_id FROM mine
                    WHERE (supplier_name ILIKE $p ESCAPE '\' OR register_name ILIKE $p ESCAPE '\')
                      AND supplier_id NOT IN (SELECT supplier_id FROM supplier_resolution WHERE record_id = $besides)),
            spend AS (SELECT org, supplier_name_norm, sum(amount) AS spend, count(*) AS payments FROM spend
                      WHERE org IN (SELECT unnest($orgs))
                        AND (org, supplier_name_norm) IN (SELECT (org, supplier_name_norm) FROM mine
                                                          WHERE supplier_id IN (SELECT supplier_id FROM hit))
                      GROUP BY ALL)
            SELECT m.supplier_id, min(m.record_id) AS record_id, list(DISTINCT m.supplier_name ORDER BY m.supplier_name),
                   list(DISTINCT m.org ORDER BY m.org), any_value(m.register_source) FILTER (m.register_id IS NOT NULL),
                   any_value(m.register_id) FILTER (m.register_id IS NOT NULL),
                   any_value(m.register_name) FILTER (m.register_id IS NOT NULL),
                   any_value(m.registered_postcode) FILTER (m.register_id IS NOT NULL),
                   coalesce(sum(s.spend), 0) AS spend, coalesce(sum(s.payments), 0)
            FROM mine m JOIN hit USING (supplier_id) LEFT JOIN spend s USING (org, supplier_name_norm)
            GROUP BY m.supplier_id ORDER BY spend DESC, m.supplier_id LIMIT $n
        """,
            {
                "orgs": sorted(viewer.detail_orgs),
                "p": pattern,
                "besides": besides or "",
                "n": limit,
            },
        ).fetchall()
    return [
        {
            "record_id": r[1],
            "names": r[2],
            "orgs": r[3],
            "register_source": r[4],
            "register_id": r[5],
            "register_name": r[6],
            "register_postcode": r[7],
            "register": REGISTER_NAMES.get(r[4] or "", r[4]),
            "page": register_page(r[4], r[5]),
            "spend": float(r[8]),
            "payments": int(r[9]),
        }
        for r in rows
    ]


def decisions_in_words(ws: Workspace, viewer: Viewer) -> list[dict[str, Any]]:
    """The decisions in force the viewer may see, newest first, with supplier names instead of record ids."""
    rows = register.decisions(ws, viewer)
    ids = sorted(
        {d["record_id"] for d in rows}
        | {d["other_record_id"] for d in rows if d["other_record_id"]}
    )
    names: dict[str, tuple[str, str]] = {}
    if ids:
        with ws.warehouse(read_only=True) as con:
            names = {
                r[0]: (r[1], r[2])
                for r in con.execute(
                    "SELECT record_id, supplier_name, org FROM supplier_resolution WHERE record_id IN (SELECT unnest($ids))",
                    {"ids": ids},
                ).fetchall()
            }
    out = []
    for d in rows:
        other = names.get(d["other_record_id"] or "")
        source, _, ref = (d["register"] or "").partition(":")
        out.append(
            {
                **d,
                "words": DECISION_WORDS.get(d["action"], d["action"]),
                "supplier": names.get(d["record_id"], ("", ""))[0],
                # Another anchor's record the viewer cannot see is named by nothing but "another supplier".
                "other": other[0]
                if other and viewer.sees_detail(other[1])
                else ("another supplier" if other else ""),
                "register_source": source or None,
                "register_id": ref or None,
            }
        )
    return out


QUEUE = TableSpec(
    name="Suppliers to review",
    columns=(
        Column("position", "Place in the review", "int"),
        Column("supplier", "Supplier as given", filter="contains"),
        Column("anchor", "Anchor", "anchor", filter="equals"),
        Column("postcode", "Postcode"),
        Column("spend", "Spend", "money"),
        Column("candidate", "Possible match in the registers"),
    ),
    default_sort="position",
    tie=("position",),
    search=("supplier", "candidate", "postcode"),
)


def queue_rows(ws: Workspace, viewer: Viewer) -> list[dict[str, Any]]:
    """The whole review queue the viewer sees, in its order (largest spend first), as the overview's rows."""
    return [
        {
            "position": n,
            "supplier": i.supplier_name,
            "anchor": i.org,
            "postcode": i.postcode,
            "spend": i.spend,
            "candidate": i.register_name,
        }
        for n, i in enumerate(register.queue(ws, viewer, limit=None), start=1)
    ]
