"""Levy arithmetic against worked examples (figures worked out by hand in the comments)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from anchorage.core.errors import AnchorageError
from anchorage.workforce.levy import Commitment, PayBill, check_caps, levy_ledger, monthly_levy
from anchorage.workforce.settings import WorkforceSettings


def months(first: dt.date, n: int) -> list[dt.date]:
    return [
        dt.date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
        for i in range(n)
    ]


def steady(org: str, first: dt.date, n: int, pay: str) -> list[PayBill]:
    return [PayBill(org, m, D(pay)) for m in months(first, n)]


def test_levy_is_half_a_percent_above_the_allowance():
    s = WorkforceSettings()
    # £400,000 a month = £4.8m a year: 0.5% is £24,000, less £15,000 = £9,000, i.e. £750 a month.
    levy = monthly_levy(steady("c", dt.date(2024, 4, 1), 12, "400000"), s)
    assert set(levy.values()) == {D("750.00")}
    assert sum(levy.values()) == D("9000.00")
    # £250,000 a month is £3m a year: no levy at all.
    assert sum(monthly_levy(steady("c", dt.date(2024, 4, 1), 12, "250000"), s).values()) == 0


def test_levy_is_cumulative_within_the_tax_year():
    s = WorkforceSettings()
    bills = [
        PayBill("c", dt.date(2024, 4, 1), D("100000")),
        PayBill("c", dt.date(2024, 5, 1), D("900000")),
    ]
    # April: 0.5% of £100k = £500 < £1,250 allowance → 0. May: 0.5% of £1m = £5,000 − £2,500 = £2,500.
    assert monthly_levy(bills, s) == {
        dt.date(2024, 4, 1): D("0"),
        dt.date(2024, 5, 1): D("2500.00"),
    }


def test_funds_in_add_the_top_up_and_english_share():
    s = WorkforceSettings()
    bills = steady("c", dt.date(2024, 4, 1), 12, "400000")
    bills[0].english_share = D("0.8")
    ledger = levy_ledger(bills, [], s, as_at=dt.date(2025, 3, 1))
    # £750 × 80% × 1.1 = £660 in April; £750 × 1.1 = £825 in the other eleven months.
    assert ledger.rows[0].funds_in == D("660.00")
    assert ledger.rows[1].funds_in == D("825.00")
    assert ledger.rows[-1].closing == D("660.00") + 11 * D("825.00")


def test_unspent_funds_expire_after_24_months_oldest_first():
    s = WorkforceSettings()
    bills = [PayBill("c", dt.date(2022, 4, 1), D("1000000"))]
    bills += [PayBill("c", m, D("0")) for m in months(dt.date(2022, 5, 1), 24)]
    # April 2022: £5,000 − £1,250 = £3,750 levy, ×1.1 = £4,125 in. An apprentice at £1,500 from January
    # 2023: £100 a month for 12 months, then £300 on completion in January 2024: £1,500 spent.
    c = Commitment("c", "APP-1", dt.date(2023, 1, 1), 12, D("1500"))
    ledger = levy_ledger(bills, [c], s, as_at=dt.date(2024, 2, 15))
    by_month = {r.month: r for r in ledger.rows}
    assert by_month[dt.date(2022, 4, 1)].funds_in == D("4125.00")
    assert by_month[dt.date(2023, 6, 1)].own_payments == D("100.00")
    assert by_month[dt.date(2024, 1, 1)].own_payments == D("300.00")
    assert by_month[dt.date(2024, 4, 1)].expired == D("2625.00")
    assert by_month[dt.date(2024, 4, 1)].closing == 0
    assert [w.sentence() for w in ledger.warnings] == [
        "c: £2,625.00 of levy funds that entered in April 2022 will expire in April 2024 unless spent."
    ]


def test_transfer_cap_by_the_rules_of_each_year():
    s = WorkforceSettings()
    bills = steady(
        "c", dt.date(2022, 4, 1), 36, "400000"
    )  # £9,900 in each tax year 2022-23 .. 2024-25
    # 2023-24 (25% rule): cap £2,475. 2024-25 (50% of the previous year's funds): cap £4,950.
    # T-1 pays £200 a month April 2023 – March 2024 (£2,400) and £600 on completion in April 2024;
    # T-2 pays £333.33 a month April 2024 – March 2025 (£4,000) and £1,000 in April 2025.
    t1 = Commitment(
        "c", "T-1", dt.date(2023, 4, 1), 12, D("3000"), "Corner Cafe Ltd", "small-employer"
    )
    t2 = Commitment("c", "T-2", dt.date(2024, 4, 1), 12, D("5000"), "Housing Trust", "anchor")
    ledger = levy_ledger(bills, [t1, t2], s, as_at=dt.date(2025, 3, 1))
    caps = {c.tax_year: c for c in ledger.caps}
    assert caps[2023].cap == D("2475.00") and caps[2023].transfers == D("2400.00")  # 80% of £3,000
    assert not caps[2023].breached
    # 2024-25: £600 completion of T-1 + £4,000 of T-2 = £4,600 ≤ £4,950.
    assert caps[2024].cap == D("4950.00") and caps[2024].transfers == D("4600.00")
    check_caps(ledger)
    # £500 more in 2024-25 (£400 over 5 months, £100 on completion in November) breaks the cap.
    t3 = Commitment(
        "c", "T-3", dt.date(2024, 6, 1), 5, D("500"), "Corner Cafe Ltd", "small-employer"
    )
    with pytest.raises(AnchorageError, match=r"over its cap of £4,950\.00"):
        check_caps(levy_ledger(bills, [t1, t2, t3], s, as_at=dt.date(2025, 3, 1)))


def test_settings_from_the_workspace_report_every_problem(workspace):
    from anchorage.core.errors import ConfigError
    from anchorage.workforce.settings import settings_to_toml, workforce_settings

    workspace.config.workforce = {
        "suppression_threshold": -1,
        "living_wage": [{"start": "soon", "value": 1}],
        "colour": "blue",
    }
    with pytest.raises(ConfigError) as exc:
        workforce_settings(workspace.config)
    assert len(exc.value.problems) == 3
    s = WorkforceSettings()
    s.levy_expiry_months = 18
    workspace.config.workforce = settings_to_toml(s)
    back = workforce_settings(workspace.config)
    assert back == s and back.living_wage_on(dt.date(2025, 11, 1)) == D("14.80")
    assert (
        back.minimum_duration_on(dt.date(2025, 7, 31)) == 12
        and back.minimum_duration_on(dt.date(2025, 8, 1)) == 8
    )
