"""Every published figure, checked against the hand-computed fixture in tests/fixtures.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.fixtures import load_reference, write_fixture_files

from anchorage.ingest.spend import ingest_spend
from anchorage.ingest.suppliers import ingest_suppliers
from anchorage.procurement.enrich import AnalysisOptions
from anchorage.procurement.run import analyse_workspace


@pytest.fixture
def loaded(workspace, tmp_path):
    load_reference(workspace)
    files = write_fixture_files(tmp_path / "in")
    s1 = ingest_suppliers(workspace, files["council_suppliers"], "Council")
    s2 = ingest_spend(workspace, files["council_spend"], "Council")
    s3 = ingest_spend(workspace, files["trust_spend"], "Acute Trust")
    return workspace, (s1, s2, s3)


def row(df, org, **where):
    sel = df[df["org"] == org]
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, (org, where, sel)
    return sel.iloc[0]


def test_reconciliation_of_fixture(loaded):
    _, (sup, spend, trust) = loaded
    assert (sup.rows_read, sup.rows_loaded, sup.rows_quarantined) == (6, 6, 0)
    assert (spend.rows_read, spend.rows_loaded, spend.rows_quarantined) == (14, 11, 3)
    assert spend.amount_read == Decimal("29100.00")
    assert spend.amount_loaded == Decimal("15000.00")
    assert spend.amount_quarantined == Decimal("14100.00")
    assert trust.rows_loaded == 1 and trust.balanced


def test_totals_tiers_and_deprivation(loaded):
    ws, _ = loaded
    t = analyse_workspace(ws).tables
    c = row(t["totals"], "council")
    assert c["spend"] == pytest.approx(10000)
    assert c["suppliers"] == 8
    assert c["transactions"] == 10
    assert c["credit_notes"] == pytest.approx(-100)
    assert c["local_pct"] == pytest.approx(0.22)
    assert c["unknown_pct"] == pytest.approx(0.09)
    assert c["deprived10_pct"] == pytest.approx(0.22)
    assert c["deprived20_pct"] == pytest.approx(0.42)
    assert c["sme_pct_of_known"] == pytest.approx(3400 / 6400, abs=1e-4)
    assert c["sme_known_pct"] == pytest.approx(0.64)
    assert c["vcse_pct_of_known"] == pytest.approx(800 / 2200, abs=1e-4)
    shares = {r.tier: r.share for r in t["tiers"][t["tiers"]["org"] == "council"].itertuples()}
    assert shares == pytest.approx(
        {
            "local": 0.22,
            "sub-region": 0.20,
            "region": 0.30,
            "uk": 0.15,
            "abroad": 0.04,
            "unknown": 0.09,
        }
    )
    whole = row(t["totals"], "collaborative")
    assert whole["spend"] == pytest.approx(11000)
    assert whole["local_spend"] == pytest.approx(3200)
    assert whole["suppliers"] == 8  # Local Caterers is one supplier across both anchors
    assert row(t["totals"], "acute-trust")["local_pct"] == pytest.approx(1.0)
    dec = t["deprivation"][t["deprivation"]["org"] == "council"]
    assert dict(zip(dec["imd_decile"].fillna(0), dec["spend"], strict=True)) == pytest.approx(
        {1: 2200, 2: 2000, 5: 3000, 9: 1500, 0: 1300}
    )


def test_exclusions_trend_categories_and_suppliers(loaded):
    ws, _ = loaded
    t = analyse_workspace(ws).tables
    ex = row(t["exclusions"], "council")
    assert (ex["rule"], ex["spend"], ex["transactions"]) == ("HMRC and taxes", 5000, 1)
    trend = t["trend"][t["trend"]["org"] == "council"]
    assert dict(zip(trend["financial_year"], trend["spend"], strict=True)) == {
        "2022-23": 2000,
        "2023-24": 8000,
    }
    cat = row(t["categories"], "council", category="Catering")
    assert (cat["spend"], cat["local_spend"], cat["unknown_spend"]) == (2000, 1400, 600)
    top = row(t["top_suppliers"], "council", rank=1)
    assert (top["supplier"], top["spend"], top["tier"]) == ("CENTRAL CONSULTING", 3000, "region")
    leak = t["leakage"][t["leakage"]["org"] == "council"]
    assert list(leak["category"])[:2] == ["Consultancy", "Building"]
    ward = row(t["wards"], "council")
    assert (ward["ward"], ward["spend"]) == ("E05013720", 2200)


def test_options_min_amount_top_n_and_no_exclusions(loaded):
    ws, _ = loaded
    t = analyse_workspace(ws, AnalysisOptions(orgs=["Council"], min_amount=Decimal(1000))).tables
    assert row(t["totals"], "council")["spend"] == pytest.approx(1000 + 2000 + 3000 + 1500)
    t = analyse_workspace(ws, AnalysisOptions(orgs=["Council"], top_n=2)).tables
    assert row(t["totals"], "council")["spend"] == pytest.approx(3000 + 2000)
    t = analyse_workspace(ws, AnalysisOptions(orgs=["Council"], apply_exclusions=False)).tables
    assert row(t["totals"], "council")["spend"] == pytest.approx(15000)
