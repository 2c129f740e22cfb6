"""Social value: the open framework, commitment and delivery imports, committed vs delivered and 'behind'."""

from __future__ import annotations

import datetime as dt

import pytest

from anchorage.core.errors import ConfigError
from anchorage.socialvalue.entries import EntryInvalid, add_commitment, add_delivery
from anchorage.socialvalue.framework import (
    DEFAULT_PATH,
    init_framework,
    load_framework,
    read_framework,
)
from anchorage.socialvalue.imports import import_commitments, import_deliveries
from anchorage.socialvalue.status import elapsed_share, fy_shares, social_value_status, visible

COMMITMENTS = """Contract reference,Supplier,Measure,Committed,Contract start,Contract end
C-1,Local Caterers Ltd,local-job-years,10,01/04/2024,01/04/2026
C-1,Local Caterers Ltd,carbon-saved,100,01/04/2024,01/04/2026
C-2,Big Facilities plc,apprentice-years,4,01/04/2024,01/04/2028
C-3,Bad Row Ltd,no-such-measure,5,01/04/2024,01/04/2025
C-4,Backwards Ltd,wellbys,2,01/04/2025,01/04/2024
C-5,Odd Ltd,community-hours,lots,01/04/2024,01/04/2025
,No Contract Ltd,community-hours,5,01/04/2024,01/04/2025
"""
DELIVERY = """Contract ref,Supplier name,Measure id,Delivered,Period end,Evidence
C-1,Local Caterers Ltd,local-job-years,5,31/03/2025,payroll
C-1,LOCAL CATERERS LIMITED,carbon-saved,20,31/03/2025,meter readings
C-2,Big Facilities plc,apprentice-years,1,31/03/2025,
C-2,Big Facilities plc,apprentice-years,1,31/03/2027,a later period
C-1,Local Caterers Ltd,local-job-years,-1,31/03/2025,
"""


def test_default_framework_is_valid_and_sourced():
    fw = read_framework(DEFAULT_PATH)
    assert len(fw.themes) == 5 and len(fw.measures) >= 10
    for m in fw.measures.values():
        assert m.source and m.unit and 1990 <= m.year <= 2100 and m.proxy >= 0
    # The derived proxies agree with their stated basis (National Living Wage £12.21 x 37.5 x 52).
    assert fw.measures["local-job-years"].proxy == pytest.approx(12.21 * 37.5 * 52)
    assert fw.measures["apprentice-years"].proxy == pytest.approx(7.55 * 37.5 * 52)


def test_framework_errors_are_all_listed(tmp_path):
    bad = tmp_path / "fw.toml"
    bad.write_text(
        '[lm3]\nstaff_local_respend = 2\n[[theme]]\nid = "t"\nname = "T"\n'
        '[[theme.outcome]]\nid = "o"\nname = "O"\n[[theme.outcome.measure]]\nid = "m"\n'
        'name = "M"\nunit = "hours"\nproxy = -3\nsource = ""\nyear = "2025"\n'
    )
    with pytest.raises(ConfigError) as e:
        read_framework(bad)
    text = str(e.value)
    assert "proxy = -3" in text and 'no "source"' in text and "year = '2025'" in text
    assert "staff_local_respend = 2" in text and len(e.value.problems) == 4


def test_workspace_framework_overrides_default(workspace):
    path = init_framework(workspace)
    path.write_text(path.read_text().replace("proxy = 12.21\n", "proxy = 20.0\n"))
    assert load_framework(workspace).measures["community-hours"].proxy == 20.0
    with pytest.raises(Exception, match="already exists"):
        init_framework(workspace)


def _load(workspace, tmp_path):
    c, d = tmp_path / "commitments.csv", tmp_path / "delivery.csv"
    c.write_text(COMMITMENTS)
    d.write_text(DELIVERY)
    return import_commitments(workspace, c, "Council"), import_deliveries(workspace, d, "Council")


def test_imports_load_or_quarantine_every_row(workspace, tmp_path):
    com, dlv = _load(workspace, tmp_path)
    assert (com.rows_read, com.rows_loaded, com.rows_quarantined) == (7, 3, 4)
    assert com.balanced and dlv.balanced
    assert (dlv.rows_read, dlv.rows_loaded, dlv.rows_quarantined) == (5, 4, 1)
    assert set(com.quarantine_reasons) == {
        "measure …",
        "the contract ends on or before it starts",
        "quantity …",
        "the contract reference is blank",
    }
    with workspace.warehouse(read_only=True) as con:
        rows = con.execute(
            "SELECT column_name, reason FROM quarantine WHERE kind = 'sv_commitments' "
            "ORDER BY row_no"
        ).fetchall()
    assert rows[0] == (
        "Measure",
        'measure "no-such-measure" is not in the framework (see anchorage socialvalue framework)',
    )
    again = import_commitments(workspace, tmp_path / "commitments.csv", "Council")
    assert again.duplicate and again.rows_loaded == 0


