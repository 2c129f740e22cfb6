"""Employment programmes are editable templates: shipped ones load, a workspace copy can be edited and wins,
bad edits are reported all at once naming the file, and the bid builder never opens on a closed scheme."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from anchorage.core.errors import AnchorageError, ConfigError
from anchorage.workforce import programmes
from anchorage.workforce.bid_io import load_pledges, workspace_bid
from anchorage.workspace import Workspace


def test_shipped_templates_load_with_their_rules(workspace: Workspace) -> None:
    progs = programmes.load_programmes(workspace)
    kick = progs["kickstart"]
    assert (kick.min_age, kick.max_age, kick.hours_per_week, kick.duration_months) == (
        16,
        24,
        25,
        6,
    )
    assert kick.minimum_wage_on(dt.date(2021, 5, 1), 24) == Decimal("8.91")
    assert (
        kick.threshold_on(dt.date(2021, 1, 1)) == 30 and kick.threshold_on(dt.date(2021, 2, 3)) == 0
    )
    assert programmes.status(kick, dt.date(2026, 12, 6)) == "closed on 31/03/2022"
    local = progs["local-paid-placements"]
    assert local.minimum_wage_on(dt.date(2026, 5, 1), 24) == Decimal("12.71")


def test_the_default_is_open_today_never_a_closed_scheme(workspace: Workspace) -> None:
    progs = programmes.load_programmes(workspace)
    assert programmes.default_id(progs, dt.date(2026, 12, 6)) == "local-paid-placements"
    assert (
        programmes.default_id(progs, dt.date(2021, 6, 1)) == "kickstart"
    )  # then, Kickstart was open
    # Nothing open at all: the one that closed last, which the pages mark as closed.
    only_closed = {"kickstart": progs["kickstart"]}
    assert programmes.default_id(only_closed, dt.date(2026, 12, 6)) == "kickstart"


def test_a_copy_is_edited_in_the_workspace_and_used_for_the_bid(
    workspace: Workspace, tmp_path
) -> None:
    path = programmes.new_programme(workspace, "lewisham-placements", "local-paid-placements")
    assert path.parent == programmes.folder(workspace)
    text = path.read_text().replace("hours_per_week = 16", "hours_per_week = 30")
    path.write_text(text)
    prog = programmes.programme(workspace, "lewisham-placements")
    assert prog.hours_per_week == 30 and prog.name == "Local paid placements (template) (copy)"
    csv = tmp_path / "pledges.csv"
    csv.write_text(
        "programme,employer,company_number,role,placements,hours_per_week,hourly_wage,duration_months,"
        "additionality,pledged_on\n"
        "lewisham-placements,Cafe Ltd,12345678,Barista,3,30,13.00,6,Y,01/06/2026\n"
        "lewisham-placements,Shop Ltd,12345679,Assistant,2,20,13.00,6,Y,01/06/2026\n"
        "no-such-scheme,Bar Ltd,12345670,Cook,2,30,13.00,6,Y,01/06/2026\n"
    )
    summary = load_pledges(workspace, csv)
    assert (summary.rows_loaded, summary.rows_quarantined) == (2, 1)
    bid = workspace_bid(workspace, "lewisham-placements", dt.date(2026, 7, 1))
    assert bid.eligible_placements == 3
    [short] = [c for c in bid.checks if not c.eligible]
    assert short.reasons == [
        "offers 20 hours a week; Local paid placements (template) (copy) needs at least 30"
    ]
    with pytest.raises(AnchorageError, match="already a programme"):
        programmes.new_programme(workspace, "lewisham-placements", "kickstart")


def test_a_file_without_a_programme_pledges_to_the_open_one(workspace: Workspace, tmp_path) -> None:
    csv = tmp_path / "pledges.csv"
    csv.write_text(
        "employer,company_number,role,placements,hours_per_week,hourly_wage,duration_months,"
        "additionality,pledged_on\nCafe Ltd,12345678,Barista,3,25,13.00,6,Y,01/06/2026\n"
    )
    load_pledges(workspace, csv)
    bid = workspace_bid(workspace, None, dt.date(2026, 7, 1))
    assert bid.programme.id == programmes.default_id(
        programmes.load_programmes(workspace), dt.date.today()
    )
    assert bid.programme.id != "kickstart" and bid.eligible_placements == 3


def test_a_bad_edit_is_reported_whole_naming_the_file(workspace: Workspace) -> None:
    path = programmes.new_programme(workspace, "broken", "kickstart")
    text = (
        path.read_text()
        .replace("hours_per_week = 25", "hours_per_week = -1")
        .replace("last_start = 2022-03-31", 'last_start = "soon"')
        .replace('hourly = "8.20"', 'hourly = "eight"')
    )
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        programmes.load_programmes(workspace)
    message = str(err.value)
    assert "programmes/broken.toml" in message and str(workspace.root) not in message
    assert "hours_per_week" in message and "last_start" in message and "hourly" in message
    path.write_text("id = [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        programmes.load_programmes(workspace)
