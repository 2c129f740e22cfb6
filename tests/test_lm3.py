"""LM3 (NEF) and the what-if simulator, against hand-computed values."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.fixtures import load_reference, write_fixture_files

from anchorage.core.errors import AnchorageError
from anchorage.ingest.spend import ingest_spend
from anchorage.procurement.run import analyse_workspace
from anchorage.socialvalue.framework import DEFAULT_PATH, read_framework
from anchorage.socialvalue.imports import import_lm3_survey
from anchorage.socialvalue.lm3 import lm3_results, response_rounds
from anchorage.socialvalue.simulator import simulate
from anchorage.socialvalue.survey import (
    LinkNotValid,
    SurveyInvalid,
    issue_link,
    open_link,
    submit_answers,
)

# Two suppliers of the council, one of the trust. Local staff re-spend 30%, local suppliers 20% (default).
SURVEY = """Supplier,Income from anchor,Wages %,Local staff %,Purchases %,Local purchases %,Postcode,Year
Local Caterers Ltd,"£100,000",40,50,30,20,SE6 4RU,2024
Far Away plc,200000,50,10,40,5%,WC1A 1AA,2024
Broken Ltd,abc,40,50,30,20,,2024
Too Much Ltd,1000,70,50,40,20,,2024
Odd Ltd,1000,40,150,30,20,,2024
"""


def test_one_supplier_by_hand():
    # Round 1 £100,000; local wages 100,000 x 40% x 50% = 20,000; local purchases 100,000 x 30% x 20% = 6,000;
    # round 2 = 26,000; round 3 = 20,000 x 30% + 6,000 x 20% = 7,200; LM3 = 133,200 / 100,000 = 1.332.
    r = response_rounds(100_000, 0.4, 0.5, 0.3, 0.2, 0.3, 0.2)
    assert (r.round1, r.round2, r.round3) == pytest.approx((100_000, 26_000, 7_200))
    assert r.lm3 == pytest.approx(1.332)


def test_survey_import_and_lm3_per_anchor_and_collaborative(workspace, tmp_path):
    load_reference(workspace)
    f = tmp_path / "survey.csv"
    f.write_text(SURVEY)
    s = import_lm3_survey(workspace, f, "Council")
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (5, 2, 3) and s.balanced
    assert s.amount_loaded == 300_000
    t = tmp_path / "trust.csv"
    t.write_text(
        "Supplier,Income,Wages %,Local staff %,Purchases %,Local purchases %\nT Ltd,50000,20,100,0,0\n"
    )
    import_lm3_survey(workspace, t, "Acute Trust")
    res = lm3_results(workspace).table.set_index("org")
    # Far Away plc: local wages 200,000 x 50% x 10% = 10,000; local purchases 200,000 x 40% x 5% = 4,000;
    # round 2 = 14,000; round 3 = 3,000 + 800 = 3,800. Council: (300,000 + 40,000 + 11,000) / 300,000.
    assert res.loc["council", "lm3"] == pytest.approx(351_000 / 300_000, abs=1e-4)
    # T Ltd: round 2 = 10,000, round 3 = 3,000. Collaborative: (350,000 + 50,000 + 14,000) / 350,000.
    assert res.loc["acute-trust", "lm3"] == pytest.approx(1.26)
    assert res.loc["collaborative", "lm3"] == pytest.approx(414_000 / 350_000, abs=1e-4)
    assert res.loc["collaborative", "responses"] == 3
    detail = lm3_results(workspace).responses.set_index("supplier_name")
    assert detail.loc["Local Caterers Ltd", "supplier_local"] == True  # noqa: E712 (SE6 4RU is in Lewisham)
    assert detail.loc["Far Away plc", "supplier_local"] == False  # noqa: E712


def test_simulator_by_hand():
    fw = read_framework(DEFAULT_PATH)
    tables = {
        "totals": pd.DataFrame(
            [{"org": "collaborative", "spend": 10_000_000.0, "local_spend": 3_000_000.0}]
        ),
        "categories": pd.DataFrame(
            [
                {
                    "org": "collaborative",
                    "category": "Catering",
                    "spend": 1_000_000.0,
                    "local_spend": 200_000.0,
                }
            ]
        ),
    }
    responses = pd.DataFrame(
        [
            {
                "org": "council",
                "income": 100_000,
                "wages_share": 0.4,
                "local_staff_share": 0.5,
                "purchases_share": 0.3,
                "local_purchases_share": 0.2,
                "supplier_local": True,
            },
            {
                "org": "council",
                "income": 200_000,
                "wages_share": 0.5,
                "local_staff_share": 0.1,
                "purchases_share": 0.4,
                "local_purchases_share": 0.05,
                "supplier_local": False,
            },
        ]
    )
    sim = simulate(tables, responses, fw, category="catering", shift_pct=25)
    # 25% of the £800,000 not with local suppliers moves: £200,000. % local 30% -> 32%.
    assert sim.shifted == pytest.approx(200_000)
    assert (sim.pct_before, sim.pct_after, sim.change_pp) == pytest.approx((0.30, 0.32, 2.0))
    # LM3 of local suppliers 1.332 -> gross £266,400; non-local re-spend (14,000 + 3,800) / 200,000 = 0.089
    # per £ -> £17,800 lost; net £248,600.
    assert sim.lm3_local == pytest.approx(1.332)
    assert (sim.gross_impact, sim.lost_impact, sim.net_impact) == pytest.approx(
        (266_400, 17_800, 248_600)
    )
    assert sim.label == "Estimate" and any("at the same price" in a for a in sim.assumptions)
    with pytest.raises(AnchorageError, match="no spend category"):
        simulate(tables, responses, fw, category="Cleaning", shift_pct=10)
    with pytest.raises(AnchorageError, match="not possible"):
        simulate(tables, responses, fw, category="Catering", shift_pct=120)
    given = simulate(
        tables, responses.iloc[0:0], fw, category="Catering", shift_pct=50, lm3_override=1.5
    )
    assert given.net_impact == pytest.approx(400_000 * 1.5)
    with pytest.raises(AnchorageError, match="no LM3 survey responses"):
        simulate(tables, responses.iloc[0:0], fw, category="Catering", shift_pct=50)


def test_simulator_on_a_workspace_spend_analysis(workspace, tmp_path):
    load_reference(workspace)
    files = write_fixture_files(tmp_path / "in")
    ingest_spend(workspace, files["council_spend"], "Council")
    f = tmp_path / "survey.csv"
    f.write_text(SURVEY)
    import_lm3_survey(workspace, f, "Council")
    tables = analyse_workspace(workspace).tables
    cat = tables["categories"]
    row = cat[cat["org"] == "council"].sort_values("non_local_spend", ascending=False).iloc[0]
    tot = tables["totals"].set_index("org").loc["council"]
    sim = simulate(
        tables,
        lm3_results(workspace).responses,
        read_framework(DEFAULT_PATH),
        category=row["category"],
        shift_pct=100,
        org="council",
    )
    moved = row["spend"] - row["local_spend"]
    assert sim.shifted == pytest.approx(moved)
    assert sim.pct_after == pytest.approx((tot["local_spend"] + moved) / tot["spend"])


def test_survey_link_is_one_time_and_validated(workspace):
    issued = issue_link(workspace, "Council", "Link Supplier Ltd", created_by="a@x.org")
    assert open_link(workspace, issued.token).supplier_name == "Link Supplier Ltd"
    with pytest.raises(SurveyInvalid) as e:
        submit_answers(
            workspace,
            issued.token,
            {
                "wages_pct": "70",
                "local_staff_pct": "x",
                "purchases_pct": "40",
                "local_purchases_pct": "10",
                "income": "-5",
                "postcode": "<b>",
            },
        )
    assert set(e.value.problems) == {"local_staff_pct", "income", "postcode"}
    submit_answers(
        workspace,
        issued.token,
        {
            "wages_pct": "40",
            "local_staff_pct": "50",
            "purchases_pct": "30",
            "local_purchases_pct": "20",
            "income": "100000",
            "postcode": "",
        },
    )
    with pytest.raises(LinkNotValid):
        submit_answers(
            workspace,
            issued.token,
            {
                "wages_pct": "1",
                "local_staff_pct": "1",
                "purchases_pct": "1",
                "local_purchases_pct": "1",
                "income": "1",
            },
        )
    with pytest.raises(LinkNotValid):
        open_link(workspace, "not-a-token")
    res = lm3_results(workspace).table.set_index("org")
    assert res.loc["council", "lm3"] == pytest.approx(1.332)
