"""A job named by the first characters of its id: only the jobs the viewer may see count, in the query itself, so
another anchor's jobs neither hide theirs nor make their prefix ambiguous, and are never revealed."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from anchorage.access import accounts
from anchorage.access.gate import Viewer, local_operator
from anchorage.access.jobs_views import may_see, visible
from anchorage.cli.main import app as cli_app
from anchorage.jobs import queue
from anchorage.services import jobs as jobs_service
from anchorage.services.common import AS_USER_ENV
from anchorage.store.jobs_records import Job
from anchorage.workspace import Workspace

COUNCIL = Viewer("u1", "analyst@council.org", "anchor-analyst", "council", frozenset({"council"}))
TRUST = Viewer(
    "u2", "analyst@trust.org", "anchor-analyst", "acute-trust", frozenset({"acute-trust"})
)
COLLAB = Viewer("u3", "collab@x.org", "collaborative-admin", None, frozenset())
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _job(ws: Workspace, job_id: str, kind: str, org: str | None, by: str, n: int) -> str:
    """A job queued as any is, then given a chosen id (to share a prefix) and time (to order them)."""
    queued = queue.submit(ws, kind, requested_by=by, org=org)
    with ws.session() as s:
        s.execute(
            update(Job)
            .where(Job.id == queued)
            .values(id=job_id, created_at=START + dt.timedelta(minutes=n))
        )
        s.commit()
    return job_id


@pytest.fixture
def three(workspace: Workspace) -> tuple[Workspace, list[str]]:
    """Three jobs sharing the prefix abc: the first two (the oldest) the trust's, the last the council's."""
    assert {a.slug for a in workspace.config.anchors} == {"council", "acute-trust"}
    ids = [
        _job(workspace, "abc0" + "0" * 28, "load", "acute-trust", TRUST.email, 1),
        _job(workspace, "abc1" + "0" * 28, "load", "acute-trust", TRUST.email, 2),
        _job(workspace, "abc2" + "0" * 28, "load", "council", COUNCIL.email, 3),
    ]
    return workspace, ids


def test_a_job_behind_two_of_another_anchors_is_found(three: tuple[Workspace, list[str]]) -> None:
    ws, ids = three
    for start in ("a", "abc", "ABC2", ids[2]):
        assert [j.id for j in jobs_service.find(ws, COUNCIL, start)] == [ids[2]]
    assert jobs_service.find(ws, COUNCIL, "abc0") == []  # the trust's job: as if there were none


def test_a_prefix_is_ambiguous_only_among_the_jobs_one_may_see(
    three: tuple[Workspace, list[str]],
) -> None:
    ws, ids = three
    assert [j.id for j in jobs_service.find(ws, TRUST, "abc")] == ids[:2]
    assert [j.id for j in jobs_service.find(ws, TRUST, "abc1")] == [ids[1]]
    assert len(jobs_service.find(ws, COLLAB, "abc")) == 2  # two of three: enough to say "ambiguous"


def test_the_command_line_names_the_one_job_or_asks_for_more_of_the_id(
    three: tuple[Workspace, list[str]],
) -> None:
    ws, ids = three
    with ws.session() as s:
        for v in (COUNCIL, TRUST):
            accounts.create_user(s, v.email, role=v.role, org=v.org)
        s.commit()

    def show(email: str, start: str) -> tuple[int, str]:
        result = CliRunner().invoke(
            cli_app,
            ["jobs", "show", start, "--json", "--workspace", str(ws.root)],
            env={AS_USER_ENV: email},
        )
        text = result.output + (str(result.exception) if result.exception else "")
        return result.exit_code, text

    code, out = show(COUNCIL.email, "abc")
    assert code == 0 and ids[2] in out and ids[0] not in out and ids[1] not in out
    code, out = show(TRUST.email, "abc")
    assert code != 0 and "More than one job" in out and "Give more of the id" in out
    assert ids[0] not in out and ids[1] not in out and ids[2] not in out
    code, out = show(COUNCIL.email, "abc1")
    assert code != 0 and 'No job has an id beginning "abc1"' in out and ids[1] not in out


def test_the_lists_newest_jobs_are_those_one_may_see(workspace: Workspace) -> None:
    """Another's private reports of the same anchor, newer than a job one may see, take no place in the list."""
    mine = _job(workspace, "f" * 32, "refresh", "council", "admin@council.org", 1)
    for n in range(3):
        _job(workspace, f"e{n}" + "0" * 30, "report", "council", "admin@council.org", 2 + n)
    assert [j.id for j in jobs_service.listing(workspace, COUNCIL, limit=1)] == [mine]


def test_the_querys_condition_is_exactly_who_may_see_a_job(workspace: Workspace) -> None:
    kinds, orgs = ("load", "report"), (None, "council", "acute-trust")
    viewers = [
        COUNCIL,
        TRUST,
        COLLAB,
        local_operator(workspace),
        Viewer("u4", "viewer@council.org", "viewer", "council", frozenset({"council"})),
        Viewer("u5", "nobody@x.org", "viewer", None, frozenset()),
    ]
    for n, (kind, org, by) in enumerate(
        itertools.product(kinds, orgs, [v.email for v in viewers] + ["other@x.org"])
    ):
        _job(workspace, f"{n:032x}", kind, org, by, n)
    every = queue.listing(workspace, orgs=None, limit=1000)
    assert len(every) == 2 * 3 * 7
    for v in viewers:
        by_query = queue.listing(workspace, orgs=None, limit=1000, visible=visible(v))
        assert {j.id for j in by_query} == {j.id for j in every if may_see(v, j)}, v.email
