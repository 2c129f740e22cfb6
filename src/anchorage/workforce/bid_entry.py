"""Pledges, starts and outcomes entered one at a time (the web forms), checked at once against the
programme's rules. Each pledge belongs to the anchor whose user entered it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import delete, func, select

from anchorage.core.errors import AnchorageError
from anchorage.store.workforce_records import BidStart, Pledge
from anchorage.workforce import programmes
from anchorage.workforce.bid import PledgeCheck, check_pledge
from anchorage.workforce.bid_io import PLEDGE_COLUMNS, pledge_fields
from anchorage.workforce.inputs import Column, parse_record
from anchorage.workspace import Workspace

OUTCOMES = (
    "in placement",
    "completed",
    "moved into work",
    "moved into education or training",
    "left early",
)
LABELS = {
    "employer": "Employer",
    "company_number": "Companies House number",
    "charity_number": "Charity number",
    "role": "Role",
    "placements": "Placements",
    "hours_per_week": "Hours a week",
    "hourly_wage": "Hourly wage",
    "duration_months": "Duration (months)",
    "location": "Location",
    "additionality": "Additionality declaration",
    "contact": "Contact",
    "pledged_on": "Date pledged",
    "participant": "Participant reference",
    "start_date": "Start date",
    "outcome": "Outcome",
    "outcome_date": "Outcome date",
}
LIMITS = {
    "employer": 300,
    "company_number": 16,
    "charity_number": 16,
    "role": 300,
    "location": 300,
    "contact": 300,
}
REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,63}$")
START_FORM = [
    Column("participant"),
    Column("start_date", "date"),
    Column("outcome", required=False),
    Column("outcome_date", "date", required=False),
]


def _parsed(values: dict[str, str | None], columns: list[Column], what: str) -> dict[str, Any]:
    """The form's values parsed; every problem at once, by the field's label, or nothing is saved."""
    row, bad = parse_record(values, columns)
    problems = [f"{LABELS.get(c, c)}: {why}" for c, why in bad]
    problems += [
        f"{LABELS[c]}: longer than {n} characters"
        for c, n in LIMITS.items()
        if isinstance(row.get(c), str) and len(row[c]) > n
    ]
    if problems:
        raise AnchorageError(
            f"The {what} was not saved: " + "; ".join(problems) + ".",
            fix="Correct the fields named and send the form again.",
        )
    return row


def add_pledge(ws: Workspace, org: str, values: dict[str, str | None]) -> PledgeCheck:
    """Save an anchor's pledge (its own or a small local employer's) and check it against the programme's rules;
    an ineligible pledge is saved with its reasons so that it can be fixed or withdrawn."""
    prog = programmes.programme(ws, values.get("programme"))
    row = _parsed(
        {
            **values,
            "additionality": values.get("additionality") or "N",
            "pledged_on": values.get("pledged_on") or dt.date.today().isoformat(),
        },
        PLEDGE_COLUMNS,
        "pledge",
    )
    hours, wage, placements = float(row["hours_per_week"]), row["hourly_wage"], row["placements"]
    if not (0 < hours <= 48) or not (0 <= wage < 1000) or not (0 <= placements <= 1000):
        raise AnchorageError(
            "The pledge was not saved: hours a week must be 1 to 48, the wage under £1,000 an hour "
            "and placements 0 to 1,000.",
            fix="Correct the figures and send the form again.",
        )
    with ws.session() as session:
        pledge = Pledge(**pledge_fields({**row, "programme": prog.id}), org=org)
        session.add(pledge)
        session.commit()
        return check_pledge(pledge, prog)


def pledge_org(ws: Workspace, pledge_id: str) -> str:
    """The anchor a pledge belongs to ("" for the collaborative's list)."""
    with ws.session() as session:
        org = session.scalar(select(Pledge.org).where(Pledge.id == pledge_id))
    if org is None:
        raise AnchorageError(f"There is no pledge {pledge_id}.", fix="Choose one from the list.")
    return org


def withdraw_pledge(ws: Workspace, pledge_id: str) -> None:
    """Remove a pledge and any starts recorded in it."""
    with ws.session() as session:
        session.execute(delete(BidStart).where(BidStart.pledge_id == pledge_id))
        session.execute(delete(Pledge).where(Pledge.id == pledge_id))
        session.commit()


def _outcome(text: str | None) -> str:
    outcome = (text or "in placement").strip().lower()
    if outcome not in OUTCOMES:
        raise AnchorageError(
            f'"{text}" is not an outcome we record.', fix=f"Choose one of: {', '.join(OUTCOMES)}."
        )
    return outcome


def record_start(ws: Workspace, pledge_id: str, values: dict[str, str | None]) -> str:
    """A young person's start in a pledged placement, under a pseudonymous reference (never a name)."""
    row = _parsed(values, START_FORM, "start")
    if not REFERENCE.match(row["participant"]):
        raise AnchorageError(
            "The start was not saved: the participant reference must be a short code (letters, "
            "digits, - _ . /), not a name.",
            fix="Use the reference from your own records, e.g. KS-014.",
        )
    outcome = _outcome(row["outcome"])
    with ws.session() as session:
        pledge = session.get(Pledge, pledge_id)
        if pledge is None:
            raise AnchorageError(
                f"There is no pledge {pledge_id}.", fix="Choose one from the list."
            )
        started = (
            session.scalar(
                select(func.count()).select_from(BidStart).where(BidStart.pledge_id == pledge_id)
            )
            or 0
        )
        if started >= pledge.placements:
            raise AnchorageError(
                f"The start was not saved: all {pledge.placements} placements pledged by "
                f"{pledge.employer} for {pledge.role} have started.",
                fix="Raise the pledge's placements, or record the start in another pledge.",
            )
        if row["start_date"] < pledge.pledged_on:
            raise AnchorageError(
                "The start was not saved: it is dated before the pledge.",
                fix="Check the start date.",
            )
        start = BidStart(
            pledge_id=pledge_id,
            participant_ref=row["participant"],
            start_date=row["start_date"],
            outcome=outcome,
            outcome_date=row["outcome_date"],
        )
        session.add(start)
        session.commit()
        return start.id


def start_pledge(ws: Workspace, start_id: str) -> str:
    with ws.session() as session:
        pledge_id = session.scalar(select(BidStart.pledge_id).where(BidStart.id == start_id))
    if pledge_id is None:
        raise AnchorageError(f"There is no start {start_id}.", fix="Choose one from the list.")
    return pledge_id


def record_outcome(ws: Workspace, start_id: str, outcome: str, outcome_date: str) -> None:
    """What happened next: the outcome and its date."""
    row = _parsed(
        {"outcome_date": outcome_date}, [Column("outcome_date", "date", required=False)], "outcome"
    )
    with ws.session() as session:
        start = session.get(BidStart, start_id)
        if start is None:
            raise AnchorageError(f"There is no start {start_id}.", fix="Choose one from the list.")
        start.outcome = _outcome(outcome)
        start.outcome_date = row["outcome_date"]
        if start.outcome_date is not None and start.outcome_date < start.start_date:
            raise AnchorageError(
                "The outcome was not saved: it is dated before the start.", fix="Check the date."
            )
        session.commit()


def pledges_and_starts(ws: Workspace) -> tuple[list[Pledge], list[BidStart]]:
    with ws.session() as session:
        return (
            list(session.scalars(select(Pledge).order_by(Pledge.org, Pledge.employer, Pledge.id))),
            list(
                session.scalars(select(BidStart).order_by(BidStart.pledge_id, BidStart.start_date))
            ),
        )
