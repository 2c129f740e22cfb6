"""The workforce files as import kinds on the one pipeline: pay bills, levy commitments, programmes, host
placements, apprentices, pledges, starts and HE engagements.

A file loaded for an anchor (`org`) replaces only that anchor's rows; a collaborative-wide file (no `org`)
names each row's anchor and replaces only the anchors it names. Bad rows are quarantined with their reason;
the same file twice adds nothing. Apprentices, starts and pledges (contact details) are personal data: no
copy of the file is kept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from anchorage.core.errors import AnchorageError
from anchorage.ingest.kinds import ImportKind, register
from anchorage.ingest.progress import Progress
from anchorage.ingest.record_files import (
    BulkRows,
    Check,
    FileColumn,
    RecordsKind,
    Row,
    import_records_file,
    replace_rows,
)
from anchorage.ingest.result import ImportSummary
from anchorage.store.workforce_records import (
    ApprenticeRecord,
    BidStart,
    HEEngagement,
    HostPlacement,
    LevyCommitment,
    LevyPayBill,
    Pledge,
    Programme,
)
from anchorage.workforce import programmes
from anchorage.workforce.levy import Commitment, PayBill, check_caps, levy_ledger
from anchorage.workforce.settings import workforce_settings
from anchorage.workspace import Workspace

HE_KINDS = ("placements", "curriculum", "research", "recruitment", "civic")
PARTNER_TYPES = ("university", "college")
RECIPIENT_TYPES = ("own", "anchor", "small-employer")
APPRENTICE_STATUSES = ("active", "withdrawn")


def _q(text: str) -> str:
    return text.replace("'", "''")


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _duplicate(fields: str, what: str, column: str) -> Check:
    """Rows repeating a key the file should hold once are all quarantined (which one is right is unknown)."""
    return Check(f"count(*) OVER (PARTITION BY {fields}) > 1 AND {fields.split(',')[-1]} IS NOT NULL",
                 f"'{_q(what)} appears ' || count(*) OVER (PARTITION BY {fields}) || ' times in the file'", column)


def _positive(name: str, words: str, zero_ok: bool = False) -> Check:
    op = "<" if zero_ok else "<="
    return Check(f'"{name}" {op} 0', f"""'{words} "' || "{name}_raw" || '" must be {"0 or more" if zero_ok
                 else "more than 0"}'""", name)


def _where_anchor(col: Any, scope: set[str]) -> ColumnElement[bool]:
    return col.in_(sorted(scope))


# --- levy: pay bills and commitments -------------------------------------------------------------------------

def _paybill_write(session: Session, scope: set[str], rows: BulkRows) -> set[str]:
    return replace_rows(session, LevyPayBill, _where_anchor(LevyPayBill.org, scope), rows)


def paybill_kind(ws: Workspace) -> RecordsKind:
    return RecordsKind(
        "levy-paybill", "pay bills",
        [FileColumn("month", "month"), FileColumn("pay_bill", "money"),
         FileColumn("english_share", "money", required=False)],
        _paybill_write, LevyPayBill, money="pay_bill",
        bulk={"org": "_anchor", "month": '"month"', "pay_bill": '"pay_bill"',
              "english_share": 'coalesce("english_share", 1)'},
        checks=[_positive("pay_bill", "pay bill", zero_ok=True),
                Check('"english_share" < 0 OR "english_share" > 1',
                      """'english share "' || "english_share_raw" || '" is not between 0 and 1'""", "english_share"),
                _duplicate('_anchor, "month"', "the anchor's pay bill for this month", "month")], key=("month",))


def _commitment(r: Row) -> Commitment:
    recipient = r["recipient"] or ""
    kind = (r["recipient_type"] or ("small-employer" if recipient else "own")).lower()
    return Commitment(r["_anchor"], r["apprentice"], r["start_month"], r["duration_months"], r["total_price"],
                      recipient, kind)


