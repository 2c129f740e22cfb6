"""What a user may see, through the services layer, is the same over HTTP and by the `anchorage` command run as
that user (ANCHORAGE_AS): the jobs listed, the rotation calendars, the levy ledger and the bid pack, for every
role; each file leaving the workspace by command is audited as its user. (The actions' matrix, done or refused,
is tests/test_services_matrix.py.) Real SQLite records and DuckDB warehouse, the command in-process."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import func, select
from tests.cli_support import bid_pack
from tests.test_services_matrix import audited_as, cli_answer
from tests.test_web_workforce import wf  # noqa: F401  (the workforce collaborative, as a fixture)
from tests.web_support import USERS, Web, csrf_of, signed_in
from typer.testing import CliRunner

from anchorage.cli.main import app as cli_app
from anchorage.services.common import AS_USER_ENV
from anchorage.store.accounts import AuditEvent
from anchorage.store.workforce_records import Pledge

PLEDGE = {  # a pledge entered by the council's analyst: the council's detail
    "programme": "kickstart",
    "employer": "Council Pledge Bakery Ltd",
    "company_number": "87654321",
    "role": "Baker",
    "placements": "3",
    "hours_per_week": "25",
    "hourly_wage": "8.72",
    "duration_months": "6",
    "additionality": "Y",
    "pledged_on": "2020-12-01",
}


def command(web: Web, email: str | None, *args: str) -> Any:
    result = CliRunner().invoke(
        cli_app, [*args, "--workspace", str(web.ws.root)], env={AS_USER_ENV: email}
    )
    assert result.exit_code == 0, (email, args, result.output, result.exception)
    return result


def sheet_rows(data: bytes | Path, sheet: str) -> list[tuple[Any, ...]]:
    wb = openpyxl.load_workbook(
        io.BytesIO(data) if isinstance(data, bytes) else data, read_only=True
    )
    return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]


def exports_by(web: Web, email: str) -> int:
    with web.ws.session() as s:
        return s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.actor == email, AuditEvent.action == "export")
        )


def test_jobs_listed_are_the_same_for_the_web_and_the_command_line(wf: Web, tmp_path: Path) -> None:  # noqa: F811
    for org in ("council", "acute-trust"):  # a job of each anchor, run as the local operator
        spend = tmp_path / f"{org}.csv"
        spend.write_text(f"Supplier,Amount,Date\nJobs {org} Ltd,12.50,01/04/2024\n")
        command(wf, None, "spend", "ingest", str(spend), "--org", org, "--accept-warnings")
    everyone = {
        j["id"]: j["org"] for j in json.loads(command(wf, None, "jobs", "list", "--json").stdout)
    }
    assert {"council", "acute-trust"} <= set(
        everyone.values()
    )  # the local operator sees every anchor's
    for email, (_, org) in USERS.items():
        page = signed_in(wf, email).get("/jobs").text
        on_page = set(re.findall(r'href="/jobs/([0-9a-f]{8,})"', page))
        listed = json.loads(command(wf, email, "jobs", "list", "--json", "--limit", "100").stdout)
        assert {j["id"] for j in listed} == on_page, email
        shown = {j["org"] for j in listed}
        if (
            org is None
        ):  # the collaborative admin sees every anchor's jobs (the permission table's see-jobs)
            assert {"council", "acute-trust"} <= shown, (email, shown)
        else:
            assert shown <= {None, org}, (email, shown)
        if org is not None:  # another anchor's job is as if it were not there
            other = next(i for i, o in everyone.items() if o not in (None, org))
            refused = CliRunner().invoke(
                cli_app,
                ["jobs", "show", other, "--workspace", str(wf.ws.root)],
                env={AS_USER_ENV: email},
            )
            assert refused.exit_code != 0 and "No job" in str(refused.exception), refused.output


def test_calendar_ledger_and_bid_pack_are_the_same_files_by_web_and_command(
    wf: Web,  # noqa: F811
    tmp_path: Path,
) -> None:
    analyst = signed_in(wf, "analyst@council.org")
    token = csrf_of(analyst.get("/workforce/bid/pledges?programme=kickstart").text)
    made = analyst.post(
        "/workforce/bid/pledges?programme=kickstart", data={**PLEDGE, "csrf_token": token}
    )
    assert made.status_code in (200, 303), made.text
    with wf.ws.session() as s:
        assert (
            s.scalar(select(Pledge.org).where(Pledge.employer == PLEDGE["employer"])) == "council"
        )
    seen_pledge: dict[str, bool] = {}
    for email in USERS:
        c, mine = signed_in(wf, email), tmp_path / email.replace("@", "-")
        mine.mkdir()
        before = exports_by(wf, email)
        command(wf, email, "apprenticeships", "calendar", "--out", str(mine / "rot.xlsx"))
        command(wf, email, "levy", "ledger", "--out", str(mine / "ledger.xlsx"))
        command(wf, email, "bid", "build", "--programme", "kickstart", "--out", str(mine / "pack"))
        assert exports_by(wf, email) == before + 3, (
            email
        )  # each file by command is audited as its user
        web_calendar = c.get("/workforce/apprenticeships/calendar.xlsx").content
        for sheet in ("By apprentice", "By host placement"):
            assert sheet_rows(web_calendar, sheet) == sheet_rows(mine / "rot.xlsx", sheet), email
        web_ledger = c.get("/workforce/levy/ledger.xlsx").content
        assert sheet_rows(web_ledger, "Ledger") == sheet_rows(mine / "ledger.xlsx", "Ledger"), email
        orgs = {r[0] for r in sheet_rows(mine / "ledger.xlsx", "Ledger")[1:]}
        assert orgs <= {USERS[email][1]}, (email, orgs)  # only the lines of the anchors they see
        web_pack = c.get("/workforce/bid/pack.xlsx?programme=kickstart").content
        pledges = sheet_rows(mine / "pack" / "bid-pack.xlsx", "Pledges")
        assert sheet_rows(web_pack, "Pledges") == pledges, email
        seen_pledge[email] = any(PLEDGE["employer"] in map(str, r) for r in pledges)
        as_json = bid_pack(wf.ws, mine / "pack2", env={AS_USER_ENV: email})
        assert (PLEDGE["employer"] in {p["employer"] for p in as_json["pledges"]}) == seen_pledge[
            email
        ]
    # The council's own users see its pledge; no one else does (nor the collaborative admin: it is not shared).
    assert seen_pledge == {e: org == "council" for e, (_, org) in USERS.items()}, seen_pledge
    assert audited_as(wf, "analyst@council.org", "export") >= 3


def test_only_the_collaborative_adds_a_programme(wf: Web) -> None:  # noqa: F811
    args = ["bid", "new-programme", "council-placements", "--from", "kickstart"]
    refused = cli_answer(wf, "admin@council.org", args)
    assert refused == 403
    assert cli_answer(wf, "collab@x.org", args) == 200
    with wf.ws.session() as s:
        added = s.scalars(select(AuditEvent).where(AuditEvent.action == "programme-added")).all()
    assert [(e.actor, e.detail["programme"]) for e in added] == [
        ("collab@x.org", "council-placements")
    ]
