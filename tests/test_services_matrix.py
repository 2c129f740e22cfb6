"""The authorization matrix through the services layer, for the web and the command line alike: for each
protected action × role × own/other anchor, the answer (done, refused 403, or 404) is the same whether asked over
HTTP or by the `anchorage` command run as that user (ANCHORAGE_AS), and each action done is audited as its user.
Real SQLite records and a real DuckDB warehouse; the command runs in-process through Typer's CliRunner."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.test_web_assets import COUNCIL, REFERENCE, TRUST
from tests.web_support import USERS, Web, build_web, csrf_of, signed_in
from typer.testing import CliRunner

from anchorage.access import audit
from anchorage.assets.community import propose_transfer
from anchorage.assets.register import import_assets
from anchorage.cli.main import app as cli_app
from anchorage.ingest.spend import ingest_spend
from anchorage.reference.load import import_reference
from anchorage.services.common import AS_USER_ENV
from anchorage.store.accounts import AuditEvent
from anchorage.store.records import Upload
from anchorage.web.errors import status_for

TARGETS = (
    "council",
    "acute-trust",
)  # the two anchors with assets: each user's own anchor and another's
ASSET = {"council": "ID:H1", "acute-trust": "ID:T1"}
QUARANTINED: dict[
    str, str
] = {}  # anchor: its spend upload with a quarantined row (made by `estate`)


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    web = build_web(tmp_path_factory.mktemp("matrix"))
    import_reference(web.ws, [REFERENCE / "nspl_SM.csv"])
    for org, text in (("council", COUNCIL), ("acute-trust", TRUST)):
        path = web.root / f"{org}-assets.csv"
        path.write_text(text, encoding="utf-8")
        assert import_assets(web.ws, path, org).rows_quarantined == 0
        # A second version of the register (one more shed): the first is kept, replaced, and can be restored.
        again = web.root / f"{org}-assets-2.csv"
        again.write_text(
            text + f"S9,,{org} shed,SM1 1AA,526100,164000,10,100,Freehold,Vacant,Store\n"
        )
        assert import_assets(web.ws, again, org).replaced_upload
        # A spend file with a row that cannot load: its quarantine is the anchor's detail.
        spend = web.root / f"{org}-spend.csv"
        spend.write_text(
            f"Supplier,Amount,Date\n{org} Ltd,12.50,01/04/2024\nNo Amount Ltd,lots,01/04/2024\n"
        )
        summary = ingest_spend(web.ws, spend, org, accept_warnings=True)
        assert summary.rows_quarantined == 1
        QUARANTINED[org] = summary.upload_id
    yield web


@dataclass(frozen=True)
class Action:
    name: str
    # None: not an audited change (a page read), or the web's step is not yet the audited one (an upload's preview)
    audit_action: str | None
    web: Callable[
        [Web, TestClient, str, str], int
    ]  # (web, signed-in client, anchor, case id) -> HTTP status
    cli: Callable[[Web, str, str], list[str]]  # (web, anchor, case id) -> the command's arguments


def _post(c: TestClient, page: str, path: str, data: dict[str, str]) -> int:
    token = csrf_of(c.get(page).text)
    return c.post(path, data={**data, "csrf_token": token}, follow_redirects=False).status_code


def _spend_file(web: Web, case: str) -> str:
    path = web.root / f"spend-{abs(hash(case))}.csv"
    path.write_text(f"Supplier,Amount,Date\nMatrix {case} Ltd,12.50,01/04/2024\n", encoding="utf-8")
    return str(path)


def _upload(c: TestClient, org: str, case: str) -> int:
    token = csrf_of(c.get("/upload").text)
    return c.post(
        "/upload",
        data={"csrf_token": token, "org": org, "kind": "spend"},
        files={
            "file": (
                "spend.csv",
                f"Supplier,Amount,Date\nMatrix {case} Ltd,12.50,01/04/2024\n".encode(),
                "text/csv",
            )
        },
        follow_redirects=False,
    ).status_code


def _transfer(web: Web, org: str) -> str:
    """A fresh proposed transfer of the anchor's asset (made directly in the library: the setting, not the test)."""
    return str(propose_transfer(web.ws, org, ASSET[org], recipient="Lunch Club", terms="lease").id)


