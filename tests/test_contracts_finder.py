"""The collaboration finder on hand-built cases: window edges, one anchor only, CPV hierarchy levels."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from tests.fixtures import load_reference

from anchorage.contracts.finder import (
    FinderOptions,
    add_months,
    annual_value,
    find_opportunities,
    group_opportunities,
    suggest_lots,
)
from anchorage.contracts.register import import_register
from anchorage.core.errors import AnchorageError

AS_OF = date(2026, 1, 1)


def row(org, key, cpv, ends, value=100_000, category=None, start=None):
    return {
        "org": org,
        "contract_key": key,
        "cpv": cpv,
        "reprocure_date": ends,
        "end_date": ends,
        "start_date": start,
        "value": Decimal(value) if value is not None else None,
        "category": category,
        "proclass": None,
        "supplier_name": None,
    }


def opts(**kw):
    return FinderOptions(as_of=AS_OF, **kw)


def test_add_months_clamps_to_month_end():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 1, 31), 18) == date(2028, 7, 31)
    assert add_months(date(2027, 11, 15), 3) == date(2028, 2, 15)


def test_window_edges_are_inclusive():
    first = row("council", "a", "55520000", date(2027, 1, 31))
    on_edge = row("trust", "b", "55520000", date(2028, 7, 31))
    found = group_opportunities([first, on_edge], opts())
    assert len(found) == 1 and found[0].anchors == ["council", "trust"]
    assert found[0].combined_value == Decimal(200_000)
    past_edge = row("trust", "b", "55520000", date(2028, 8, 1))
    assert group_opportunities([first, past_edge], opts()) == []
    assert len(group_opportunities([first, past_edge], opts(window_months=19))) == 1
    assert group_opportunities([first, on_edge], opts(window_months=17)) == []


def test_one_anchor_only_is_not_an_opportunity():
    rows = [
        row("council", "a", "55520000", date(2027, 1, 1)),
        row("council", "b", "55520000", date(2027, 2, 1)),
    ]
    assert group_opportunities(rows, opts()) == []
    assert len(group_opportunities(rows, opts(min_anchors=1))) == 1


def test_cpv_hierarchy_levels():
    school = row("council", "a", "55524000", date(2027, 1, 1))
    household = row("trust", "b", "55521000", date(2027, 3, 1))
    cafe = row("college", "c", "55330000", date(2027, 2, 1))
    rows = [school, household, cafe]
    by = {
        lv: group_opportunities(rows, opts(grouping="cpv", cpv_level=lv))
        for lv in ("division", "group", "class")
    }
    assert [o.anchors for o in by["division"]] == [["college", "council", "trust"]]
    assert by["division"][0].category.startswith("CPV 55 Hotel, restaurant")
    assert [o.anchors for o in by["group"]] == [["council", "trust"]] and by["group"][
        0
    ].category.startswith("CPV 555")
    assert [o.anchors for o in by["class"]] == [["council", "trust"]]
    assert group_opportunities(rows, opts(grouping="cpv", cpv_level="category")) == []


def test_mapped_categories_join_cpv_and_anchor_labels():
    school = row("council", "a", "55524000", date(2027, 1, 1))
    meals = row("trust", "b", None, date(2027, 6, 1), category="Patient catering")
    vending = row("college", "c", "42933000", date(2027, 6, 1))
    found = group_opportunities([school, meals, vending], opts())
    assert [(o.category, o.anchors) for o in found] == [("Catering", ["council", "trust"])]
    assert group_opportunities([school, meals], opts(grouping="cpv")) == []


def test_past_contracts_and_missing_dates_are_left_out():
    rows = [
        row("council", "a", "55520000", date(2025, 6, 1)),
        row("trust", "b", "55520000", date(2026, 3, 1)),
        row("college", "c", "55520000", None),
    ]
    assert group_opportunities(rows, opts()) == []


def test_best_window_first_and_no_contract_twice_and_ranking():
    rows = [
        row("council", "a", "55520000", date(2026, 2, 1), 50_000),
        row("trust", "b", "55520000", date(2027, 12, 1)),
        row("college", "c", "55520000", date(2028, 1, 1)),
        row("housing", "d", "55520000", date(2028, 3, 1)),
        row("council", "e", "90910000", date(2027, 1, 1), 9_000_000),
        row("trust", "f", "90910000", date(2027, 2, 1), 9_000_000),
    ]
    found = group_opportunities(rows, opts(window_months=6))
    assert [(o.category, o.anchors) for o in found] == [
        ("Catering", ["college", "housing", "trust"]),
        ("Cleaning", ["council", "trust"]),
    ]
    assert [o.rank for o in found] == [1, 2]
    keys = [c["contract_key"] for o in found for c in o.contracts]
    assert len(keys) == len(set(keys)) and "a" not in keys


def test_lots_stay_under_the_cap():
    big = row("council", "a", "55520000", date(2028, 1, 1), 5_900_000, start=date(2025, 1, 1))
    small = row("trust", "b", "55520000", date(2028, 1, 1), 300_000, start=date(2025, 1, 1))
    assert annual_value(big) == Decimal(5_900_000) / Decimal("2.9979")
    lots = suggest_lots([big, small], Decimal(1_000_000), {"council": "Council"})
    assert [lot.label for lot in lots] == [
        "Council — lot 1 of 2 (by site or service)",
        "Council — lot 2 of 2 (by site or service)",
        "trust",
    ]
    assert all(lot.annual_value <= 1_000_000 for lot in lots)


def test_bad_settings_are_all_reported():
    with pytest.raises(AnchorageError, match=r"window.*grouping.*CPV level"):
        group_opportunities([], FinderOptions(window_months=-1, grouping="x", cpv_level="y"))


REG_COUNCIL = """Title,Supplier,Value,Start Date,End Date,CPV,Supplier Postcode
Civic centre catering,Local Caterers Ltd,"900,000",01/04/2025,31/03/2028,55520000,SE6 4RU
Office cleaning,Shine Ltd,100000,01/04/2025,31/03/2028,90910000,
"""
REG_TRUST = """Title,Supplier,Value,Start Date,End Date,Category
Patient meals,Far Away Foods plc,"3,000,000",01/01/2025,31/12/2027,Patient catering
"""


def test_find_opportunities_with_locality_and_capacity(workspace, tmp_path: Path):
    load_reference(workspace)
    with workspace.warehouse() as con:
        for i, (name, pc, sic, acc) in enumerate(
            [
                ("Lewisham Kitchen Ltd", "SE6 4RU", "56290 - Other food services", "MICRO ENTITY"),
                ("Big Food Plc", "SE6 4RU", "56210 - Event catering activities", "FULL"),
                ("Far Cafe Ltd", "HG1 1AA", "56290 - Other food services", "SMALL"),
                ("Lewisham Builders Ltd", "SE6 4RU", "41202 - Construction", "SMALL"),
            ]
        ):
            con.execute(
                "INSERT INTO register_entities (upload_id, source, register_id, name, name_norm, postcode, "
                "status, sic_codes, accounts_category) VALUES ('t', 'companies_house', ?, ?, ?, ?, "
                "'Active', ?, ?)",
                [str(i), name, name.upper(), pc, sic, acc],
            )
        con.execute(
            "INSERT INTO supplier_profile VALUES ('acute-trust', 'FAR AWAY FOODS', 'HG1 1AA', NULL, NULL, "
            "NULL, NULL, NULL, 'test')"
        )
    (tmp_path / "c.csv").write_text(REG_COUNCIL)
    (tmp_path / "t.csv").write_text(REG_TRUST)
    import_register(workspace, tmp_path / "c.csv", "Council")
    import_register(workspace, tmp_path / "t.csv", "Acute Trust")
    found = find_opportunities(workspace, FinderOptions(as_of=AS_OF))
    assert len(found) == 1
    o = found[0]
    assert o.category == "Catering" and o.anchors == ["acute-trust", "council"]
    assert o.combined_value == Decimal(3_900_000)
    assert {i["name"]: i["place"] for i in o.incumbents} == {
        "Local Caterers Ltd": "local",
        "Far Away Foods plc": "not local",
    }
    assert (o.capacity.firms, o.capacity.sme_firms) == (2, 1)
    assert o.capacity.examples == ["Lewisham Kitchen Ltd", "Big Food Plc"]
    assert [lot.label for lot in o.lots] == [
        "Acute Trust — lot 1 of 2 (by site or service)",
        "Acute Trust — lot 2 of 2 (by site or service)",
        "Council",
    ]
    assert "2 anchors (Acute Trust, Council)" in o.explanation and "1 of 2 local" in o.explanation
    assert "2 local firms (1 SMEs)" in o.explanation
    assert o.to_json()["local_capacity"]["firms"] == 2
    from anchorage.reports.pipeline_out import write_pipeline_report

    page = write_pipeline_report(workspace, tmp_path / "report", FinderOptions(as_of=AS_OF))
    assert page is not None
    text = page.read_text()
    assert "<svg" in text and "£3,900,000" in text and "2027-Q4" in text
    assert "Civic centre catering" not in text and "Local Caterers" not in text  # aggregates only
    from anchorage.reports.build import build_report

    report = build_report(workspace, tmp_path / "main-report")["html"].read_text()
    assert (
        'id="pipeline"' in report
        and "report-pipeline-chart" in report
        and "Contracts to buy together" in report
    )
    assert "Civic centre catering" not in report and "Far Away Foods" not in report
