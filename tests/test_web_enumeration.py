"""Enumeration: for every route that takes an id, another anchor's existing id and an id that does not exist get
byte-identical answers (a 404, the same words), and each attempt is audited as refused. Supplier record ids are
random, not computable from the anchor and the supplier's name."""

from __future__ import annotations

import hashlib
import itertools
import re
import secrets
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.test_suppliers import _extra_sql
from tests.web_support import build_web, csrf_of, signed_in, wait_for_jobs

from anchorage.access import accounts
from anchorage.assets.community import propose_transfer
from anchorage.assets.spaces import add_need, add_space
from anchorage.assets.workflow import request_space
from anchorage.jobs import queue
from anchorage.reference.load import import_reference
from anchorage.store.accounts import AuditEvent, User
from anchorage.store.assets_records import Notification
from anchorage.store.records import Upload
from anchorage.store.workforce_records import BidStart, Pledge
from anchorage.suppliers import generate
from anchorage.suppliers.export import resolved_suppliers
from anchorage.suppliers.registers import import_register
from anchorage.suppliers.resolve import resolve
from anchorage.suppliers.review import decide, list_decisions
from anchorage.workforce.apprenticeships import (
    employers,
    load_apprentices,
    load_placements,
    load_programmes,
    solve_and_save,
)
from anchorage.workforce.bid_io import load_pledges, load_starts