def _replaced(web: Web, org: str) -> str:
    """The anchor's asset register upload that no longer counts (restoring it makes the other one so)."""
    with web.ws.session() as s:
        return s.scalars(
            select(Upload.id).where(
                Upload.org == org, Upload.kind == "assets", Upload.status == "replaced"
            )
        ).one()


def _fetch(c: TestClient, path: str) -> int:
    return c.get(path, follow_redirects=False).status_code


ACTIONS = [
    Action(
        "asset decision",
        "asset-decision",
        lambda w, c, org, case: _post(
            c,
            "/assets/review",
            "/assets/review/decide",
            {"org": org, "asset_key": ASSET[org], "decision": "retain", "note": case},
        ),
        lambda w, org, case: [
            "assets",
            "decide",
            ASSET[org],
            "--org",
            org,
            "--decision",
            "retain",
            "--note",
            case,
        ],
    ),
    Action(
        "LM3 survey link",
        "lm3-survey-link",
        lambda w, c, org, case: _post(
            c, "/lm3", "/lm3/links", {"org": org, "supplier_name": f"Supplier {case}"}
        ),
        lambda w, org, case: ["lm3", "link", f"Supplier {case}", "--org", org],
    ),
    Action(
        "asset transfer step",
        "asset-transfer",
        lambda w, c, org, case: _post(
            c,
            "/assets/acv",
            "/assets/transfers",
            {"transfer_id": _transfer(w, org), "status": "withdrawn"},
        ),
        lambda w, org, case: ["assets", "transfer-status", _transfer(w, org), "withdrawn"],
    ),
    Action(
        "propose an asset transfer",
        "asset-transfer",
        lambda w, c, org, case: _post(
            c,
            "/assets/review",
            "/assets/transfers",
            {"org": org, "asset_key": ASSET[org], "recipient": f"Group {case}", "terms": "lease"},
        ),
        lambda w, org, case: [
            "assets",
            "transfer",
            ASSET[org],
            "--org",
            org,
            "--to",
            f"Group {case}",
            "--terms",
            "lease",
        ],
    ),
    Action(
        "restore an earlier register",
        "restore-upload",
        lambda w, c, org, case: _post(
            c, "/assets/review", f"/uploads/{_replaced(w, org)}/restore", {}
        ),
        lambda w, org, case: ["uploads", "restore", _replaced(w, org)],
    ),
    Action(
        "quarantine fix workbook",
        "export",
        lambda w, c, org, case: _fetch(c, f"/uploads/{QUARANTINED[org]}/fix.xlsx"),
        lambda w, org, case: [
            "quarantine",
            "export",
            "--upload",
            QUARANTINED[org],
            "--out",
            str(w.root / f"fix-{abs(hash(case))}.xlsx"),
        ],
    ),
    Action(
        "list an anchor's uploads",
        None,  # a page read, not a change: not audited
        lambda w, c, org, case: _fetch(c, f"/uploads?org={org}"),
        lambda w, org, case: ["uploads", "list", "--org", org],
    ),
    Action(
        "upload an anchor's file",
        None,
        lambda w, c, org, case: _upload(c, org, case),
        lambda w, org, case: [
            "spend",
            "ingest",
            _spend_file(w, case),
            "--org",
            org,
            "--accept-warnings",
        ],
    ),
]


def web_answer(status: int) -> int:
    """A form that did its work answers with its page (200) or a redirect to it (303): both are 'done'."""
    return 200 if status in (200, 303) else status


def cli_answer(web: Web, email: str, args: list[str]) -> int:
    result = CliRunner().invoke(
        cli_app, [*args, "--workspace", str(web.ws.root)], env={AS_USER_ENV: email}
    )
    if result.exception is None or (
        isinstance(result.exception, SystemExit) and result.exit_code == 0
    ):
        return 200
    assert not isinstance(result.exception, SystemExit), (
        result.output
    )  # a usage error is the test's own
    return status_for(result.exception)


