"""Finding 5: a reader given every published figure of a workforce family (each table, grouping, page, list and
export they can get, plus what they know already from their own lists) cannot pin any suppressed count to one
value. The attacker is CP-SAT: for each hidden figure it finds one value that fits everything shown, then asks
for a different one; a family passes only if a second value always exists."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from pathlib import Path

import openpyxl
import pytest
from ortools.sat.python import cp_model
from sqlalchemy import select
from tests.test_web_workforce import COUNCIL_STAFF, TRUST_STAFF
from tests.web_support import USERS, build_web, csrf_of, signed_in

from anchorage.ingest.staff import ingest_staff
from anchorage.store.workforce_records import BidStart, HEEngagement, Pledge
from anchorage.workforce import apprenticeships as appr
from anchorage.workforce.bid_io import load_pledges, load_starts
from anchorage.workforce.he_partners import load_engagements
from anchorage.workforce.profile import INDICATORS, TABLES

NAMES = {"council": "Council", "acute-trust": "Acute Trust", "college": "College"}
PLEDGE = {
    "programme": "kickstart",
    "company_number": "",
    "charity_number": "",
    "role": "Baker",
    "placements": "6",
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
def fam(tmp_path_factory):
    root = tmp_path_factory.mktemp("family")
    web = build_web(root)
    ws, d = web.ws, root / "wf"
    d.mkdir()
    ingest_staff(ws, _write(d / "c.csv", COUNCIL_STAFF), "Council", as_at=dt.date(2025, 11, 1))
    ingest_staff(ws, _write(d / "t.csv", TRUST_STAFF), "Acute Trust", as_at=dt.date(2025, 11, 1))
    appr.load_programmes(
        ws,
        _write(
            d / "p.csv",
            "id,standard,level,duration_months,off_the_job_hours,start_date\n"
            "BA3,Business administrator,3,12,400,01/09/2025\n",
        ),
    )
    appr.load_placements(
        ws,
        _write(
            d / "pl.csv",
            "id,anchor,department,skill,capacity\n"
            "C1,Council,Finance,finance,2\nC2,Council,Admin,admin,2\n"
            "T1,Acute Trust,Estates,estates,3\nK1,College,Library,admin,2\n",
        ),
    )
    appr.load_apprentices(
        ws,
        _write(
            d / "a.csv",
            "id,programme,employer,start_date,preferences\n"
            + "".join(
                f"{e}{i},BA3,{name},01/09/2025,{prefs}\n"
                for e, name, prefs, n in (
                    ("CA", "Council", "C1;T1;K1", 3),
                    ("TA", "Acute Trust", "T1;C2", 2),
                    ("KA", "College", "K1;C1", 1),
                )
                for i in range(n)
            ),
        ),
    )
    appr.solve_and_save(ws, months=12, block_months=6, time_limit=10)
    load_engagements(
        ws,
        _write(
            d / "he.csv",
            "anchor,partner,partner_type,kind,title,start_date,outcome,people\n"
            "Council,Goldsmiths,university,placements,Interns,01/06/2024,completed,3\n"
            "Council,Goldsmiths,university,research,Housing,01/09/2024,ongoing,12\n"
            "Council,Lewisham College,college,civic,Fair,01/09/2024,ongoing,9\n"
            "Acute Trust,Lewisham College,college,curriculum,T-levels,01/09/2024,ongoing,20\n"
            "Acute Trust,Goldsmiths,university,placements,Nurses,01/09/2024,completed,2\n"
            "College,Goldsmiths,university,recruitment,Open day,01/09/2024,completed,3\n",
        ),
    )
    load_pledges(
        ws,
        _write(
            d / "pledges.csv",
            "employer,company_number,role,placements,hours_per_week,hourly_wage,"
            "duration_months,additionality,pledged_on\n"
            "Cafe Ltd,12345678,Barista,20,25,8.72,6,Y,01/12/2020\n",
        ),
    )
    load_starts(
        ws,
        _write(
            d / "starts.csv",
            "employer,role,participant,start_date,outcome\n"
            + "".join(
                f"Cafe Ltd,Barista,P{i},01/03/2021,{'completed' if i < 7 else 'moved into work'}\n"
                for i in range(9)
            ),
        ),
    )
    for email, employer, outcomes in (
        ("analyst@council.org", "Council Bakery Ltd", ["completed", "in placement"]),
        ("analyst@trust.org", "Trust Bakery Ltd", ["completed"] * 3),
    ):
        c = signed_in(web, email)
        token = csrf_of(c.get("/workforce/bid/pledges").text)
        assert (
            c.post(
                "/workforce/bid/pledges", data={**PLEDGE, "employer": employer, "csrf_token": token}
            ).status_code
            == 200
        )
        with ws.session() as s:
            pid = s.scalar(select(Pledge.id).where(Pledge.employer == employer))
        for i, outcome in enumerate(outcomes):
            r = c.post(
                f"/workforce/bid/pledges/{pid}/starts",
                data={
                    "participant": f"KS-{employer[:2]}{i}",
                    "start_date": "2021-06-01",
                    "outcome": outcome,
                    "csrf_token": token,
                },
                follow_redirects=False,
            )
            assert r.status_code == 303, r.text
    return web


class Attack:
    """Unknown non-negative integer atoms, the published figures as constraints, the reader's knowledge fixed."""

    def __init__(self, atoms: list, bound: int) -> None:
        self.atoms, self.bound = atoms, bound
        self.shown: list[tuple[list, int]] = []
        self.hidden: list[tuple[str, list]] = []
        self.known: dict = {}
        self.extra: list = []  # (lhs atoms, rhs atoms): sum(lhs) <= sum(rhs), structural facts

    def _model(self) -> tuple[cp_model.CpModel, dict]:
        m = cp_model.CpModel()
        x = {a: m.NewIntVar(0, self.bound, str(a)) for a in self.atoms}
        for a, v in self.known.items():
            m.Add(x[a] == v)
        for atoms, value in self.shown:
            m.Add(sum(x[a] for a in atoms) == value)
        for lhs, rhs in self.extra:
            m.Add(sum(x[a] for a in lhs) <= sum(x[a] for a in rhs))
        return m, x

    def pinned(self) -> list[str]:
        out = []
        for name, atoms in self.hidden:
            m, x = self._model()
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = 1
            assert solver.Solve(m) in (cp_model.OPTIMAL, cp_model.FEASIBLE), (
                "the published figures contradict"
            )
            first = sum(solver.Value(x[a]) for a in atoms)
            m2, x2 = self._model()
            m2.Add(sum(x2[a] for a in atoms) != first)
            if cp_model.CpSolver().Solve(m2) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                out.append(name)
        return out


