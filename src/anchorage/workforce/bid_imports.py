"""The collective bids' files as import kinds: employers' pledges and the starts and outcomes against them (both
personal data: no copy of the file is kept). Pledges and starts entered on the web are kept when a file replaces
an anchor's."""

from __future__ import annotations

from datetime import date
from functools import partial

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from anchorage.ingest.record_files import Check, FileColumn, RecordsKind, Row, replace_rows
from anchorage.store.workforce_records import BidStart, Pledge
from anchorage.workforce.import_common import positive, sql_in
from anchorage.workforce.programmes import default_id, load_programmes
from anchorage.workspace import Workspace


def _file_pledges(scope: set[str]) -> ColumnElement[bool]:
    """Pledges a file replaces: those loaded by file for these anchors (pledges entered on the web are kept);
    the collaborative's own list ("") is all loaded by file."""
    return Pledge.org.in_(sorted(scope)) & (Pledge.upload_id.is_not(None) | (Pledge.org == ""))


def _pledge_write(
    default_programme: str, session: Session, scope: set[str], rows: list[Row]
) -> set[str]:
    session.execute(
        delete(BidStart).where(
            BidStart.pledge_id.in_(select(Pledge.id).where(_file_pledges(scope)))
        )
    )
    new = [
        {
            "org": r["_anchor"],
            "programme": (r["programme"] or default_programme).lower(),
            "employer": r["employer"],
            "company_number": r["company_number"] or "",
            "charity_number": r["charity_number"] or "",
            "role": r["role"],
            "placements": r["placements"],
            "hours_per_week": float(r["hours_per_week"]),
            "hourly_wage": r["hourly_wage"],
            "duration_months": r["duration_months"],
            "location": r["location"] or "",
            "additionality": r["additionality"],
            "contact": r["contact"] or "",
            "pledged_on": r["pledged_on"],
            "upload_id": r["upload_id"],
        }
        for r in rows
    ]
    return replace_rows(session, Pledge, _file_pledges(scope), new)


def pledges_kind(ws: Workspace) -> RecordsKind:
    """Pledges; a file with no programme column pledges to the programme open today (workforce/programmes.py)."""
    known = load_programmes(ws)
    return RecordsKind(
        "pledges",
        "pledges",
        [
            FileColumn("programme", required=False),
            FileColumn("employer"),
            FileColumn("company_number", required=False),
            FileColumn("charity_number", required=False),
            FileColumn("role"),
            FileColumn("placements", "int"),
            FileColumn("hours_per_week", "money"),
            FileColumn("hourly_wage", "money"),
            FileColumn("duration_months", "int"),
            FileColumn("location", required=False),
            FileColumn("additionality", "flag"),
            FileColumn("contact", required=False, personal=True),
            FileColumn("pledged_on", "date"),
        ],
        partial(_pledge_write, default_id(known, date.today())),
        Pledge,
        anchor_optional=True,
        personal=True,
        checks=[
            Check(
                f'"programme" IS NOT NULL AND lower("programme") NOT IN {sql_in(tuple(known))}',
                """'there is no programme "' || "programme" || '" (programmes: ' || """
                f"""'{", ".join(sorted(known))}' || ')'""",
                "programme",
            ),
            positive("placements", "placements"),
            positive("hours_per_week", "hours per week"),
            positive("hourly_wage", "hourly wage"),
            positive("duration_months", "duration months"),
        ],
    )


def _pledge_ids(session: Session, scope: set[str]) -> dict[tuple[str, str, str], str]:
    return {
        (p.org, p.employer.lower(), p.role.lower()): p.id
        for p in session.scalars(select(Pledge).where(Pledge.org.in_(sorted(scope))))
    }


def _start_check(ws: Workspace, rows: list[Row], org: str) -> dict[int, tuple[str, str]]:
    with ws.session() as s:
        known = _pledge_ids(s, {r["_anchor"] for r in rows})
    return {
        r["row_no"]: ("role", f"no pledge by {r['employer']} for {r['role']}")
        for r in rows
        if (r["_anchor"], r["employer"].lower(), r["role"].lower()) not in known
    }


def _start_write(session: Session, scope: set[str], rows: list[Row]) -> set[str]:
    ids = _pledge_ids(session, scope)
    scoped = select(Pledge.id).where(Pledge.org.in_(sorted(scope)))
    listed = select(Pledge.id).where(Pledge.org == "")
    # Starts recorded on the web against an anchor's pledges are kept; the collaborative list's are all by file.
    where = BidStart.pledge_id.in_(scoped) & (
        BidStart.upload_id.is_not(None) | BidStart.pledge_id.in_(listed)
    )
    new = [
        {
            "pledge_id": ids[r["_anchor"], r["employer"].lower(), r["role"].lower()],
            "participant_ref": r["participant"],
            "start_date": r["start_date"],
            "outcome": (r["outcome"] or "in placement").lower(),
            "outcome_date": r["outcome_date"],
            "upload_id": r["upload_id"],
        }
        for r in rows
    ]
    return replace_rows(session, BidStart, where, new)


def starts_kind(ws: Workspace) -> RecordsKind:
    return RecordsKind(
        "starts",
        "starts and outcomes",
        [
            FileColumn("employer"),
            FileColumn("role"),
            FileColumn("participant", personal=True),
            FileColumn("start_date", "date"),
            FileColumn("outcome", required=False),
            FileColumn("outcome_date", "date", required=False),
        ],
        _start_write,
        BidStart,
        anchor_optional=True,
        personal=True,
        row_check=partial(_start_check, ws),
    )
