"""Every GET route of the app (pages and downloads as well as the API), as every role and signed out, with hostile
path and query values: overflowing and negative numbers, unicode, SQL and markup. No answer is a 5xx and no body
shows a server path or a traceback. Routes and their query parameters are read from the app, so a new page is
fuzzed without being listed here. Bounded: rounds over every route, each as another role, for 30 s."""

from __future__ import annotations

import itertools
import re
import time
from urllib.parse import quote

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from tests.web_support import USERS, Web, build_web, signed_in

BUDGET_S = 30.0
HOSTILE = [
    "99999999999999999999999999",
    "-1",
    "0",
    "1e309",
    "NaN",
    "-9223372036854775809",
    "ünïcødé ✓ 𝔘 ٣",
    "' OR '1'='1' --",
    '"; DROP TABLE users; --',
    "<script>alert(1)</script>",
    "\x00",
    "A" * 5000,
    "../../../../etc/passwd",
    "",
    "[]",
    "{{7*7}}",
    "%s%s%n",
    "2024-13-45",
    "£1,000.00",
]
# Real values for path parameters, tried first: a page that works must keep working under hostile queries.
REAL = {"org": ["council", "acute-trust", "college"], "fmt": ["csv", "xlsx", "html", "json", "ics"]}
LEAKS = re.compile(r"Traceback|File \"|site-packages|/tmp/|/work/|/home/|/root/|\bPID\b")


def _params(d: Dependant, kind: str) -> set[str]:
    """The names of `kind` ("path_params" or "query_params") a route reads, its dependencies' included."""
    return {p.alias or p.name for p in getattr(d, kind)} | {
        n for sub in d.dependencies for n in _params(sub, kind)
    }


@pytest.fixture(scope="module")
def fuzz_web(tmp_path_factory: pytest.TempPathFactory) -> Web:
    return build_web(tmp_path_factory.mktemp("pages_fuzz"))


def get_routes(web: Web) -> list[tuple[str, list[str], list[str]]]:
    """(path, its path parameters, its query parameters) for every GET route, those of dependencies included."""
    out = []
    for r in web.app.routes:  # type: ignore[attr-defined]  # included routers are wrapped: read their own lists
        for route in getattr(getattr(r, "original_router", None), "routes", [r]):
            if not isinstance(route, APIRoute) or "GET" not in route.methods:
                continue
            out.append(
                (
                    route.path,
                    sorted(_params(route.dependant, "path_params")),
                    sorted(_params(route.dependant, "query_params")),
                )
            )
    return sorted(out)


def _url(path: str, path_params: list[str], query: list[str], n: int) -> str:
    values = {
        p: (REAL.get(p, []) + HOSTILE)[n % len(REAL.get(p, []) + HOSTILE)] or "x"
        for p in path_params
    }
    url = path.format(**{p: quote(v, safe="") for p, v in values.items()})
    if query:
        url += "?" + "&".join(
            f"{q}={quote(HOSTILE[(n + i) % len(HOSTILE)], safe='')}" for i, q in enumerate(query)
        )
    return url


@pytest.fixture(scope="module")
def by_role(fuzz_web: Web) -> dict[str, TestClient]:
    return {"signed out": fuzz_web.client()} | {
        email: signed_in(fuzz_web, email) for email in USERS
    }


def test_every_get_route_survives_hostile_values_as_every_role(
    fuzz_web: Web, by_role: dict[str, TestClient]
) -> None:
    routes = get_routes(fuzz_web)
    pages = [r for r in routes if not r[0].startswith("/api/")]
    assert len(pages) >= 50 and any(q for _, _, q in pages), "the app lists fewer pages than it has"
    clients = list(by_role.items())
    root = str(fuzz_web.root)
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    started = time.monotonic()
    # Round n sends route i as role (i + n): the first round reaches every route, later ones every role.
    for n in itertools.count():
        if n > 0 and (
            time.monotonic() - started > BUDGET_S or len(seen) == len(routes) * len(clients)
        ):
            break
        for i, (path, path_params, query) in enumerate(routes):
            if n > 0 and time.monotonic() - started > BUDGET_S:  # the first round always completes
                break
            who, client = clients[(i + n) % len(clients)]
            url = _url(path, path_params, query, n + i)
            r = client.get(url, follow_redirects=False)
            seen.add((path, who))
            kind = r.headers.get("content-type", "")
            body = r.text if "text" in kind or "json" in kind else ""
            if r.status_code >= 500:
                problems.append(f"{who} {url[:200]}: {r.status_code} {body[:300]}")
            elif root in body or LEAKS.search(body):
                problems.append(f"{who} {url[:200]}: shows {(LEAKS.search(body) or root)!s:.80}")
        if problems:
            break
    assert not problems, "\n".join(problems[:20])
    assert {p for p, _ in seen} == {p for p, _, _ in routes}  # every route
    assert {w for _, w in seen} == {w for w, _ in clients}  # as every role
    assert (
        time.monotonic() - started < BUDGET_S + 10 or n == 1
    )  # the budget, or the first round if longer
    assert (
        by_role["analyst@council.org"].get("/dashboard").status_code == 200
    )  # the server still answers