def _add(attack: Attack, name: str, atoms: list, value) -> None:
    if value is None:
        attack.hidden.append((name, atoms))
    else:
        attack.shown.append((atoms, int(value)))


def _viewer_org(email: str) -> str | None:
    return USERS[email][1]


@pytest.mark.parametrize(
    "email", ["viewer@college.org", "analyst@trust.org", "analyst@council.org", "collab@x.org"]
)
def test_bid_starts_cannot_be_pinned(fam, email):
    c = signed_in(fam, email)
    org = _viewer_org(email)
    with fam.ws.session() as s:
        pledges = {p.id: p for p in s.scalars(select(Pledge))}
        starts = list(s.scalars(select(BidStart)))
    api = c.get("/api/v1/workforce/bid").json()["starts_and_outcomes"]
    pack = openpyxl.load_workbook(
        io.BytesIO(c.get("/workforce/bid/pack.xlsx").content), read_only=True
    )
    sheet = [list(r) for r in pack["Starts and outcomes"].iter_rows(values_only=True)]
    assert [[r.get(k) for k in sheet[0]] for r in api] == [
        [None if v is None else v for v in row] for row in sheet[1:]
    ]
    # The list of starts (references) is only the viewer's own.
    page = c.get("/workforce/bid/pledges").text
    own = {
        p for p, pl in pledges.items() if (org and pl.org == org) or (pl.org == "" and org is None)
    }
    for st in starts:
        assert (f"<td>{st.participant_ref}</td>" in page) == (st.pledge_id in own), (
            email,
            st.participant_ref,
        )
    outcomes = [k for k in api[0] if k not in ("employer", "total")]
    atoms = [(p, o) for p in pledges for o in outcomes]
    attack = Attack(atoms, bound=len(starts) * 2)
    attack.known = {
        (p, o): sum(1 for st in starts if st.pledge_id == p and st.outcome == o)
        for p in own
        for o in outcomes
    }

    def rows_of(label: str) -> list[int]:
        if label == "all employers":
            return list(pledges)
        if label.startswith("pledged through "):
            anchor = next(
                k for k, v in NAMES.items() if v == label.removeprefix("pledged through ")
            )
            return [p for p, pl in pledges.items() if pl.org == anchor]
        return [p for p, pl in pledges.items() if pl.employer == label and (pl.org in ("", org))]

    for row in api:
        ids = rows_of(row["employer"])
        for col in [*outcomes, "total"]:
            cols = outcomes if col == "total" else [col]
            _add(attack, f"{row['employer']}/{col}", [(p, o) for p in ids for o in cols], row[col])
    hidden = [h for h, _ in attack.hidden]
    assert hidden, "the fixture has small counts: something must be hidden"
    assert attack.pinned() == [], (email, hidden)


