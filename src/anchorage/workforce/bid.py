"""Collective employment-programme bids: pledges checked against a programme's rules, aggregated to its
threshold, written as a bid pack; starts and outcomes tracked. Programmes' rules are editable templates
(workforce/programmes.py); Kickstart (DWP, 2020–22) ships as a worked example, with sources in docs/workforce.md."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from anchorage.core.errors import AnchorageError
from anchorage.exports import write_xlsx_frames
from anchorage.workforce.bid_pdf import write_bid_pdf


@dataclass(frozen=True)
class WageBand:
    min_age: int
    max_age: int
    hourly: Decimal


@dataclass(frozen=True)
class EmploymentProgramme:
    id: str
    name: str
    min_age: int
    max_age: int
    universal_credit: bool
    hours_per_week: int
    duration_months: int
    open_from: dt.date
    last_start: dt.date
    minimum_wage: tuple[tuple[dt.date, tuple[WageBand, ...]], ...]  # (in force from, bands)
    thresholds: tuple[
        tuple[dt.date, int], ...
    ]  # (from, minimum placements per direct bid; 0 = none)
    setup_grant: Decimal  # per placement, to the employer
    gateway_grant: Decimal  # per placement, to the organisation that aggregates a bid
    description: str = ""

    def minimum_wage_on(self, day: dt.date, age: int) -> Decimal:
        bands = [b for start, b in sorted(self.minimum_wage) if start <= day]
        if not bands:
            raise AnchorageError(f"{self.name} has no minimum wage set for {day:%d/%m/%Y}.")
        return next(b.hourly for b in bands[-1] if b.min_age <= age <= b.max_age)

    def threshold_on(self, day: dt.date) -> int:
        earlier = [n for start, n in sorted(self.thresholds) if start <= day]
        return earlier[-1] if earlier else 0


COMPANY_NUMBER = re.compile(r"^(\d{8}|[A-Z]{2}\d{6})$")
CHARITY_NUMBER = re.compile(r"^\d{6,8}(-\d+)?$|^SC\d{6}$")
WEEKS_PER_MONTH = Decimal("52") / 12


@dataclass
class PledgeCheck:
    pledge_id: str
    employer: str
    role: str
    placements: int
    eligible: bool
    reasons: list[str] = field(default_factory=list)
    wage_grant: Decimal = Decimal(0)  # the programme's wage funding for these placements (estimate)


def check_pledge(p: Any, prog: EmploymentProgramme) -> PledgeCheck:
    """Every reason a pledge does not meet the rules, in plain words (none: eligible)."""
    why = []
    if not p.additionality:
        why.append(
            "no additionality declaration (the jobs must be new, not replacing planned vacancies)"
        )
    company = (p.company_number or "").upper().replace(" ", "")
    charity = (p.charity_number or "").upper().replace(" ", "")
    if not company and not charity:
        why.append("no Companies House or charity number")
    elif company and not COMPANY_NUMBER.match(company.zfill(8) if company.isdigit() else company):
        why.append(
            f'"{p.company_number}" is not a Companies House number (8 digits, or 2 letters and 6 digits)'
        )
    elif charity and not company and not CHARITY_NUMBER.match(charity):
        why.append(f'"{p.charity_number}" is not a charity number')
    if p.hours_per_week < prog.hours_per_week:
        why.append(
            f"offers {p.hours_per_week:g} hours a week; {prog.name} needs at least {prog.hours_per_week}"
        )
    if p.duration_months < prog.duration_months:
        why.append(f"lasts {p.duration_months} months; {prog.name} needs {prog.duration_months}")
    if not prog.open_from <= p.pledged_on <= prog.last_start:
        why.append(
            f"pledged on {p.pledged_on:%d/%m/%Y}, outside {prog.open_from:%d/%m/%Y}–{prog.last_start:%d/%m/%Y}"
        )
        wage_floor = None
    else:
        wage_floor = prog.minimum_wage_on(p.pledged_on, prog.max_age)
    if wage_floor is not None and Decimal(str(p.hourly_wage)) < wage_floor:
        why.append(
            f"pays £{Decimal(str(p.hourly_wage)):.2f} an hour, below the £{wage_floor} minimum wage for a "
            f"{prog.max_age}-year-old on {p.pledged_on:%d/%m/%Y} (anyone aged {prog.min_age}–{prog.max_age} "
            "may be placed)"
        )
    if p.placements < 1:
        why.append("pledges no placements")
    grant = Decimal(0)
    if wage_floor is not None:
        grant = (
            wage_floor * prog.hours_per_week * WEEKS_PER_MONTH * prog.duration_months * p.placements
        ).quantize(Decimal("0.01"))
    return PledgeCheck(p.id, p.employer, p.role, p.placements, not why, why, grant)


@dataclass
class BidSummary:
    programme: EmploymentProgramme
    bid_date: dt.date
    checks: list[PledgeCheck]

    @property
    def eligible_placements(self) -> int:
        return sum(c.placements for c in self.checks if c.eligible)

    @property
    def threshold(self) -> int:
        return self.programme.threshold_on(self.bid_date)

    @property
    def shortfall(self) -> int:
        return max(0, self.threshold - self.eligible_placements)

    def headline(self) -> str:
        n, t = self.eligible_placements, self.threshold
        if t == 0:
            return f"{n} eligible placements; no minimum applies on {self.bid_date:%d/%m/%Y}."
        if n >= t:
            return f"{n} eligible placements: the bid reaches the {t}-placement minimum."
        return f"{n} eligible placements: {self.shortfall} more needed to reach the {t}-placement minimum."

    def grants(self) -> dict[str, Decimal]:
        n = Decimal(self.eligible_placements)
        return {
            "wage funding (estimate, excludes employer NI and pension)": sum(
                (c.wage_grant for c in self.checks if c.eligible), Decimal(0)
            ),
            "set-up grants to employers": n * self.programme.setup_grant,
            "grant to the organisation aggregating the bid": n * self.programme.gateway_grant,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "programme": self.programme.id,
            "bid_date": self.bid_date.isoformat(),
            "headline": self.headline(),
            "eligible_placements": self.eligible_placements,
            "threshold": self.threshold,
            "shortfall": self.shortfall,
            "grants": {k: float(v) for k, v in self.grants().items()},
            "pledges": [{**c.__dict__, "wage_grant": float(c.wage_grant)} for c in self.checks],
        }


def summarise_bid(
    pledges: list[Any], prog: EmploymentProgramme, bid_date: dt.date | None = None
) -> BidSummary:
    mine = [p for p in pledges if p.programme == prog.id]
    day = bid_date or max((p.pledged_on for p in mine), default=dt.date.today())
    return BidSummary(prog, day, [check_pledge(p, prog) for p in mine])


def employers_frame(pledges: list[Any], summary: BidSummary) -> pd.DataFrame:
    ok = {c.pledge_id: c for c in summary.checks}
    rows = [
        {
            "employer": p.employer,
            "companies house number": p.company_number,
            "charity number": p.charity_number,
            "role": p.role,
            "placements": p.placements,
            "hours a week": p.hours_per_week,
            "hourly wage £": float(p.hourly_wage),
            "months": p.duration_months,
            "location": p.location,
            "additionality declared": "yes" if p.additionality else "no",
            "eligible": "yes" if ok[p.id].eligible else "no",
            "reasons": "; ".join(ok[p.id].reasons),
        }
        for p in pledges
        if p.id in ok
    ]
    return pd.DataFrame(rows)


def write_bid_pack(
    pledges: list[Any], summary: BidSummary, starts: pd.DataFrame, out_dir: Path
) -> dict[str, Path]:
    """bid-pack.xlsx (summary, pledges with reasons, starts and outcomes), bid-pack.html and bid-pack.pdf."""
    out_dir.mkdir(parents=True, exist_ok=True)
    emp = employers_frame(pledges, summary)
    head = pd.DataFrame(
        [
            ("Programme", summary.programme.name),
            ("Bid date", f"{summary.bid_date:%d/%m/%Y}"),
            ("Result", summary.headline()),
        ]
        + [(k, f"£{v:,.2f}") for k, v in summary.grants().items()]
        + (
            [
                (
                    "Pledges listed",
                    f"{len(emp)} of {len(summary.checks)}: the others were entered by "
                    "anchors whose detail you do not see; they count in the totals",
                )
            ]
            if len(emp) < len(summary.checks)
            else []
        ),
        columns=["", "value"],
    )
    xlsx = out_dir / "bid-pack.xlsx"
    write_xlsx_frames(
        xlsx,
        {"Summary": head, "Pledges": emp, "Starts and outcomes": starts},
        width=22,
        freeze=(0, 0),
    )
    page = out_dir / "bid-pack.html"
    page.write_text(
        "<!doctype html><meta charset='utf-8'><title>Bid pack</title><style>body{font-family:sans-serif;margin:2em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}</style>"
        f"<h1>{html.escape(summary.programme.name)}: collective bid</h1><p>{html.escape(summary.headline())}</p>"
        + head.to_html(index=False)
        + "<h2>Pledges</h2>"
        + emp.to_html(index=False)
        + "<h2>Starts and outcomes</h2>"
        + starts.to_html(index=False),
        encoding="utf-8",
    )
    pdf = write_bid_pdf(
        out_dir / "bid-pack.pdf",
        head,
        emp,
        starts,
        title=f"{summary.programme.name}: collective bid",
        headline=summary.headline(),
    )
    return {"xlsx": xlsx, "html": page, "pdf": pdf}