def _check_caps(ws: Workspace, scope: set[str], rows: list[Row]) -> None:
    """Refuse the file (nothing saved) when its transfers would take a tax year over the cap."""
    with ws.session() as s:
        bills = [PayBill(b.org, b.month, Decimal(b.pay_bill), Decimal(b.english_share))
                 for b in s.scalars(select(LevyPayBill))]
        kept = [Commitment(c.org, c.apprentice_ref, c.start_month, c.duration_months, Decimal(c.total_price),
                           c.recipient, c.recipient_type)
                for c in s.scalars(select(LevyCommitment).where(LevyCommitment.org.not_in(sorted(scope))))]
    check_caps(levy_ledger(bills, kept + [_commitment(r) for r in rows], workforce_settings(ws.config)))


def _commitment_write(session: Session, scope: set[str], rows: list[Row]) -> set[str]:
    new = []
    for r in rows:
        c = _commitment(r)
        new.append({"org": c.org, "apprentice_ref": c.apprentice_ref, "recipient": c.recipient,
                    "recipient_type": c.recipient_type, "start_month": c.start_month,
                    "duration_months": c.duration_months, "total_price": c.total_price, "upload_id": r["upload_id"]})
    # An anchor's commitments file replaces all its commitments (transfers entered on the web included), as
    # loading commitments always has; other anchors' commitments are untouched.
    return replace_rows(session, LevyCommitment, _where_anchor(LevyCommitment.org, scope), new)


def commitments_kind(ws: Workspace) -> RecordsKind:
    return RecordsKind(
        "levy-commitments", "levy commitments",
        [FileColumn("apprentice"), FileColumn("start_month", "month"), FileColumn("duration_months", "int"),
         FileColumn("total_price", "money"), FileColumn("recipient", required=False),
         FileColumn("recipient_type", required=False)],
        _commitment_write, LevyCommitment, money="total_price",
        checks=[_positive("duration_months", "duration months"), _positive("total_price", "total price"),
                Check(f'"recipient_type" IS NOT NULL AND lower("recipient_type") NOT IN {_in(RECIPIENT_TYPES)}',
                      f"""'recipient type "' || "recipient_type" || '" is not one of {", ".join(RECIPIENT_TYPES)}'""",
                      "recipient_type")],
        before_write=partial(_check_caps, ws))


# --- apprenticeships: programmes, placements, apprentices ------------------------------------------------------

def _programme_check(ws: Workspace, rows: list[Row], org: str) -> dict[int, tuple[str, str]]:
    s = workforce_settings(ws.config)
    bad: dict[int, tuple[str, str]] = {}
    for r in rows:
        try:
            minimum = s.minimum_duration_on(r["start_date"])
        except AnchorageError as exc:
            bad[r["row_no"]] = ("start_date", str(exc).replace("\n", " "))
            continue
        if r["duration_months"] < minimum:
            bad[r["row_no"]] = ("duration_months",
                                f"{r['id']} lasts {r['duration_months']} months, under the {minimum}-month minimum "
                                f"for starts on {r['start_date']:%d/%m/%Y}")
    return bad


def _programme_write(session: Session, scope: set[str], rows: list[Row]) -> set[str]:
    """Programmes are shared by the collaborative: a file adds or updates the programmes it names, and no
    other (apprentices refer to them)."""
    for r in rows:
        values = {k: r[k] for k in ("standard", "level", "duration_months", "off_the_job_hours", "start_date",
                                    "upload_id")}
        row = session.get(Programme, r["id"])
        if row is None:
            session.add(Programme(id=r["id"], **values))
        else:
            for k, v in values.items():
                setattr(row, k, v)
    session.flush()
    return set()


def programmes_kind(ws: Workspace) -> RecordsKind:
    return RecordsKind(
        "programmes", "programmes",
        [FileColumn("id"), FileColumn("standard"), FileColumn("level", "int"), FileColumn("duration_months", "int"),
         FileColumn("off_the_job_hours", "int"), FileColumn("start_date", "date")],
        _programme_write, Programme, anchor_field=None,
        checks=[_duplicate('"id"', "this programme id", "id")], row_check=partial(_programme_check, ws))


