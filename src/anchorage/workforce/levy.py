"""The levy pool: each anchor's apprenticeship levy, funds in and out, expiry, transfers within the cap.

Months are the first day of a calendar month; tax years run April to March (the levy's tax months run
6th to 5th; a month here stands for the tax month that ends in it). Every rule is looked up by date, so
a past year computes by the rules of its own time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from anchorage.core.errors import AnchorageError
from anchorage.core.periods import add_months
from anchorage.core.periods import tax_year_of_month as tax_year
from anchorage.workforce.settings import WorkforceSettings

PENNY = Decimal("0.01")
COMPLETION_SHARE = Decimal("0.20")  # held back until the apprentice completes


def _money(x: Decimal) -> Decimal:
    return x.quantize(PENNY, rounding=ROUND_HALF_UP)


@dataclass
class PayBill:
    org: str
    month: dt.date
    pay_bill: Decimal
    english_share: Decimal = Decimal(1)


@dataclass
class Commitment:
    org: str
    apprentice_ref: str
    start_month: dt.date
    duration_months: int
    total_price: Decimal
    recipient: str = ""  # empty: the anchor's own apprentice
    recipient_type: str = "own"  # own | anchor | small-employer

    @property
    def is_transfer(self) -> bool:
        return self.recipient_type != "own"

    def payments(self) -> dict[dt.date, Decimal]:
        """80% in equal monthly instalments over the duration, 20% the month after it ends."""
        on_programme = _money(self.total_price * (1 - COMPLETION_SHARE))
        each = _money(on_programme / self.duration_months)
        out = {add_months(self.start_month, i): each for i in range(self.duration_months)}
        last = add_months(self.start_month, self.duration_months - 1)
        out[last] += on_programme - each * self.duration_months  # pennies from rounding
        out[add_months(self.start_month, self.duration_months)] = self.total_price - on_programme
        return out


def monthly_levy(bills: list[PayBill], s: WorkforceSettings) -> dict[dt.date, Decimal]:
    """Levy due each month, worked cumulatively through each tax year as HMRC does: rate × pay bill to
    date, less the allowance to date (a twelfth a month), less levy already paid this year."""
    out: dict[dt.date, Decimal] = {}
    cum_pay: dict[int, Decimal] = defaultdict(Decimal)
    paid: dict[int, Decimal] = defaultdict(Decimal)
    for b in sorted(bills, key=lambda b: b.month):
        year = tax_year(b.month)
        rule = s.levy_rule_on(dt.date(year, 4, 6))
        cum_pay[year] += b.pay_bill
        months_in = (b.month.month - 4) % 12 + 1
        due = max(Decimal(0), rule.rate * cum_pay[year] - rule.allowance * months_in / 12)
        out[b.month] = max(Decimal(0), _money(due - paid[year]))  # no refund within the year
        paid[year] += out[b.month]
    return out


@dataclass
class LedgerRow:
    org: str
    month: dt.date
    opening: Decimal
    levy_paid: Decimal
    funds_in: Decimal
    own_payments: Decimal
    transfers_out: Decimal
    expired: Decimal
    not_covered: Decimal  # payments beyond the funds: co-investment territory
    closing: Decimal


@dataclass
class Warning:
    org: str
    entered: dt.date
    expires: dt.date
    amount: Decimal

    def sentence(self) -> str:
        return (
            f"{self.org}: £{self.amount:,.2f} of levy funds that entered in {self.entered:%B %Y} will expire "
            f"in {self.expires:%B %Y} unless spent."
        )


@dataclass
class TransferCap:
    org: str
    tax_year: int
    cap: Decimal
    transfers: Decimal
    rule: str

    @property
    def breached(self) -> bool:
        return self.transfers > self.cap


@dataclass
class LevyLedger:
    rows: list[LedgerRow]
    warnings: list[Warning] = field(default_factory=list)
    caps: list[TransferCap] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        def conv(d: Any) -> dict[str, Any]:
            return {k: (float(v) if isinstance(v, Decimal) else v) for k, v in asdict(d).items()}

        return {
            "rows": [conv(r) for r in self.rows],
            "warnings": [w.sentence() for w in self.warnings],
            "transfer_caps": [{**conv(c), "breached": c.breached} for c in self.caps],
        }


def levy_ledger(
    bills: list[PayBill],
    commitments: list[Commitment],
    s: WorkforceSettings,
    as_at: dt.date | None = None,
) -> LevyLedger:
    """Month by month for each anchor: funds in, payments (oldest funds first), expiry, and the cap."""
    ledger = LevyLedger([])
    for org in sorted({b.org for b in bills} | {c.org for c in commitments}):
        mine = [b for b in bills if b.org == org]
        levy = monthly_levy(mine, s)
        shares = {b.month: b.english_share for b in mine}
        own: dict[dt.date, Decimal] = defaultdict(Decimal)
        out: dict[dt.date, Decimal] = defaultdict(Decimal)
        for c in (c for c in commitments if c.org == org):
            for month, amount in c.payments().items():
                (out if c.is_transfer else own)[month] += amount
        months = sorted(set(levy) | set(own) | set(out))
        if not months:
            continue
        funds_in = {}
        for m in months:
            rule = s.levy_rule_on(dt.date(tax_year(m), 4, 6))
            funds_in[m] = _money(
                levy.get(m, Decimal(0)) * shares.get(m, Decimal(1)) * (1 + rule.top_up)
            )
        tranches: list[list[Any]] = []  # [entered, remaining]
        today = as_at or dt.date.today()
        this_month = dt.date(today.year, today.month, 1)
        snapshot: list[list[Any]] | None = (
            None  # the funds as they stand at `as_at`, for the warnings
        )
        month, balance = months[0], Decimal(0)
        while month <= months[-1]:
            expired = Decimal(0)
            for t in tranches:
                if add_months(t[0], s.levy_expiry_months) == month and t[1] > 0:
                    expired += t[1]
                    t[1] = Decimal(0)
            opening = balance
            fin = funds_in.get(month, Decimal(0))
            if fin > 0:
                tranches.append([month, fin])
            due = own[month] + out[month]
            for t in tranches:  # oldest funds first
                take = min(t[1], due)
                t[1] -= take
                due -= take
            balance = sum((t[1] for t in tranches), Decimal(0))
            ledger.rows.append(
                LedgerRow(
                    org,
                    month,
                    opening,
                    levy.get(month, Decimal(0)),
                    fin,
                    own[month],
                    out[month],
                    expired,
                    due,
                    balance,
                )
            )
            if month == this_month:
                snapshot = [list(t) for t in tranches]
            month = add_months(month, 1)
        horizon = add_months(this_month, s.expiry_warning_months)
        for entered, remaining in tranches if snapshot is None else snapshot:
            expires = add_months(entered, s.levy_expiry_months)
            if remaining > 0 and today <= expires <= horizon:
                ledger.warnings.append(Warning(org, entered, expires, remaining))
        ledger.caps.extend(_caps(org, funds_in, out, s))
    return ledger


def _caps(
    org: str,
    funds_in: dict[dt.date, Decimal],
    transfers: dict[dt.date, Decimal],
    s: WorkforceSettings,
) -> list[TransferCap]:
    """Each tax year's transfer cap by the rule in force that year, against the transfers paid in it."""
    by_year_in: dict[int, Decimal] = defaultdict(Decimal)
    by_year_out: dict[int, Decimal] = defaultdict(Decimal)
    for m, v in funds_in.items():
        by_year_in[tax_year(m)] += v
    for m, v in transfers.items():
        by_year_out[tax_year(m)] += v
    caps = []
    for year in sorted(set(by_year_out)):
        rule = s.levy_rule_on(dt.date(year, 4, 6))
        basis = by_year_in[year - 1] if rule.cap_basis == "previous-year" else by_year_in[year]
        words = (
            "the previous tax year's" if rule.cap_basis == "previous-year" else "this tax year's"
        )
        caps.append(
            TransferCap(
                org,
                year,
                _money(basis * rule.transfer_cap),
                by_year_out[year],
                f"{rule.transfer_cap * 100:.0f}% of {words} funds (rule from {rule.start:%d/%m/%Y})",
            )
        )
    return caps


def check_caps(ledger: LevyLedger) -> None:
    """Refuse a set of commitments whose transfers break a year's cap, naming the anchor and year."""
    bad = [c for c in ledger.caps if c.breached]
    if bad:
        c = bad[0]
        raise AnchorageError(
            f"{c.org} would transfer £{c.transfers:,.2f} in tax year {c.tax_year}-{(c.tax_year + 1) % 100:02}, "
            f"over its cap of £{c.cap:,.2f} ({c.rule}).",
            fix="Reduce or move the transfer commitments, or fund part of them from another anchor.",
        )