def test_he_people_cannot_be_pinned_across_groupings(fam):
    c = signed_in(fam, "viewer@college.org")
    with fam.ws.session() as s:
        rows = list(s.scalars(select(HEEngagement)))
    atoms = sorted({(r.org, r.partner, r.outcome) for r in rows})
    attack = Attack(atoms, bound=sum(r.people for r in rows) * 2)
    for g, by in enumerate(("anchor", "partner", "outcome")):
        for row in c.get(f"/api/v1/workforce/he?by={by}").json()["rows"]:
            key = {"anchor": next((k for k, v in NAMES.items() if row[by] in (k, v)), row[by])}.get(
                by, row[by]
            )
            _add(attack, f"{by}={row[by]}", [a for a in atoms if a[g] == key], row["people"])
        page = c.get(f"/workforce/he?by={by}")
        assert page.status_code == 200
    assert attack.hidden, "the fixture has small counts: something must be hidden"
    assert attack.pinned() == []


def test_profile_cannot_be_pinned(fam):
    rows = signed_in(fam, "viewer@college.org").get("/api/v1/workforce/profile").json()["rows"]
    orgs = sorted({r["org"] for r in rows} - {"collaborative"})
    atoms = [(t, o, c) for t, (_, cols) in TABLES.items() for o in orgs for c in cols]
    attack = Attack(atoms, bound=10_000)
    # Every table of a population adds up to the same headcount per anchor; new hires are some of the staff.
    by_pop: dict[str, list[str]] = {}
    for t, (pop, _) in TABLES.items():
        by_pop.setdefault(pop, []).append(t)
    for tables in by_pop.values():
        for o in orgs:
            for t1, t2 in itertools.pairwise(tables):
                a1 = [a for a in atoms if a[0] == t1 and a[1] == o]
                a2 = [a for a in atoms if a[0] == t2 and a[1] == o]
                attack.extra += [(a1, a2), (a2, a1)]
    for o in orgs:
        for nh, st in (
            ("nh_decile1", "decile1"),
            ("nh_decile2", "decile2"),
            ("nh_decile_other", "decile_other"),
        ):
            attack.extra.append(([("new_hire_deprivation", o, nh)], [("deprivation", o, st)]))
    for r in rows:
        table, summed, _ = INDICATORS[r["indicator"]]
        cols = TABLES[table][1]
        who = orgs if r["org"] == "collaborative" else [r["org"]]
        _add(
            attack,
            f"{r['org']}/{r['indicator']}",
            [(table, o, cols[i]) for o in who for i in summed],
            r["count"],
        )
        _add(
            attack,
            f"{r['org']}/{table}/headcount",
            [(table, o, col) for o in who for col in cols],
            r["headcount"],
        )
    assert attack.hidden, "the fixture has small counts: something must be hidden"
    assert attack.pinned() == []


@pytest.mark.parametrize("email", ["viewer@college.org", "admin@council.org", "admin@trust.org"])
def test_apprentices_hosted_cannot_be_pinned(fam, email):
    """The levy-funded apprenticeships: hosted counts by anchor and month, given the reader's own calendars."""
    org = _viewer_org(email)
    c = signed_in(fam, email)
    hosted = c.get("/api/v1/workforce/apprenticeships").json()["hosted"]
    employer = appr.employers(fam.ws)
    blocks = appr.plan_blocks(fam.ws)
    truth: dict[tuple, int] = {}
    for b in blocks:
        m = b.start_month
        while m <= b.end_month:
            key = (employer[b.apprentice_id], b.org, f"{m:%b %Y}")
            truth[key] = truth.get(key, 0) + 1
            m = dt.date(m.year + m.month // 12, m.month % 12 + 1, 1)
    months = [k for k in hosted[0] if k not in ("host anchor", "total")]
    atoms = [(e, h, m) for e in NAMES for h in NAMES for m in months]
    attack = Attack(atoms, bound=len(employer) * 2)
    attack.known = {a: truth.get(a, 0) for a in atoms if org in (a[0], a[1])}  # its own calendars
    for row in hosted:
        host = next((k for k, v in NAMES.items() if v == row["host anchor"]), None)
        for col in [*months, "total"]:
            cols = months if col == "total" else [col]
            _add(
                attack,
                f"{row['host anchor']}/{col}",
                [a for a in atoms if (host is None or a[1] == host) and a[2] in cols],
                row[col],
            )
    assert attack.hidden, "the fixture has small counts: something must be hidden"
    assert attack.pinned() == [], email