def _owned_elsewhere(ws: Workspace, model: Any, owner: str, what: str, rows: list[Row],
                     org: str) -> dict[int, tuple[str, str]]:
    """Ids another anchor already uses (not replaced by this file): never taken over."""
    scope = {org} if org else {r["_anchor"] for r in rows}
    with ws.session() as s:
        owners: dict[str, str] = dict(s.execute(select(model.id, getattr(model, owner))
                                .where(model.id.in_([r["id"] for r in rows]))).tuples().all())
    return {r["row_no"]: ("id", f'{what} id "{r["id"]}" is already used by another anchor')
            for r in rows if r["id"] in owners and owners[r["id"]] != r["_anchor"] and owners[r["id"]] not in scope}


def _placement_write(session: Session, scope: set[str], rows: list[Row]) -> set[str]:
    new = [{"id": r["id"], "org": r["_anchor"], "department": r["department"], "skill": r["skill"],
            "capacity": r["capacity"], "location": r["location"] or "", "prerequisites": r["prerequisites"] or [],
            "programmes": r["programmes"] or [], "open_from": r["open_from"], "open_until": r["open_until"],
            "upload_id": r["upload_id"]} for r in rows]
    return replace_rows(session, HostPlacement, _where_anchor(HostPlacement.org, scope), new)


def placements_kind(ws: Workspace) -> RecordsKind:
    return RecordsKind(
        "placements", "host placements",
        [FileColumn("id"), FileColumn("department"), FileColumn("skill"), FileColumn("capacity", "int"),
         FileColumn("location", required=False), FileColumn("prerequisites", "list", required=False),
         FileColumn("programmes", "list", required=False), FileColumn("open_from", "month", required=False),
         FileColumn("open_until", "month", required=False)],
        _placement_write, HostPlacement,
        checks=[_positive("capacity", "capacity", zero_ok=True), _duplicate('"id"', "this placement id", "id")],
        row_check=partial(_owned_elsewhere, ws, HostPlacement, "org", "placement"))


def _pins(text: list[str] | None) -> tuple[dict[str, str], str | None]:
    """"2:PLACEMENT" = block 2 at PLACEMENT; (pins, the first item that is not one)."""
    pins: dict[str, str] = {}
    for p in text or []:
        block, _, placement = p.partition(":")
        if not block.strip().isdigit() or not placement.strip():
            return pins, p
        pins[block.strip()] = placement.strip()
    return pins, None


def _apprentice_check(ws: Workspace, rows: list[Row], org: str) -> dict[int, tuple[str, str]]:
    with ws.session() as s:
        known = set(s.scalars(select(Programme.id)))
    bad = _owned_elsewhere(ws, ApprenticeRecord, "employer", "apprentice", rows, org)
    for r in rows:
        if r["programme"] not in known:
            bad.setdefault(r["row_no"], ("programme", f'programme "{r["programme"]}" is not loaded (load the '
                                                      "programmes file first)"))
        if (wrong := _pins(r["pinned"])[1]) is not None:
            bad.setdefault(r["row_no"], ("pinned", f'pin "{wrong}" is not BLOCK:PLACEMENT (like 2:C-FIN)'))
    return bad


def _apprentice_write(session: Session, scope: set[str], rows: list[Row]) -> set[str]:
    new = [{"id": r["id"], "programme_id": r["programme"], "employer": r["_anchor"], "start_date": r["start_date"],
            "preferences": r["preferences"] or [], "unavailable": [f"{m:%Y-%m}" for m in r["unavailable"] or []],
            "pinned": _pins(r["pinned"])[0], "status": (r["status"] or "active").lower(), "upload_id": r["upload_id"]}
           for r in rows]
    return replace_rows(session, ApprenticeRecord, _where_anchor(ApprenticeRecord.employer, scope), new)


def apprentices_kind(ws: Workspace) -> RecordsKind:
    return RecordsKind(
        "apprentices", "apprentices",
        [FileColumn("id"), FileColumn("programme"), FileColumn("start_date", "month"),
         FileColumn("preferences", "list", required=False), FileColumn("unavailable", "monthlist", required=False),
         FileColumn("pinned", "list", required=False), FileColumn("status", required=False)],
        _apprentice_write, ApprenticeRecord, anchor_field="employer", personal=True,
        checks=[_duplicate('"id"', "this apprentice id", "id"),
                Check(f'"status" IS NOT NULL AND lower("status") NOT IN {_in(APPRENTICE_STATUSES)}',
                      """'status "' || "status" || '" is not active or withdrawn'""", "status")],
        row_check=partial(_apprentice_check, ws))