PLEDGE = {
    "programme": "kickstart",
    "employer": "{e} Ltd",
    "company_number": "",
    "charity_number": "",
    "role": "Baker",
    "placements": "3",
    "hours_per_week": "25",
    "hourly_wage": "8.91",
    "duration_months": "6",
    "location": "Catford",
    "contact": "jobs mailbox",
    "pledged_on": "2021-05-04",
    "additionality": "Y",
}


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    """Every kind of object a URL or form names, for the council and for the trust."""
    root = tmp_path_factory.mktemp("enum")
    web = build_web(root)
    ws, d = web.ws, root / "files"
    d.mkdir()
    import_register(
        ws,
        "companies_house",
        generate.write_companies_house(root / "ch", 300, parts=1, extra_sql=_extra_sql()),
    )
    resolve(ws)
    trust_record = resolved_suppliers(ws).query("org == 'acute-trust'")["record_id"].iloc[0]
    decide(ws, "split", trust_record, decided_by="analyst@trust.org")
    load_programmes(
        ws,
        _write(
            d / "p.csv",
            "id,standard,level,duration_months,off_the_job_hours,start_date\n"
            "BA3,Business administrator,3,12,400,01/09/2025\n",
        ),
    )
    load_placements(
        ws,
        _write(
            d / "pl.csv",
            "id,anchor,department,skill,capacity\nC1,Council,Finance,finance,1\n"
            "C2,Council,Admin,admin,1\nT1,Acute Trust,Estates,estates,2\n",
        ),
    )
    load_apprentices(
        ws,
        _write(
            d / "a.csv",
            "id,programme,employer,start_date,preferences\n"
            "CA1,BA3,Council,01/09/2025,C1;T1\nTA1,BA3,Acute Trust,01/09/2025,T1;C1\n",
        ),
    )
    solve_and_save(ws, months=12, block_months=6, time_limit=10)
    for email, employer in (("analyst@trust.org", "Trust"), ("analyst@council.org", "Council")):
        c = signed_in(web, email)
        token = csrf_of(c.get("/workforce/bid/pledges").text)
        assert (
            c.post(
                "/workforce/bid/pledges",
                data={**PLEDGE, "employer": f"{employer} Bakery Ltd", "csrf_token": token},
            ).status_code
            == 200
        )
    with ws.session() as s:
        trust_pledge = s.scalar(select(Pledge.id).where(Pledge.org == "acute-trust"))
    t = signed_in(web, "analyst@trust.org")
    token = csrf_of(t.get("/workforce/bid/pledges").text)
    r = t.post(
        f"/workforce/bid/pledges/{trust_pledge}/starts",
        data={
            "participant": "KS-1",
            "start_date": "2021-06-01",
            "outcome": "in placement",
            "csrf_token": token,
        },
    )
    assert r.status_code in (200, 303), r.text
    import_reference(
        ws, [Path(__file__).resolve().parents[1] / "src/anchorage/demo/reference/nspl_SM.csv"]
    )
    load_pledges(
        ws,
        _write(
            d / "cp.csv",
            "employer,company_number,role,placements,hours_per_week,hourly_wage,"
            "duration_months,additionality,pledged_on\n"
            "Cafe Ltd,12345678,Barista,20,25,8.72,6,Y,01/12/2020\n",
        ),
    )
    load_starts(
        ws,
        _write(
            d / "cs.csv",
            "employer,role,participant,start_date,outcome\n"
            "Cafe Ltd,Barista,P1,01/03/2021,completed\n",
        ),
    )
    council_space = add_space(
        ws, "council", name="Council hall", postcode="SM1 1AA", capacity=40, hourly_cost="0"
    )
    trust_space = add_space(
        ws, "acute-trust", name="Trust room", postcode="SM1 1AA", capacity=30, hourly_cost="0"
    )
    need = add_need(
        ws,
        group_name="Lunch Club",
        contact_email="club@example.org",
        activity="Lunch",
        people="20",
        area="SM1 1AA",
    )
    trust_request = request_space(ws, need.id, trust_space.id)
    trust_transfer = propose_transfer(
        ws, "acute-trust", "ID:T1", recipient="Sutton Community Trust", terms="lease"
    )
    staged = t.post(
        "/upload",
        data={"csrf_token": csrf_of(t.get("/upload").text), "org": "acute-trust", "kind": "spend"},
        files={"file": ("t.csv", b"Supplier,Amount,Date\nA Ltd,10,01/04/2024\n", "text/csv")},
        follow_redirects=False,
    )
    with ws.session() as s:
        notification = s.scalar(
            select(Notification.id).where(Notification.recipient == "acute-trust")
        )
        start = s.scalar(select(BidStart.id).where(BidStart.pledge_id == trust_pledge))
        collab_start = s.scalar(select(BidStart.id).where(BidStart.participant_ref == "P1"))
        upload = s.scalar(select(Upload.id).where(Upload.org == "acute-trust"))
        trust_user = s.scalar(select(User.id).where(User.email == "analyst@trust.org"))
        accounts.new_api_token(s, s.get(User, trust_user), "Trust feed")
        s.commit()
        api_token = accounts.api_tokens(s, s.get(User, trust_user))[0].public_id
    job = queue.submit(
        ws, "report", requested_by="analyst@trust.org", org="acute-trust", params={"format": "html"}
    )
    wait_for_jobs(ws)
    web.ids = {  # type: ignore[attr-defined]
        "record": trust_record,
        "decision": next(x["id"] for x in list_decisions(ws) if x["record_id"] == trust_record),
        "pledge": trust_pledge,
        "start": start,
        "collab_start": collab_start,
        "space": trust_space.id,
        "request": trust_request.id,
        "notification": notification,
        "upload": upload,
        "token": staged.headers["location"].rsplit("/", 1)[1],
        "user": trust_user,
        "need": need.id,
        "transfer": trust_transfer.id,
        "api_token": api_token,
        "council_space": council_space.id,
        "job": job,
        "council_record": resolved_suppliers(ws).query("org == 'council'")["record_id"].iloc[0],
    }
    return web