def audited_as(web: Web, email: str, action: str | None) -> int:
    if action is None:
        return 0
    with web.ws.session() as s:
        return len(
            s.scalars(
                select(AuditEvent).where(AuditEvent.actor == email, AuditEvent.action == action)
            ).all()
        )


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_web_and_command_line_give_the_same_answer(estate: Web, action: Action) -> None:
    answers: dict[tuple[str, str], int] = {}
    for email, (_, org) in USERS.items():
        c = signed_in(estate, email)
        for target in TARGETS:
            case = f"{email}-{target}"
            before = audited_as(estate, email, action.audit_action)
            over_http = web_answer(action.web(estate, c, target, case))
            after_http = audited_as(estate, email, action.audit_action)
            by_command = cli_answer(estate, email, action.cli(estate, target, case))
            after_cli = audited_as(estate, email, action.audit_action)
            assert over_http == by_command, (action.name, email, target, over_http, by_command)
            assert over_http in (200, 403, 404), (action.name, email, target, over_http)
            # Done is audited as the user, once per way of asking; refused is not recorded as done.
            if action.audit_action is not None:
                assert after_http - before == (over_http == 200), (action.name, email, target)
                assert after_cli - after_http == (by_command == 200), (action.name, email, target)
            answers[(email, target)] = over_http
            if target != org and org is not None:
                assert over_http != 200 or USERS[email][0] == "collaborative-admin", (email, target)
    # The gate is neither open nor shut: someone may, someone may not.
    assert 200 in answers.values() and set(answers.values()) - {200}, answers


def test_the_local_operator_acts_for_every_anchor_and_is_audited(estate: Web) -> None:
    for target in TARGETS:
        result = CliRunner().invoke(
            cli_app,
            [
                "assets",
                "decide",
                ASSET[target],
                "--org",
                target,
                "--decision",
                "investigate",
                "--workspace",
                str(estate.ws.root),
            ],
            env={AS_USER_ENV: None},
        )
        assert result.exit_code == 0, result.output
    with estate.ws.session() as s:
        mine = [
            e
            for e in audit.events(s, limit=50)
            if e.action == "asset-decision" and e.detail.get("decision") == "investigate"
        ]
    assert {e.org for e in mine} == set(TARGETS)
    assert all(e.actor.endswith("(command line)") for e in mine), [e.actor for e in mine]


def test_a_command_as_an_unknown_user_is_refused_in_words(estate: Web) -> None:
    result = CliRunner().invoke(
        cli_app,
        [
            "assets",
            "decide",
            ASSET["council"],
            "--org",
            "council",
            "--decision",
            "retain",
            "--workspace",
            str(estate.ws.root),
        ],
        env={AS_USER_ENV: "nobody@nowhere.org"},
    )
    assert result.exception is not None and AS_USER_ENV in str(result.exception)


def test_a_command_load_is_audited_as_its_user(estate: Web) -> None:
    email = "analyst@council.org"
    before = audited_as(estate, email, "upload")
    result = CliRunner().invoke(
        cli_app,
        [
            "spend",
            "ingest",
            _spend_file(estate, "audited"),
            "--org",
            "council",
            "--accept-warnings",
            "--workspace",
            str(estate.ws.root),
        ],
        env={AS_USER_ENV: email},
    )
    assert result.exit_code == 0, result.output
    assert audited_as(estate, email, "upload") == before + 1