# --- collective bids: pledges and starts -----------------------------------------------------------------------

def _file_pledges(scope: set[str]) -> ColumnElement[bool]:
    """Pledges a file replaces: those loaded by file for these anchors (pledges entered on the web are kept);
    the collaborative's own list ("") is all loaded by file."""
    return Pledge.org.in_(sorted(scope)) & (Pledge.upload_id.is_not(None) | (Pledge.org == ""))


def _pledge_write(default_programme: str, session: Session, scope: set[str], rows: list[Row]) -> set[str]:
    session.execute(delete(BidStart).where(BidStart.pledge_id.in_(select(Pledge.id).where(_file_pledges(scope)))))
    new = [{"org": r["_anchor"], "programme": (r["programme"] or default_programme).lower(), "employer": r["employer"],
            "company_number": r["company_number"] or "", "charity_number": r["charity_number"] or "",
            "role": r["role"], "placements": r["placements"], "hours_per_week": float(r["hours_per_week"]),
            "hourly_wage": r["hourly_wage"], "duration_months": r["duration_months"], "location": r["location"] or "",
            "additionality": r["additionality"], "contact": r["contact"] or "", "pledged_on": r["pledged_on"],
            "upload_id": r["upload_id"]} for r in rows]
    return replace_rows(session, Pledge, _file_pledges(scope), new)


def pledges_kind(ws: Workspace) -> RecordsKind:
    """Pledges; a file with no programme column pledges to the programme open today (workforce/programmes.py)."""
    known = programmes.load_programmes(ws)
    return RecordsKind(
        "pledges", "pledges",
        [FileColumn("programme", required=False), FileColumn("employer"),
         FileColumn("company_number", required=False), FileColumn("charity_number", required=False),
         FileColumn("role"), FileColumn("placements", "int"), FileColumn("hours_per_week", "money"),
         FileColumn("hourly_wage", "money"), FileColumn("duration_months", "int"),
         FileColumn("location", required=False), FileColumn("additionality", "flag"),
         FileColumn("contact", required=False, personal=True), FileColumn("pledged_on", "date")],
        partial(_pledge_write, programmes.default_id(known, date.today())), Pledge, anchor_optional=True,
        personal=True,
        checks=[Check(f'"programme" IS NOT NULL AND lower("programme") NOT IN {_in(tuple(known))}',
                      """'there is no programme "' || "programme" || '" (programmes: ' || """
                      f"""'{", ".join(sorted(known))}' || ')'""", "programme"),
                _positive("placements", "placements"), _positive("hours_per_week", "hours per week"),
                _positive("hourly_wage", "hourly wage"), _positive("duration_months", "duration months")])


def _pledge_ids(session: Session, scope: set[str]) -> dict[tuple[str, str, str], str]:
    return {(p.org, p.employer.lower(), p.role.lower()): p.id
            for p in session.scalars(select(Pledge).where(Pledge.org.in_(sorted(scope))))}


def _start_check(ws: Workspace, rows: list[Row], org: str) -> dict[int, tuple[str, str]]:
    with ws.session() as s:
        known = _pledge_ids(s, {r["_anchor"] for r in rows})
    return {r["row_no"]: ("role", f"no pledge by {r['employer']} for {r['role']}") for r in rows
            if (r["_anchor"], r["employer"].lower(), r["role"].lower()) not in known}


def _start_write(session: Session, scope: set[str], rows: list[Row]) -> set[str]:
    ids = _pledge_ids(session, scope)
    scoped = select(Pledge.id).where(Pledge.org.in_(sorted(scope)))
    listed = select(Pledge.id).where(Pledge.org == "")
    # Starts recorded on the web against an anchor's pledges are kept; the collaborative list's are all by file.
    where = BidStart.pledge_id.in_(scoped) & (BidStart.upload_id.is_not(None) | BidStart.pledge_id.in_(listed))
    new = [{"pledge_id": ids[r["_anchor"], r["employer"].lower(), r["role"].lower()],
            "participant_ref": r["participant"], "start_date": r["start_date"],
            "outcome": (r["outcome"] or "in placement").lower(), "outcome_date": r["outcome_date"],
            "upload_id": r["upload_id"]} for r in rows]
    return replace_rows(session, BidStart, where, new)


