"""The apprenticeship files as import kinds: programmes (shared by the collaborative), host placements and
apprentices (personal data: no copy of the file is kept). An id another anchor uses is never taken over."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anchorage.core.errors import AnchorageError
from anchorage.ingest.record_files import Check, FileColumn, RecordsKind, Row, replace_rows
from anchorage.store.workforce_records import ApprenticeRecord, HostPlacement, Programme
from anchorage.workforce.import_common import duplicate, positive, sql_in, where_anchor
from anchorage.workforce.settings import workforce_settings
from anchorage.workspace import Workspace

APPRENTICE_STATUSES = ("active", "withdrawn")


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
            bad[r["row_no"]] = (
                "duration_months",
                f"{r['id']} lasts {r['duration_months']} months, under the {minimum}-month minimum "
                f"for starts on {r['start_date']:%d/%m/%Y}",
            )
    return bad


def _programme_write(session: Session, scope: set[str], rows: list[Row]) -> set[str]:
    """Programmes are shared by the collaborative: a file adds or updates the programmes it names, and no
    other (apprentices refer to them)."""
    for r in rows:
        values = {
            k: r[k]
            for k in (
                "standard",
                "level",
                "duration_months",
                "off_the_job_hours",
                "start_date",
                "upload_id",
            )
        }
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
        "programmes",
        "programmes",
        [
            FileColumn("id"),
            FileColumn("standard"),
            FileColumn("level", "int"),
            FileColumn("duration_months", "int"),
            FileColumn("off_the_job_hours", "int"),
            FileColumn("start_date", "date"),
        ],
        _programme_write,
        Programme,
        anchor_field=None,
        checks=[duplicate('"id"', "this programme id", "id")],
        row_check=partial(_programme_check, ws),
    )


def _owned_elsewhere(
    ws: Workspace, model: Any, owner: str, what: str, rows: list[Row], org: str
) -> dict[int, tuple[str, str]]:
    """Ids another anchor already uses (not replaced by this file): never taken over."""
    scope = {org} if org else {r["_anchor"] for r in rows}
    with ws.session() as s:
        owners: dict[str, str] = dict(
            s.execute(
                select(model.id, getattr(model, owner)).where(model.id.in_([r["id"] for r in rows]))
            )
            .tuples()
            .all()
        )
    return {
        r["row_no"]: ("id", f'{what} id "{r["id"]}" is already used by another anchor')
        for r in rows
        if r["id"] in owners and owners[r["id"]] != r["_anchor"] and owners[r["id"]] not in scope
    }


def _placement_write(session: Session, scope: set[str], rows: list[Row]) -> set[str]:
    new = [
        {
            "id": r["id"],
            "org": r["_anchor"],
            "department": r["department"],
            "skill": r["skill"],
            "capacity": r["capacity"],
            "location": r["location"] or "",
            "prerequisites": r["prerequisites"] or [],
            "programmes": r["programmes"] or [],
            "open_from": r["open_from"],
            "open_until": r["open_until"],
            "upload_id": r["upload_id"],
        }
        for r in rows
    ]
    return replace_rows(session, HostPlacement, where_anchor(HostPlacement.org, scope), new)


def placements_kind(ws: Workspace) -> RecordsKind:
    return RecordsKind(
        "placements",
        "host placements",
        [
            FileColumn("id"),
            FileColumn("department"),
            FileColumn("skill"),
            FileColumn("capacity", "int"),
            FileColumn("location", required=False),
            FileColumn("prerequisites", "list", required=False),
            FileColumn("programmes", "list", required=False),
            FileColumn("open_from", "month", required=False),
            FileColumn("open_until", "month", required=False),
        ],
        _placement_write,
        HostPlacement,
        checks=[
            positive("capacity", "capacity", zero_ok=True),
            duplicate('"id"', "this placement id", "id"),
        ],
        row_check=partial(_owned_elsewhere, ws, HostPlacement, "org", "placement"),
    )


def _pins(text: list[str] | None) -> tuple[dict[str, str], str | None]:
    """ "2:PLACEMENT" = block 2 at PLACEMENT; (pins, the first item that is not one)."""
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
            bad.setdefault(
                r["row_no"],
                (
                    "programme",
                    f'programme "{r["programme"]}" is not loaded (load the programmes file first)',
                ),
            )
        if (wrong := _pins(r["pinned"])[1]) is not None:
            bad.setdefault(
                r["row_no"], ("pinned", f'pin "{wrong}" is not BLOCK:PLACEMENT (like 2:C-FIN)')
            )
    return bad


def _apprentice_write(session: Session, scope: set[str], rows: list[Row]) -> set[str]:
    new = [
        {
            "id": r["id"],
            "programme_id": r["programme"],
            "employer": r["_anchor"],
            "start_date": r["start_date"],
            "preferences": r["preferences"] or [],
            "unavailable": [f"{m:%Y-%m}" for m in r["unavailable"] or []],
            "pinned": _pins(r["pinned"])[0],
            "status": (r["status"] or "active").lower(),
            "upload_id": r["upload_id"],
        }
        for r in rows
    ]
    return replace_rows(
        session, ApprenticeRecord, where_anchor(ApprenticeRecord.employer, scope), new
    )


def apprentices_kind(ws: Workspace) -> RecordsKind:
    return RecordsKind(
        "apprentices",
        "apprentices",
        [
            FileColumn("id"),
            FileColumn("programme"),
            FileColumn("start_date", "month"),
            FileColumn("preferences", "list", required=False),
            FileColumn("unavailable", "monthlist", required=False),
            FileColumn("pinned", "list", required=False),
            FileColumn("status", required=False),
        ],
        _apprentice_write,
        ApprenticeRecord,
        anchor_field="employer",
        personal=True,
        checks=[
            duplicate('"id"', "this apprentice id", "id"),
            Check(
                f'"status" IS NOT NULL AND lower("status") NOT IN {sql_in(APPRENTICE_STATUSES)}',
                """'status "' || "status" || '" is not active or withdrawn'""",
                "status",
            ),
        ],
        row_check=partial(_apprentice_check, ws),
    )
