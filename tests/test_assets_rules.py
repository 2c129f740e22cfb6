"""Review rules, matching, the request workflow and ACV dates on hand-built cases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from anchorage.assets.community import (
    acv_register,
    advance_transfer,
    decide_nomination,
    intent_to_bid,
    nominate,
    notify_disposal,
    period_end,
    propose_transfer,
)
from anchorage.assets.matching import match_frames
from anchorage.assets.register import import_assets
from anchorage.assets.review import ReviewRules, record_decision, review_assets
from anchorage.assets.times import parse_times
from anchorage.assets.utilisation import enter_utilisation, import_utilisation
from anchorage.assets.workflow import (
    WorkflowError,
    change_request,
    notifications_for,
    request_space,
)
from anchorage.core.errors import AnchorageError
from anchorage.store.assets_records import Need, Space
from anchorage.workspace import Workspace

REGISTER = """Unique Asset ID,Name,X Co-ordinate,Y Co-ordinate,Gross internal floor area,Running costs,Tenure Category
H1,Hall,537000,174000,1000,"200,000",Occupied by the LA
L1,Library,537100,174000,500,"150,000",Occupied by the LA
D1,Depot,537200,174000,2000,"100,000",Vacant
O1,Office,537300,174000,800,"100,000",Occupied by the LA
"""
UTIL = """Asset ID,Period,Occupied floor area,Hours used per week,Vacancy,Surplus
H1,2023-24,900,40,5%,N
H1,2024-25,400,40,10,N
L1,2024-25,480,12,0.3,N
O1,2024-25,800,50,0,Y
Z9,2024-25,10,,,
"""


@pytest.fixture
def estate(workspace: Workspace, tmp_path: Path) -> Workspace:
    (tmp_path / "reg.csv").write_text(REGISTER, encoding="utf-8")
    (tmp_path / "util.csv").write_text(UTIL, encoding="utf-8")
    import_assets(workspace, tmp_path / "reg.csv", "council")
    s = import_utilisation(workspace, tmp_path / "util.csv", "council")
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (5, 5, 0)
    return workspace


def test_review_rules_hand_computed(estate: Workspace):
    result = review_assets(estate)
    items = {i.asset_key: i for i in result.items}
    assert result.assets_checked == 4
    # Hall: latest period 400/1000 = 40% used; £200,000 / 1,000 m² = £200/m² (under £250).
    assert items["ID:H1"].reasons == ["uses 40% of its floor area (rule: under 60%)"]
    # Library: 96% used, 12 h a week, 0.3 → 30% vacant, £300/m².
    assert items["ID:L1"].reasons == [
        "in use 12 hours a week (rule: under 25)",
        "30% vacant (rule: over 20%)",
        "costs £300 per m² a year to run (rule: over £250)",
    ]
    # Depot: held vacant (Tenure Category) → 100% vacant and surplus; £50/m².
    assert items["ID:D1"].reasons == [
        "100% vacant (rule: over 20%)",
        "declared surplus or held vacant",
    ]
    assert items["ID:O1"].reasons == ["declared surplus or held vacant"]
    loose = review_assets(
        estate,
        ReviewRules(
            min_space_utilisation=0.3,
            min_hours_per_week=None,
            max_vacancy_pct=None,
            max_cost_per_m2=None,
            flag_surplus=False,
        ),
    )
    assert loose.items == []


def test_decisions_persist_and_latest_wins(estate: Workspace):
    record_decision(
        estate, "council", "ID:D1", "dispose", note="Cabinet 12 May", decided_by="estates"
    )
    record_decision(estate, "council", "ID:D1", "community-use", note="Offer to groups first")
    item = next(i for i in review_assets(estate).items if i.asset_key == "ID:D1")
    assert (item.decision, item.decision_note) == ("community-use", "Offer to groups first")
    with pytest.raises(AnchorageError, match="not a review decision"):
        record_decision(estate, "council", "ID:D1", "bulldoze")
    with pytest.raises(AnchorageError, match='no asset "ID:NOPE"'):
        record_decision(estate, "council", "ID:NOPE", "retain")


def test_manual_occupancy_overrides_same_period(estate: Workspace):
    enter_utilisation(
        estate, "council", "ID:H1", period="2025-26", occupied_floor_m2=950, hours_per_week=60
    )
    assert "ID:H1" not in {i.asset_key for i in review_assets(estate).items}
    with pytest.raises(AnchorageError, match="hours used per week must be between 0 and 168"):
        enter_utilisation(estate, "council", "ID:H1", period="x", hours_per_week=200)


def test_bad_utilisation_rows_quarantined(workspace: Workspace, tmp_path: Path):
    (tmp_path / "u.csv").write_text(
        "UPRN,Hours per week,Vacancy %,Surplus\nabc,10,5,Y\n123,170,5,Y\n"
        "124,10,150,Y\n125,10,5,maybe\n126,10,5,N\n",
        encoding="utf-8",
    )
    s = import_utilisation(workspace, tmp_path / "u.csv", "council")
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (5, 1, 4)
    assert set(s.quarantine_reasons) == {
        "UPRN …",
        "hours used per week …",
        "vacancy …",
        "surplus …",
    }


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    needs = pd.DataFrame(
        [
            dict(
                id=1,
                people=20,
                times=["Tue 19:00-21:00"],
                accessibility=["step-free"],
                facilities=["kitchen", "av"],
                easting=0.0,
                northing=0.0,
                max_distance_m=2000.0,
                budget_per_hour=20.0,
            ),
            dict(
                id=2,
                people=8,
                times=[],
                accessibility=[],
                facilities=[],
                easting=0.0,
                northing=0.0,
                max_distance_m=1000.0,
                budget_per_hour=None,
            ),
        ]
    )
    spaces = pd.DataFrame(
        [
            dict(
                id=10,
                org="council",
                name="Hall",
                capacity=40,
                times=["Mon-Fri 09:00-22:00"],
                facilities=["kitchen"],
                accessibility=["step-free", "hearing loop"],
                hourly_cost=10.0,
                easting=1000.0,
                northing=0.0,
            ),
            dict(
                id=11,
                org="trust",
                name="Room",
                capacity=25,
                times=["Tue 18:00-21:00"],
                facilities=["kitchen", "av"],
                accessibility=["step-free"],
                hourly_cost=0.0,
                easting=0.0,
                northing=1500.0,
            ),
            dict(
                id=12,
                org="trust",
                name="Closed then",
                capacity=100,
                times=["Mon-Fri 09:00-17:00"],
                facilities=[],
                accessibility=["step-free"],
                hourly_cost=0.0,
                easting=100.0,
                northing=0.0,
            ),
            dict(
                id=13,
                org="college",
                name="Stairs only",
                capacity=30,
                times=[],
                facilities=["kitchen", "av"],
                accessibility=[],
                hourly_cost=0.0,
                easting=200.0,
                northing=0.0,
            ),
            dict(
                id=14,
                org="college",
                name="Too dear",
                capacity=30,
                times=[],
                facilities=[],
                accessibility=["step-free"],
                hourly_cost=25.0,
                easting=300.0,
                northing=0.0,
            ),
            dict(
                id=15,
                org="council",
                name="Too far",
                capacity=30,
                times=[],
                facilities=[],
                accessibility=["step-free"],
                hourly_cost=0.0,
                easting=2500.0,
                northing=0.0,
            ),
        ]
    )
    return needs, spaces


def test_matching_hard_rules_and_ranking():
    needs, spaces = frames()
    m = match_frames(needs, spaces)
    one = m[m.need_id == 1]
    # Only the hall and the room pass every rule for need 1 (times, step-free, budget, distance).
    assert list(one.space_id) == [11, 10]
    # Room: 1.5 km of 2 → 0.25; fit 20/25 = 0.8; 2 of 2 facilities; free → 0.4·0.25 + 0.3·0.8 + 0.2 + 0.1 = 0.64
    # Hall: 1 km → 0.5; 20/40 = 0.5; 1 of 2; £10 of £20 → 0.4·0.5 + 0.3·0.5 + 0.2·0.5 + 0.1·0.5 = 0.5
    assert list(one.score) == [pytest.approx(0.64), pytest.approx(0.5)]
    assert one.iloc[0].reasons == (
        "1.5 km away (limit 2.0 km); fits 20 of 25 places; has step-free; "
        "2 of 2 facilities wanted; free; open at the times asked for"
    )
    two = m[m.need_id == 2]
    # Need 2 (8 people, any time, 1 km): 12 (0.1 km), 13 (0.2 km), 14 (0.3 km) and the hall at exactly 1 km.
    assert set(two.space_id) == {10, 12, 13, 14}
    assert list(two["rank"]) == [1, 2, 3, 4]


def test_times_parsing():
    tue = parse_times("Tue 7pm-9pm")
    assert tue[1] == sum(1 << s for s in range(38, 42)) and sum(tue) == tue[1]
    assert parse_times(["weekdays 9-17"])[:5] == [sum(1 << s for s in range(18, 34))] * 5
    with pytest.raises(AnchorageError, match="not a time we understand"):
        parse_times("whenever")


def _space_and_need(ws: Workspace) -> tuple[int, int]:
    with ws.session() as s:
        space = Space(
            org="council",
            ref="S1",
            name="Hall",
            capacity=40,
            times=["Tue 18:00-22:00"],
            facilities=[],
            accessibility=[],
            hourly_cost=0,
            easting=0.0,
            northing=0.0,
            active=True,
        )
        need = Need(
            group_name="Chess club",
            contact_email="a@b.org",
            activity="chess",
            people=10,
            times=["Tue 19:00-21:00"],
            accessibility=[],
            facilities=[],
            area="SE6 4RU",
            easting=0.0,
            northing=0.0,
            status="published",
        )
        s.add_all([space, need])
        s.commit()
        return space.id, need.id


def test_request_offer_booking_workflow(workspace: Workspace):
    space_id, need_id = _space_and_need(workspace)
    req = request_space(workspace, need_id, space_id, "Tuesdays please")
    assert req.status == "requested"
    assert [n.kind for n in notifications_for(workspace, "council")] == ["request"]
    with pytest.raises(WorkflowError, match="'accept' is not possible"):
        change_request(workspace, req.id, "accept", by="group")
    with pytest.raises(WorkflowError, match="acute-trust cannot offer"):
        change_request(workspace, req.id, "offer", by="acute-trust")
    assert change_request(workspace, req.id, "offer", by="council").status == "offered"
    assert notifications_for(workspace, f"need:{need_id}")[0].kind == "offered"
    booked = change_request(workspace, req.id, "accept", by="group")
    assert booked.status == "booked" and [h["status"] for h in booked.history] == [
        "requested",
        "offered",
        "booked",
    ]
    with pytest.raises(WorkflowError, match="already has request"):
        request_space(workspace, need_id, space_id)
    # A second group wanting an overlapping slot cannot also be booked into the same space.
    with workspace.session() as s:
        other = Need(
            group_name="Choir",
            contact_email="c@d.org",
            activity="singing",
            people=12,
            times=["Tue 20:00-22:00"],
            accessibility=[],
            facilities=[],
            area="SE6 4RU",
            easting=0.0,
            northing=0.0,
            status="published",
        )
        s.add(other)
        s.commit()
    r2 = request_space(workspace, other.id, space_id)
    change_request(workspace, r2.id, "offer", by="council")
    with pytest.raises(WorkflowError, match="already booked at those times"):
        change_request(workspace, r2.id, "accept", by="group")


def test_acv_dates_follow_the_localism_act(workspace: Workspace):
    # "Six weeks beginning with" 1 March 2024 ends 11 April; six months ends 31 August; 18 months 31 August 2025.
    assert period_end(dt.date(2024, 3, 1), weeks=6) == dt.date(2024, 4, 11)
    assert period_end(dt.date(2024, 3, 1), months=6) == dt.date(2024, 8, 31)
    assert period_end(dt.date(2024, 8, 31), months=6) == dt.date(
        2025, 2, 27
    )  # 28 Feb is the 6-month date
    acv = nominate(
        workspace,
        "The Crown pub",
        nominated_by="Friends of the Crown",
        nominated_on=dt.date(2024, 1, 2),
    )
    assert acv.decision_due == dt.date(2024, 2, 27)
    listed = decide_nomination(workspace, acv.id, listed=True, decided_on=dt.date(2024, 2, 20))
    assert listed.expires_on == dt.date(2029, 2, 19)
    notice = notify_disposal(workspace, acv.id, notified_on=dt.date(2024, 3, 1))
    assert (notice.interim_ends, notice.full_ends, notice.protected_ends) == (
        dt.date(2024, 4, 11),
        dt.date(2024, 4, 11),
        dt.date(2025, 8, 31),
    )
    with pytest.raises(AnchorageError, match="interim moratorium"):
        intent_to_bid(
            workspace, notice.id, group="Crown Community Pub Ltd", on=dt.date(2024, 4, 12)
        )
    notice = intent_to_bid(
        workspace, notice.id, group="Crown Community Pub Ltd", on=dt.date(2024, 4, 11)
    )
    assert notice.full_ends == dt.date(2024, 8, 31)
    [row] = acv_register(workspace, today=dt.date(2024, 6, 1))
    assert (row.status, row.moratorium_ends) == ("listed", dt.date(2024, 8, 31))
    [row] = acv_register(workspace, today=dt.date(2029, 3, 1))
    assert row.status == "expired"


def test_transfer_statuses(workspace: Workspace):
    t = propose_transfer(
        workspace, "council", "ID:D1", recipient="Grove Park Trust", terms="long-lease"
    )
    advance_transfer(workspace, t.id, "expression-of-interest")
    with pytest.raises(AnchorageError, match="cannot move to completed"):
        advance_transfer(workspace, t.id, "completed")
    for step in ("business-case", "approved", "completed"):
        t = advance_transfer(workspace, t.id, step)
    assert t.status == "completed" and len(t.history) == 5