def starts_kind(ws: Workspace) -> RecordsKind:
    return RecordsKind(
        "starts", "starts and outcomes",
        [FileColumn("employer"), FileColumn("role"), FileColumn("participant", personal=True),
         FileColumn("start_date", "date"), FileColumn("outcome", required=False),
         FileColumn("outcome_date", "date", required=False)],
        _start_write, BidStart, anchor_optional=True, personal=True, row_check=partial(_start_check, ws))


# --- HE partners ---------------------------------------------------------------------------------------------

def _he_write(session: Session, scope: set[str], rows: list[Row]) -> set[str]:
    new = [{"org": r["_anchor"], "partner": r["partner"], "partner_type": r["partner_type"].lower(),
            "kind": r["kind"].lower(), "title": r["title"], "start_date": r["start_date"],
            "outcome": (r["outcome"] or "ongoing").lower(), "people": r["people"] or 0, "upload_id": r["upload_id"]}
           for r in rows]
    return replace_rows(session, HEEngagement, _where_anchor(HEEngagement.org, scope), new)


def he_kind(ws: Workspace) -> RecordsKind:
    return RecordsKind(
        "he-engagements", "HE engagements",
        [FileColumn("partner"), FileColumn("partner_type"), FileColumn("kind"), FileColumn("title"),
         FileColumn("start_date", "date"), FileColumn("outcome", required=False),
         FileColumn("people", "int", required=False)],
        _he_write, HEEngagement,
        checks=[Check(f'"kind" IS NOT NULL AND lower("kind") NOT IN {_in(HE_KINDS)}',
                      f"""'kind "' || "kind" || '" is not one of {", ".join(HE_KINDS)}'""", "kind"),
                Check(f'"partner_type" IS NOT NULL AND lower("partner_type") NOT IN {_in(PARTNER_TYPES)}',
                      """'partner type "' || "partner_type" || '" is not university or college'""", "partner_type"),
                _positive("people", "people", zero_ok=True)])


# --- the registered kinds --------------------------------------------------------------------------------------

def _importer(build: Callable[[Workspace], RecordsKind]) -> Callable[..., ImportSummary]:
    def load(ws: Workspace, path: Path, org: str | None = None, *, mapping_file: Path | None = None,
             progress: Progress | None = None) -> ImportSummary:
        return import_records_file(ws, build(ws), path, org, mapping_file=mapping_file, progress=progress)

    load.__doc__ = f"Load a {build.__name__.removesuffix('_kind')} file for an anchor, or collaborative-wide."
    return load


import_pay_bills = _importer(paybill_kind)
import_commitments = _importer(commitments_kind)
import_programmes = _importer(programmes_kind)
import_placements = _importer(placements_kind)
import_apprentices = _importer(apprentices_kind)
import_pledges = _importer(pledges_kind)
import_starts = _importer(starts_kind)
import_engagements = _importer(he_kind)

WORKFORCE_KINDS = [
    register(ImportKind("levy-paybill", "Levy: monthly pay bills", import_pay_bills, money=True,
                        scope="anchor-or-collaborative")),
    register(ImportKind("levy-commitments", "Levy: commitments and transfers", import_commitments, money=True,
                        scope="anchor-or-collaborative")),
    register(ImportKind("programmes", "Apprenticeship programmes", import_programmes, scope="collaborative")),
    register(ImportKind("placements", "Host placements", import_placements, scope="anchor-or-collaborative")),
    register(ImportKind("apprentices", "Apprentices", import_apprentices, personal=True,
                        scope="anchor-or-collaborative")),
    register(ImportKind("pledges", "Bid pledges", import_pledges, personal=True, scope="anchor-or-collaborative")),
    register(ImportKind("starts", "Bid starts and outcomes", import_starts, personal=True,
                        scope="anchor-or-collaborative")),
    register(ImportKind("he-engagements", "HE partner engagements", import_engagements,
                        scope="anchor-or-collaborative")),
]
