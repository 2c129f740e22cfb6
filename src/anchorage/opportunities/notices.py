"""Public opportunity notices: plain records that the page and every feed are written from.

A notice says what is being bought, by which anchor, a rough value band (never the exact estimate), the
key dates (expected tender, bid deadline, contract start), how to take part and whether it suits small
firms. Where notices come from is decided in `anchorage.opportunities.source` (docs/opportunities.md)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from anchorage.contracts.finder import FinderOptions

# (upper bound exclusive, label); bands follow the Procurement Act 2023 notice thresholds loosely.
VALUE_BANDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(30_000), "under £30k"),
    (Decimal(100_000), "£30k to £100k"),
    (Decimal(500_000), "£100k to £500k"),
    (Decimal(2_000_000), "£500k to £2m"),
    (Decimal(10_000_000), "£2m to £10m"),
)
# A contract (or lot) whose yearly value is at most this is within reach of a small firm: the collaboration
# finder's lot cap, so the two pages agree (docs/pipeline.md).
SMALL_FIRM_ANNUAL = FinderOptions().lot_annual_cap
STAGES = {
    "planning": "Planned",
    "tender": "Open for bids",
    "reprocurement": "Due for re-procurement",
}
OTHER = "Other"


def long_date(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def value_band(value: Decimal | float | int | None) -> str:
    if value is None:
        return "value not yet known"
    v = Decimal(str(value))
    return next((label for bound, label in VALUE_BANDS if v < bound), "over £10m")


@dataclass(frozen=True)
class KeyDate:
    kind: str  # expected-tender | deadline | contract-start
    label: str
    on: dt.date


@dataclass
class Notice:
    """One upcoming opportunity, in words a small supplier understands."""

    key: str  # stable across rebuilds: the anchor and the contract's own key
    title: str
    buyer: str  # the anchor's name
    org: str  # the anchor's slug
    category: str  # the shared category (anchorage.contracts.categories), or "Other"
    stage: str  # planning | tender | reprocurement
    value: Decimal | None = None
    description: str = ""
    expected_tender: dt.date | None = None
    deadline: dt.date | None = None
    contract_start: dt.date | None = None
    link: str | None = None
    annual_value: Decimal | None = None  # the value per year of the term, when the term is known
    lots: list[tuple[str, Decimal | None]] = field(
        default_factory=list
    )  # as published: (name, yearly value)
    updated: dt.datetime | None = None

    @property
    def uid(self) -> str:
        """A UUID derived from the anchor and key: the same notice keeps it in every feed and rebuild."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"anchorage:opportunity:{self.org}|{self.key}"))

    @property
    def stage_label(self) -> str:
        return STAGES.get(self.stage, self.stage)

    @property
    def value_band(self) -> str:
        return value_band(self.value)

    @property
    def key_dates(self) -> list[KeyDate]:
        tender = (
            "Tender expected (estimate)" if self.stage == "reprocurement" else "Tender expected"
        )
        dates = [
            ("expected-tender", tender, self.expected_tender),
            ("deadline", "Deadline for bids", self.deadline),
            ("contract-start", "Contract starts", self.contract_start),
        ]
        return [KeyDate(k, label, on) for k, label, on in dates if on is not None]

    @property
    def small_firm_lots(self) -> list[str]:
        """The published lots (or else the whole contract) whose yearly value is within reach of a small firm."""
        if self.lots:
            return [name for name, v in self.lots if v is not None and v <= SMALL_FIRM_ANNUAL]
        yearly = self.annual_value if self.annual_value is not None else self.value
        return ["the whole contract"] if yearly is not None and yearly <= SMALL_FIRM_ANNUAL else []

    @property
    def summary(self) -> str:
        """One plain sentence: who is buying what, roughly how much, and when."""
        what = (
            f"{self.buyer} {'plans to buy' if self.stage != 'tender' else 'is buying'} {self.title}"
        )
        band = self.value_band
        money = f" ({band})" if band != "value not yet known" else ""
        when = [f"{d.label.lower()} {long_date(d.on)}" for d in self.key_dates]
        dates = "; ".join(when)
        return f"{what}{money}." + (f" {dates[:1].upper()}{dates[1:]}." if when else "")

    @property
    def web_link(self) -> str | None:
        """The notice's own page, when it has a web address (a link is never made of anything else)."""
        return self.link if self.link and self.link.startswith(("https://", "http://")) else None

    @property
    def notice_status(self) -> str:
        """Where the full notice is, in words that agree with the stage: an open tender is published even
        when its link is not known here, and only a plan or a coming re-procurement is not yet."""
        if self.web_link:
            return "Read the full notice"
        if self.stage == "tender":
            return (
                "Published by the buyer, but its link is not given here: ask the buyer's procurement "
                "team for the tender documents."
            )
        if self.stage == "reprocurement":
            return "Not yet published: the current contract is ending and the buyer expects to tender again."
        return (
            "Not yet published: this is the buyer's own plan, so there are no tender documents yet."
        )

    @property
    def how_to_take_part(self) -> str:
        steps = []
        if self.stage == "tender":
            steps.append(
                "Bids are open: read the tender documents at the notice's link and bid before the deadline."
                if self.link
                else "Bids are open: ask the buyer for the tender documents and bid before "
                "the deadline."
            )
        elif self.stage == "planning":
            steps.append(
                "The buyer has announced this in advance: watch for the tender notice, and ask the buyer "
                "about any market engagement events."
            )
        else:
            steps.append(
                "The current contract is ending: the buyer expects to tender again, and welcomes "
                "early conversations with local suppliers."
            )
        steps.append(
            "Register on the government's Central Digital Platform (Find a Tender), which the "
            "Procurement Act 2023 requires of bidders, and join our local supplier directory so the "
            "anchors can find you."
        )
        if self.small_firm_lots:
            steps.append("Suitable for small firms: " + ", ".join(self.small_firm_lots) + ".")
        return " ".join(steps)


def filter_notices(
    notices: Iterable[Notice], *, category: str | None = None, org: str | None = None
) -> list[Notice]:
    """The notices of one category and/or anchor, soonest key date first."""
    out = [
        n for n in notices if (not category or n.category == category) and (not org or n.org == org)
    ]
    far = dt.date.max
    return sorted(
        out, key=lambda n: (min((d.on for d in n.key_dates), default=far), n.buyer, n.title)
    )
