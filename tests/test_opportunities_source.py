"""Which contracts become public opportunities (docs/opportunities.md): published notices at planning or
tender stage while a date is ahead, published contracts ending within the horizon as re-procurements, and an
anchor's own register only while the anchor publishes its pipeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from anchorage.contracts.ocds_load import import_ocds
from anchorage.contracts.register import import_register
from anchorage.opportunities.source import (
    public_notices,
    public_pipelines,
    set_pipeline_public,
)
from anchorage.workspace import Workspace

TODAY = dt.date(2026, 1, 15)
REGISTER = """Contract Reference,Contract Title,Supplier Name,Contract Value (£),Start Date,End Date,CPV Code,Status,Procurement start
R-1,Staff restaurant catering,Tasty Food Ltd,"£240,000",01/01/2023,31/12/2026,55520000,Live,
R-2,Fleet hire,,90000,01/09/2026,31/08/2029,,Planned,01/06/2026
R-3,Long lease cleaning,Shine Co,450000,01/07/2023,30/06/2030,90910000,Live,
R-4,Old printing,Ink Ltd,2500,01/01/2020,31/12/2025,22000000,Live,
ocds-b5fd17-6,Grounds (also published),Green Ltd,80000,01/04/2022,31/03/2026,77310000,Live,
"""
COLUMNS = (
    "upload_id",
    "org",
    "row_no",
    "source",
    "contract_key",
    "ocid",
    "title",
    "value",
    "start_date",
    "end_date",
    "end_date_max",
    "cpv",
    "stage",
    "tender_deadline",
    "procurement_start",
    "releases",
    "source_url",
    "is_public",
)


def published(ws: Workspace, org: str, ocid: str, title: str, stage: str, **dates: object) -> None:
    """A published (OCDS) process, as the contracts import leaves it in the warehouse."""
    row = {
        "upload_id": "ocds-test",
        "org": org,
        "row_no": 1,
        "source": "ocds",
        "contract_key": ocid,
        "ocid": ocid,
        "title": title,
        "value": dates.pop("value", None),
        "cpv": dates.pop("cpv", None),
        "stage": stage,
        "releases": 1,
        "source_url": f"https://www.contractsfinder.service.gov.uk/notice/{ocid}",
        "is_public": True,
        **dates,
    }
    with ws.warehouse() as con:
        con.execute(
            f"INSERT INTO contracts ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})",
            [row.get(c) for c in COLUMNS],
        )


@pytest.fixture
def ws(workspace: Workspace, tmp_path: Path) -> Workspace:
    path = tmp_path / "council-register.csv"
    path.write_text(REGISTER, encoding="utf-8")
    assert import_register(workspace, path, "Council").rows_loaded == 5
    d = dt.date
    published(
        workspace,
        "acute-trust",
        "ocds-b5fd17-1",
        "Patient meals",
        "tender",
        cpv="55320000",
        value=Decimal(1_800_000),
        tender_deadline=d(2026, 2, 20),
        start_date=d(2026, 6, 1),
    )
    published(
        workspace,
        "acute-trust",
        "ocds-b5fd17-2",
        "Closed tender",
        "tender",
        tender_deadline=d(2026, 1, 1),
        start_date=d(2026, 4, 1),
    )
    published(
        workspace,
        "acute-trust",
        "ocds-b5fd17-3",
        "Window cleaning",
        "planning",
        cpv="90911300",
        procurement_start=d(2026, 4, 1),
    )
    published(
        workspace,
        "acute-trust",
        "ocds-b5fd17-4",
        "Stale plan",
        "planning",
        procurement_start=d(2025, 3, 1),
    )
    published(
        workspace,
        "acute-trust",
        "ocds-b5fd17-5",
        "Laundry",
        "contract",
        value=Decimal(600_000),
        start_date=d(2023, 4, 1),
        end_date=d(2027, 3, 31),
    )
    published(
        workspace,
        "council",
        "ocds-b5fd17-6",
        "Grounds maintenance",
        "contract",
        cpv="77310000",
        start_date=d(2022, 4, 1),
        end_date=d(2026, 3, 31),
        end_date_max=d(2027, 3, 31),
    )
    return workspace


def by_title(ws: Workspace) -> dict[str, object]:
    return {n.title: n for n in public_notices(ws, today=TODAY)}


def test_published_notices_count_and_registers_stay_private(ws: Workspace):
    notices = by_title(ws)
    assert set(notices) == {"Patient meals", "Window cleaning", "Laundry", "Grounds maintenance"}
    meals = notices["Patient meals"]
    assert (meals.stage, meals.deadline, meals.contract_start, meals.category, meals.buyer) == (
        "tender",
        dt.date(2026, 2, 20),
        dt.date(2026, 6, 1),
        "Catering",
        "Acute Trust",
    )
    assert meals.value_band == "£500k to £2m" and meals.link.endswith("ocds-b5fd17-1")
    assert notices["Window cleaning"].expected_tender == dt.date(2026, 4, 1)
    laundry = notices["Laundry"]
    assert (laundry.stage, laundry.contract_start, laundry.expected_tender) == (
        "reprocurement",
        dt.date(2027, 4, 1),
        dt.date(2026, 10, 1),
    )
    assert laundry.value_band == "£500k to £2m" and laundry.small_firm_lots == [
        "the whole contract"
    ]  # £150k a year
    assert (
        meals.small_firm_lots == []
    )  # £1.8m with no known term: counted as one year, over the £1m lot cap
    assert notices["Grounds maintenance"].contract_start == dt.date(
        2027, 4, 1
    )  # after every extension


def test_a_published_pipeline_adds_the_register_once(ws: Workspace):
    set_pipeline_public(ws, "Council", True, "admin@council.org")
    assert public_pipelines(ws) == {"council"}
    notices = by_title(ws)
    assert set(notices) == {
        "Patient meals",
        "Window cleaning",
        "Laundry",
        "Grounds maintenance",
        "Staff restaurant catering",
        "Fleet hire",
    }  # R-3 too late, R-4 over, ocid 6 once
    catering = notices["Staff restaurant catering"]
    assert (
        catering.stage,
        catering.contract_start,
        catering.value_band,
        catering.small_firm_lots,
    ) == ("reprocurement", dt.date(2027, 1, 1), "£100k to £500k", ["the whole contract"])
    fleet = notices["Fleet hire"]
    assert (fleet.stage, fleet.expected_tender, fleet.contract_start) == (
        "planning",
        dt.date(2026, 6, 1),
        dt.date(2026, 9, 1),
    )
    assert "Tasty Food" not in " ".join(
        n.summary + n.how_to_take_part for n in notices.values()
    )  # no incumbents
    set_pipeline_public(ws, "council", False, "admin@council.org")
    assert "Staff restaurant catering" not in by_title(ws) and public_pipelines(ws) == set()


def test_horizon_limits_reprocurements(ws: Workspace):
    short = {n.title for n in public_notices(ws, today=TODAY, horizon_months=6)}
    assert "Laundry" not in short and "Patient meals" in short


def test_real_ocds_releases_become_notices(workspace: Workspace, shared_data: Path):
    folder = shared_data / "ocds" / "fictional"
    assert (
        import_ocds(
            workspace, folder / "ocds-213czf-000-00001-02-tender.json", "Council"
        ).rows_loaded
        == 1
    )
    [tender] = public_notices(workspace, today=dt.date(2010, 3, 1))
    assert (tender.stage, tender.expected_tender, tender.deadline, tender.contract_start) == (
        "tender",
        dt.date(2010, 3, 1),
        dt.date(2010, 4, 1),
        dt.date(2010, 7, 1),
    )
    assert tender.category == "Construction" and tender.value_band == "£500k to £2m"
    assert tender.link == "http://example.com/tender-notices/ocds-213czf-000-00001-01.html"
    assert public_notices(workspace, today=dt.date(2010, 4, 2)) == []  # bids closed
    assert (
        import_ocds(workspace, folder / "ocds-213czf-000-00001.json", "Council").rows_loaded == 6
    )  # releases
    [later] = public_notices(workspace, today=dt.date(2010, 4, 2))  # the same process, now awarded
    assert (later.stage, later.contract_start) == ("reprocurement", dt.date(2012, 1, 1))