def test_committed_vs_delivered_and_behind_hand_computed(workspace, tmp_path):
    _load(workspace, tmp_path)
    fw = load_framework(workspace)
    st = social_value_status(workspace, as_of=dt.date(2025, 4, 1))
    # Delivery is measured against pro-rata delivery up to the latest report (31 March 2025, within a year of
    # the as-of date). C-1: a 2-year term from 1 April 2024, 364 of 730 days elapsed by then.
    # Jobs: 5 of 10 delivered; carbon: 20 of 100. Expected (10 x 23,809.50 + 100 x 256) x 364/730 = 131,487.30;
    # delivered 5 x 23,809.50 + 20 x 256 = 124,167.50: 94.4% of pro-rata, not behind.
    c = st.tables["contracts"].set_index("contract_ref")
    assert c.loc["C-1", "expected_value"] == pytest.approx((10 * 23809.5 + 100 * 256) * 364 / 730)
    assert c.loc["C-1", "delivered_value"] == pytest.approx(5 * 23809.5 + 20 * 256)
    assert not c.loc["C-1", "behind"]
    # C-2: a 4-year term (1,461 days, 2028 is a leap year), 364 days elapsed at its report: 0.9966 apprentice
    # years expected, 1 delivered (the 2027 report is after the as-of date and not counted): on track.
    assert c.loc["C-2", "pro_rata_pct"] == pytest.approx(1 / (4 * 364 / 1461), abs=1e-4)
    # A year later the latest report is more than a year old, so delivery is compared up to the as-of date.
    later = social_value_status(workspace, as_of=dt.date(2026, 4, 1))
    behind = {b["contract_ref"]: b for b in later.behind}
    assert set(behind) == {"C-1", "C-2"}
    assert behind["C-2"]["reasons"][0].startswith("no delivery report for over 365 days")
    assert (
        "1 of 4 apprentice years delivered; 2 expected by 01 Apr 2026"
        in behind["C-2"]["reasons"][1]
    )
    assert behind["C-2"]["pro_rata_pct"] == pytest.approx(1 / (4 * 730 / 1461), abs=1e-4)
    # The theme table in £: whole-contract commitments.
    themes = st.tables["themes"].set_index(["org", "theme"])
    growth = themes.loc[("collaborative", "Kickstart economic growth")]
    assert growth["committed_value"] == pytest.approx(10 * fw.measures["local-job-years"].proxy)
    years = st.tables["years"]
    y = years[(years["org"] == "council") & (years["financial_year"] == "2024-25")].iloc[0]
    # 2024-25 holds half of C-1 (365 of 730 days) and a quarter of C-2 (365 of 1461 days).
    expected = (10 * 23809.5 + 100 * 256) * 365 / 730 + 4 * 14722.5 * 365 / 1461
    assert y["committed_value"] == pytest.approx(expected)
    assert y["delivered_value"] == pytest.approx(5 * 23809.5 + 20 * 256 + 14722.5)


def test_detail_is_gated_but_aggregates_are_not(workspace, tmp_path):
    _load(workspace, tmp_path)
    st = social_value_status(workspace, as_of=dt.date(2026, 4, 1))
    other = visible(st, {"acute-trust"})
    assert (
        other.tables["contracts"].empty and other.behind == [] and other.tables["suppliers"].empty
    )
    assert not other.tables["themes"].empty
    assert len(visible(st, {"council"}).behind) == 2


def test_form_entries_are_checked_and_counted(workspace):
    with pytest.raises(EntryInvalid) as e:
        add_commitment(
            workspace,
            "council",
            {
                "contract_ref": "",
                "supplier_name": "X",
                "measure_id": "nope",
                "quantity": "-1",
                "contract_start": "2025-01-01",
                "contract_end": "2024-01-01",
            },
        )
    assert set(e.value.problems) == {"contract_ref", "measure_id", "quantity", "contract_end"}
    add_commitment(
        workspace,
        "council",
        {
            "contract_ref": "F-1",
            "supplier_name": "Form Ltd",
            "measure_id": "community-hours",
            "quantity": "100",
            "contract_start": "2025-04-01",
            "contract_end": "2026-04-01",
        },
    )
    add_delivery(
        workspace,
        "council",
        {
            "contract_ref": "F-1",
            "supplier_name": "Form Ltd",
            "measure_id": "community-hours",
            "quantity": "10",
            "period_end": "2025-09-30",
        },
    )
    st = social_value_status(workspace, as_of=dt.date(2025, 10, 1))
    b = st.behind[0]
    assert b["contract_ref"] == "F-1" and b["delivered_value"] == pytest.approx(10 * 12.21)


def test_term_arithmetic():
    assert elapsed_share(dt.date(2024, 1, 1), dt.date(2025, 1, 1), dt.date(2023, 1, 1)) == 0
    assert elapsed_share(dt.date(2024, 1, 1), dt.date(2025, 1, 1), dt.date(2026, 1, 1)) == 1
    shares = fy_shares(dt.date(2024, 10, 1), dt.date(2025, 10, 1))
    assert shares == {2024: pytest.approx(182 / 365), 2025: pytest.approx(183 / 365)}