def _routes(ids: dict, other: dict) -> list[tuple[str, str, dict[str, str]]]:
    """(method, path, form) for every route that names an object; `other` holds the ids to try."""
    return [
        ("POST", "/suppliers/review/decide", {"action": "split", "record_id": other["record"]}),
        (
            "POST",
            "/suppliers/review/decide",
            {
                "action": "merge",
                "record_id": ids["council_record"],
                "other_record_id": other["record"],
            },
        ),
        ("POST", f"/suppliers/review/decisions/{other['decision']}/undo", {}),
        ("POST", f"/workforce/bid/pledges/{other['pledge']}/withdraw", {}),
        (
            "POST",
            f"/workforce/bid/pledges/{other['pledge']}/starts",
            {"participant": "KS-9", "start_date": "2021-06-01", "outcome": "in placement"},
        ),
        ("POST", f"/workforce/bid/starts/{other['start']}/outcome", {"outcome": "completed"}),
        # a start in the collaborative's own list: its references are listed to the collaborative admin only
        (
            "POST",
            f"/workforce/bid/starts/{other['collab_start']}/outcome",
            {"outcome": "left early"},
        ),
        (
            "POST",
            "/spaces/requests",
            {"need_id": str(ids["need"]), "space_id": str(other["space"])},
        ),
        ("POST", f"/spaces/requests/{other['request']}", {"action": "offer", "note": ""}),
        ("POST", f"/notifications/{other['notification']}/read", {}),
        (
            "POST",
            "/assets/transfers",
            {"transfer_id": other["transfer"], "status": "expression-of-interest"},
        ),
        ("GET", f"/uploads/{other['upload']}", {}),
        ("GET", f"/uploads/{other['upload']}/quarantine.csv", {}),
        ("GET", f"/uploads/{other['upload']}/quarantine.xlsx", {}),
        ("GET", f"/uploads/{other['upload']}/fix.xlsx", {}),
        ("POST", f"/uploads/{other['upload']}/restore", {}),
        ("GET", f"/jobs/{other['job']}", {}),
        ("GET", f"/jobs/{other['job']}/download", {}),
        ("POST", f"/account/tokens/{other['api_token']}/revoke", {}),
        ("GET", f"/upload/{other['token']}", {}),
        ("POST", f"/upload/{other['token']}/load", {}),
    ]


ADMIN_ROUTES = [  # the council's admin (and the collaborative admin, for what it may not change)
    (
        "/workforce/apprenticeships/replan",
        lambda o: {"apprentice": o["apprentice"], "from_month": "2026-03"},
    ),
    (
        "/workforce/apprenticeships/replan",
        lambda o: {"placement": o["placement"], "from_month": "2026-03"},
    ),
    ("/admin/users/{user}/role", lambda o: {"role": "viewer"}),
    ("/admin/users/{user}/reset", lambda o: {}),
    ("/admin/users/{user}/tokens/{api_token}/revoke", lambda o: {}),
]


def _missing(ids: dict) -> dict:
    return {
        **{
            k: secrets.token_hex(10)
            for k in (
                "decision",
                "pledge",
                "start",
                "collab_start",
                "space",
                "request",
                "notification",
                "user",
                "transfer",
            )
        },
        "record": secrets.token_hex(12),
        "upload": secrets.token_hex(8),
        "token": secrets.token_urlsafe(24),
        "job": secrets.token_hex(16),
        "api_token": secrets.token_urlsafe(12),
        "apprentice": "XA" + secrets.token_hex(3),
        "placement": "XP" + secrets.token_hex(3),
    }


def _refused(ws, actor: str) -> int:
    with ws.session() as s:
        return len(
            s.scalars(
                select(AuditEvent).where(AuditEvent.actor == actor, AuditEvent.action == "refused")
            ).all()
        )


def _send(c, method: str, path: str, form: dict[str, str], token: str):
    if method == "GET":
        return c.get(path)
    return c.post(path, data={**form, "csrf_token": token}, follow_redirects=False)


@pytest.mark.parametrize("email", ["analyst@council.org", "admin@council.org"])
def test_another_anchors_id_and_a_random_id_get_the_same_answer(estate, email):
    ids, c = estate.ids, signed_in(estate, email)
    token = csrf_of(c.get("/account").text)
    before = _refused(estate.ws, email)
    routes_other, routes_missing = _routes(ids, ids), _routes(ids, _missing(ids))
    for (method, path, form), (_, missing_path, missing_form) in zip(
        routes_other, routes_missing, strict=True
    ):
        a = _send(c, method, path, form, token)
        b = _send(c, method, missing_path, missing_form, token)
        assert a.status_code == 404, (path, a.status_code, a.text[:400])
        assert (a.status_code, a.content) == (b.status_code, b.content), path
        assert (
            str(ids["record"]) not in a.text
            and "acute-trust" not in a.text
            and "Trust" not in a.text
        )
    assert _refused(estate.ws, email) - before == 2 * len(routes_other)
    # Nothing of the trust's changed.
    assert any(x["id"] == ids["decision"] for x in list_decisions(estate.ws))
    with estate.ws.session() as s:
        assert (
            s.get(Pledge, ids["pledge"]) is not None
            and s.get(BidStart, ids["start"]).outcome == "in placement"
        )