def test_the_acv_list_by_command_is_kept_by_the_council_and_audited(estate: Web) -> None:
    def run(*args: str, as_user: str | None = None):
        return CliRunner().invoke(
            cli_app, [*args, "--workspace", str(estate.ws.root)], env={AS_USER_ENV: as_user}
        )

    refused = run(
        "assets",
        "acv-nominate",
        "The Crown",
        "--by",
        "Friends",
        "--on",
        "2024-03-01",
        as_user="analyst@trust.org",
    )
    assert status_for(refused.exception) == 403  # the list is the local authority's
    done = run(
        "assets",
        "acv-nominate",
        "The Crown",
        "--by",
        "Friends",
        "--on",
        "2024-03-01",
        as_user="analyst@council.org",
    )
    assert done.exit_code == 0, done.output
    acv_id = re.search(r"Nomination (\S+) recorded", done.output).group(1)
    listed = run("assets", "acv-decide", acv_id, "--on", "2024-04-01", "--listed")
    assert listed.exit_code == 0 and "listed" in listed.output, listed.output
    assert audited_as(estate, "analyst@council.org", "acv-nominate") == 1
    with estate.ws.session() as s:
        decided = [e for e in audit.events(s, limit=20) if e.action == "acv-decide"]
    assert (
        decided
        and decided[0].actor.endswith("(command line)")
        and decided[0].detail["acv_id"] == acv_id
    )


def test_users_added_by_command_are_audited_and_checked(estate: Web) -> None:
    def add(email: str, role: str, org: str | None, as_user: str | None = None):
        return CliRunner().invoke(
            cli_app,
            [
                "users",
                "add",
                email,
                "--role",
                role,
                *(["--org", org] if org else []),
                "--workspace",
                str(estate.ws.root),
            ],
            env={AS_USER_ENV: as_user},
        )

    made = add("new.analyst@council.org", "anchor-analyst", "council")
    assert made.exit_code == 0, made.output
    with estate.ws.session() as s:
        added = [e for e in audit.events(s, limit=20) if e.action == "user-added"]
    assert added and added[0].detail["email"] == "new.analyst@council.org"
    assert added[0].actor.endswith("(command line)")
    # As an anchor admin: their own anchor only, and never a collaborative admin.
    assert (
        status_for(add("x@trust.org", "viewer", "acute-trust", "admin@council.org").exception)
        == 403
    )
    assert (
        status_for(add("y@x.org", "collaborative-admin", None, "admin@council.org").exception)
        == 403
    )
    unknown = add("z@council.org", "chief", "council", "admin@council.org")
    assert (
        unknown.exit_code == 2 and "chief" in unknown.output
    )  # a usage error: the role is one of a list


def test_going_back_to_an_earlier_register_by_command_is_the_anchors_and_audited(
    estate: Web,
) -> None:
    with estate.ws.session() as s:
        later = s.scalars(
            select(Upload).where(
                Upload.org == "council", Upload.kind == "assets", Upload.replaces.is_not(None)
            )
        ).one()
    if later.status != "loaded":  # the actions' matrix may have restored the earlier one
        assert cli_answer(estate, "analyst@council.org", ["uploads", "restore", later.id]) == 200
    revert = ["uploads", "revert", later.id]
    assert (
        cli_answer(estate, "analyst@trust.org", revert) == 404
    )  # another anchor's: as if not there
    assert cli_answer(estate, "viewer@college.org", revert) == 404
    before = audited_as(estate, "admin@council.org", "restore-upload")
    assert cli_answer(estate, "admin@council.org", revert) == 200
    assert audited_as(estate, "admin@council.org", "restore-upload") == before + 1
    with estate.ws.session() as s:
        assert s.get(Upload, later.id).status == "replaced"
        assert s.get(Upload, later.replaces).status == "loaded"


def test_a_file_loaded_again_by_command_says_so_once(estate: Web) -> None:
    path = _spend_file(estate, "twice")
    args = ["spend", "ingest", path, "--org", "council", "--accept-warnings"]
    runs = [
        CliRunner().invoke(
            cli_app, [*args, "--workspace", str(estate.ws.root)], env={AS_USER_ENV: None}
        )
        for _ in range(2)
    ]
    assert all(r.exit_code == 0 for r in runs), [r.output for r in runs]
    assert "nothing added" not in runs[0].output
    assert runs[1].output.count("already loaded") == 1, runs[1].output
    assert runs[1].output.count("nothing added") == 1, runs[1].output