@pytest.mark.parametrize("email", ["admin@council.org", "collab@x.org"])
def test_admin_powers_are_the_permission_tables_and_refusals_match(estate, email):
    """Finding 8: neither another anchor's admin nor the collaborative admin withdraws an apprentice or a
    placement; a reference that exists and one that does not get the same answer."""
    ids, c = estate.ids, signed_in(estate, email)
    token = csrf_of(c.get("/workforce/apprenticeships").text)
    other = {
        "apprentice": "TA1",
        "placement": "T1",
        "user": ids["user"],
        "api_token": ids["api_token"],
    }
    missing = _missing(ids)
    routes = (
        ADMIN_ROUTES if email != "collab@x.org" else ADMIN_ROUTES[:2]
    )  # the collaborative admin may manage users
    for path, form in routes:
        a = c.post(path.format(**other), data={**form(other), "csrf_token": token})
        b = c.post(path.format(**missing), data={**form(missing), "csrf_token": token})
        assert a.status_code == 404, (email, path, a.status_code, a.text[:300])
        assert (a.status_code, a.content) == (b.status_code, b.content), (email, path)
    if (
        email != "collab@x.org"
    ):  # another anchor's user's tokens are not listed to this admin either
        a, b = (
            c.get(f"/admin/users/{other['user']}/tokens"),
            c.get(f"/admin/users/{missing['user']}/tokens"),
        )
        assert a.status_code == 404 and (a.status_code, a.content) == (b.status_code, b.content)
    assert employers(estate.ws, active_only=True).get("TA1") == "acute-trust"  # still there
    with estate.ws.session() as s:
        assert s.get(User, ids["user"]).role == "anchor-analyst"


def test_the_collaborative_admin_cannot_withdraw_the_councils_own_apprentice(estate):
    c = signed_in(estate, "collab@x.org")
    token = csrf_of(c.get("/workforce/apprenticeships").text)
    r = c.post(
        "/workforce/apprenticeships/replan",
        data={"apprentice": "CA1", "from_month": "2026-03", "csrf_token": token},
    )
    assert r.status_code == 404 and employers(estate.ws, active_only=True).get("CA1") == "council"
    page = c.get("/workforce/apprenticeships").text
    assert 'name="apprentice"' not in page  # the button follows the same table


# Path parameters that do not name an anchor's object, and why each is safe to leave as it is.
NOT_AN_ANCHORS_OBJECT = {
    "org": "an anchor's slug: anchors are public, and each page shows only what its viewer may see",
    "fmt": "a file format",
    "action": "what to do to the Assets of Community Value list, which the council alone keeps",
    "token": "a one-time secret link (invitation, confirmation, survey); staged uploads are probed above",
    "opp_id": "a collaborative opportunity: every viewer sees each one, with what is not shared withheld",
}


class _Placeholder(dict):
    def __missing__(self, key: str) -> str:
        return "{}"


def _paths_naming_objects(app) -> set[tuple[str, str]]:
    """(method, a pattern its paths match) for every route with a path parameter that names an object."""
    out = set()
    for r in app.routes:  # included routers are wrapped: read their own route lists
        for route in getattr(getattr(r, "original_router", None), "routes", [r]):
            params = set(re.findall(r"\{(\w+)", getattr(route, "path", "")))
            if params - set(NOT_AN_ANCHORS_OBJECT):
                pattern = "[^/]+".join(re.escape(part) for part in re.split(r"\{\w+\}", route.path))
                out |= {(m, pattern) for m in route.methods or () if m != "HEAD"}
    return out


def test_every_route_whose_path_names_an_object_is_probed(estate):
    """A new route that takes an id fails here until it is added to the probes above."""
    any_id = _Placeholder()
    probed = {(m, p) for m, p, _ in _routes(any_id, any_id)} | {
        ("POST", p.format_map(any_id)) for p, _ in ADMIN_ROUTES
    }
    probed.add(("GET", "/admin/users/{}/tokens"))
    needed = _paths_naming_objects(estate.app)
    missing = {
        (m, p) for m, p in needed if not any(m == pm and re.fullmatch(p, pp) for pm, pp in probed)
    }
    assert len(needed) >= 12 and not missing, missing


def test_ids_are_random_not_sequential(estate):
    """Every object a URL or form names has a random id: nothing to count, nothing to guess from a neighbour."""
    ids = estate.ids
    for kind in (
        "decision",
        "pledge",
        "start",
        "collab_start",
        "space",
        "request",
        "notification",
        "user",
        "need",
        "transfer",
    ):
        assert re.fullmatch(r"[0-9a-f]{20}", str(ids[kind])), (kind, ids[kind])
    made = [
        add_need(
            estate.ws,
            group_name=f"Club {n}",
            contact_email="club@example.org",
            activity="Lunch",
            people="5",
            area="SM1 1AA",
        ).id
        for n in range(12)
    ]
    assert len(set(made)) == 12
    assert made != sorted(made) and made != sorted(made, reverse=True)  # 1 chance in 12!/2 by luck
    assert not any(abs(int(a, 16) - int(b, 16)) < 10**6 for a, b in itertools.pairwise(made))
    with estate.ws.session() as s:
        users = s.scalars(select(User.id)).all()
    assert all(re.fullmatch(r"[0-9a-f]{20}", u) for u in users) and len(users) >= 6


def test_supplier_record_ids_are_random_not_derived_from_names(estate):
    df = resolved_suppliers(estate.ws)
    assert len(df) > 5
    for org, name, rid in df[["org", "supplier_name_norm", "record_id"]].itertuples(index=False):
        assert rid != hashlib.md5(f"{org}|{name}".encode()).hexdigest()[:12]
        assert re.fullmatch(r"[0-9a-f]{24}", rid)
    assert df["record_id"].is_unique
    before = dict(zip(df["record_id"], df["supplier_name_norm"], strict=True))
    resolve(estate.ws)  # ids are stable across resolution runs (decisions follow them)
    after = resolved_suppliers(estate.ws)
    assert dict(zip(after["record_id"], after["supplier_name_norm"], strict=True)) == before
    assert not any(
        str(s).removeprefix("S-")
        in {
            hashlib.md5(f"{o}|{n}".encode()).hexdigest()[:12]
            for o, n in zip(df["org"], df["supplier_name_norm"], strict=True)
        }
        for s in after["supplier_id"]
    )


def test_migration_rekeys_decisions_made_under_name_derived_ids(workspace):
    """Records migration 0011 gives old decisions random ids; the record takes that id when next listed, and the
    warehouse rows written under the old id follow it."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from anchorage.store import records
    from anchorage.suppliers import record_keys

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(records.__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", workspace.records_url)
    command.downgrade(cfg, "0010_api_token_ids")
    legacy = hashlib.md5(b"council|ACME SUPPLIES").hexdigest()[:12]
    engine = records.make_engine(workspace.records_url)
    with engine.begin() as con:
        con.execute(
            text(
                "INSERT INTO supplier_decisions (action, record_id, decided_by, active, created_at) "
                "VALUES ('split', :r, 'a@b.org', 1, CURRENT_TIMESTAMP)"
            ),
            {"r": legacy},
        )
    command.upgrade(cfg, "head")
    with engine.begin() as con:
        new = con.execute(text("SELECT record_id FROM supplier_decisions")).scalar_one()
    assert new != legacy and re.fullmatch(r"[0-9a-f]{24}", new)
    with workspace.warehouse() as wh:
        wh.execute(
            "INSERT INTO supplier_profile (org, supplier_name_norm) VALUES ('council', 'ACME SUPPLIES'), "
            "('council', 'OTHER LTD')"
        )
        wh.execute(
            "INSERT INTO supplier_resolution (org, supplier_name_norm, record_id, supplier_id) "
            "VALUES ('council', 'ACME SUPPLIES', ?, ?)",
            [legacy, f"S-{legacy}"],
        )
        assert record_keys.sync(workspace, wh) == 2
        assert wh.execute("SELECT record_id, supplier_id FROM supplier_resolution").fetchone() == (
            new,
            record_keys.cluster_id(record_keys.cluster_key(workspace), new),
        )
        keys = dict(
            wh.execute("SELECT supplier_name_norm, record_id FROM supplier_record_keys").fetchall()
        )
        assert keys["ACME SUPPLIES"] == new and keys["OTHER LTD"] != new
        assert record_keys.sync(workspace, wh) == 0  # nothing new: ids stay
    command.downgrade(
        cfg, "0010_api_token_ids"
    )  # and back: the decision names its record the old way again
    with engine.begin() as con:
        assert con.execute(text("SELECT record_id FROM supplier_decisions")).scalar_one() == legacy
    command.upgrade(cfg, "head")
