"""No page a non-admin sees shows a command line, a docs/ citation, an ONS code without its name, a register
key, a role or upload-kind code, a hash-like string or a solver term (analysts' detail sits in an Advanced
disclosure, which is left out here)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from sqlalchemy import select
from tests.fixtures import POSTCODES
from tests.web_support import Web, build_web, signed_in

from anchorage.access import accounts
from anchorage.store.accounts import User

PAGES = [
    "/dashboard",
    "/dashboard/council",
    "/dashboard/college",
    "/benchmark",
    "/suppliers",
    "/suppliers/resolved",
    "/suppliers/review",
    "/suppliers/review/all",
    "/anchors/council/transactions",
    "/pipeline",
    "/pipeline/opportunities",
    "/directory",
    "/socialvalue",
    "/socialvalue/framework",
    "/socialvalue/record",
    "/lm3",
    "/workforce",
    "/workforce/apprenticeships",
    "/workforce/levy",
    "/workforce/bid",
    "/workforce/he",
    "/assets",
    "/assets/review",
    "/assets/acv",
    "/spaces",
    "/upload",
    "/uploads",
    "/reports",
    "/account",
    "/no-such-page",
    "/supplier?name=LOCAL+CATERERS",
    "/anchors/council/transactions?ward=E05013720&tier=local",
    "/suppliers?ward=E05013720&counted=yes",
]
PUBLIC = ["/opportunities", "/opportunities/register", "/community/need", "/login", "/no-such-page"]
FORBIDDEN = {
    "command line": re.compile(r"\banchorage [a-z]+"),
    "docs citation": re.compile(r"\bdocs/\w+\.md"),
    "ONS code": re.compile(r"\b[EWSN]0[0-9]{7}\b"),
    "register key": re.compile(r"\b(companies_house|charity_commission):"),
    "role code": re.compile(r"\b(anchor-analyst|anchor-admin|collaborative-admin)\b"),
    "upload kind code": re.compile(r"\bsv_(delivery|commitments)\b"),
    "hash": re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{12,}\b"),
    "solver term": re.compile(r"Solver|Objective \(|\bGap\b"),
}
WARD_NAMES = {
    "E05013720": "Rushey Green",
    "E05000001": "Blackheath Westcombe",
    "E05000002": "Holborn",
    "E05000003": "Harrogate Central",
}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    web = build_web(tmp_path_factory.mktemp("plain"))
    with web.ws.warehouse() as con:  # the wards' names, as the ONS names file loads them
        for _, _, lad, ward, *_ in POSTCODES:
            con.execute(
                "INSERT INTO areas (code, name, kind, parent) VALUES (?, ?, 'ward', ?)",
                [ward, WARD_NAMES[ward], lad],
            )
    yield web


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<details class="advanced">.*?</details>', " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def offences(html: str) -> list[str]:
    text = visible_text(html)
    return [
        f"{what}: {m.group(0)!r}"
        for what, pattern in FORBIDDEN.items()
        for m in pattern.finditer(text)
    ]


def invitation(web: Web) -> str:
    """A new invitation link's token: an anchor admin invites an analyst."""
    with web.ws.session() as s:
        admin = s.scalar(select(User).where(User.email == "admin@council.org"))
        token = accounts.invite(
            s, admin, "newcomer@council.org", role="anchor-analyst", org="council"
        )
        s.commit()
    return token


LINK = re.compile(r'href="(/[^"#]*)"')
NOT_A_PAGE = re.compile(
    r"\.(csv|xlsx|pdf|geojson|json|css|png|svg)(\?|$)|^/(reports/report|static|api|logout)"
)
CRAWL_LIMIT = 250


def crawl(client, start: list[str]) -> dict[str, str]:
    """Every page reachable by links from `start` (one of each path and set of URL parameters, so sorting and
    paging variants are not walked one by one): {url: html}."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo, pages = list(start), {}
    while todo and len(pages) < CRAWL_LIMIT:
        url = todo.pop(0)
        parts = urlsplit(url)
        shape = (parts.path, frozenset(k for k, _ in parse_qsl(parts.query)))
        if shape in seen or NOT_A_PAGE.search(parts.path):
            continue
        seen.add(shape)
        r = client.get(url)
        assert r.status_code < 500, url
        if not r.headers.get("content-type", "").startswith("text/html"):
            continue
        pages[url] = r.text
        todo += [urljoin(url, href.replace("&amp;", "&")) for href in LINK.findall(r.text)]
    return pages


@pytest.mark.parametrize("email", ["analyst@council.org", "viewer@college.org", None])
def test_every_page_a_link_leads_to_speaks_plain_words(web: Web, email: str | None):
    """Beyond the listed pages: every page their links lead to (a supplier's page, filtered payments, a job...),
    as each user who is not an admin would follow them."""
    client = signed_in(web, email) if email else web.client()
    start = (
        PAGES if email else [*PUBLIC, f"/invite/{invitation(web)}"]
    )  # the page an invited person opens
    pages = crawl(client, start)
    assert len(pages) > len(start)  # the links led somewhere new
    found = {url: bad[:3] for url, html in pages.items() if (bad := offences(html))}
    assert found == {}


@pytest.mark.parametrize("email", ["analyst@council.org", "viewer@college.org", None])
def test_pages_speak_plain_words(web: Web, email: str | None):
    client = signed_in(web, email) if email else web.client()
    found = {}
    for path in PAGES if email else PUBLIC:
        r = client.get(path)
        assert r.status_code < 500, path
        if bad := offences(r.text):
            found[path] = bad[:3]
    assert found == {}


def test_error_pages_give_no_command_line_advice(web: Web):
    """An unknown anchor in the address: the error says so in words; the command that adds one is not for a
    web user (it was "Add it with: anchorage org add ...")."""
    r = signed_in(web, "analyst@council.org").get("/dashboard/no-such-anchor")
    assert r.status_code == 404 and "no-such-anchor" in r.text
    assert offences(r.text) == []


def test_ward_names_replace_codes_on_the_dashboard(web: Web):
    text = visible_text(signed_in(web, "analyst@council.org").get("/dashboard").text)
    assert "Rushey Green" in text and "E05013720" not in text


def test_the_checker_catches_what_it_should():
    page = (
        "<p>Run <code>anchorage suppliers resolve</code>, see docs/methodology.md. Ward E05013720, "
        "companies_house:05275332, anchor-analyst, sv_delivery, 3f2a9c81d0e4b7aa, Solver's bound</p>"
        '<details class="advanced"><summary>Advanced</summary>E05000001</details>'
    )
    assert {o.split(":")[0] for o in offences(page)} == set(FORBIDDEN)
    assert "E05000001" not in " ".join(offences(page))


def test_the_public_find_their_forms_from_the_sign_in_page(web: Web):
    """Suppliers and community groups reach their pages from where everyone lands (/ sends them to sign in)."""
    client = web.client()
    page = client.get("/", follow_redirects=True).text
    for path in ("/opportunities", "/opportunities/register", "/community/need"):
        assert f'href="{path}"' in page, path
        assert client.get(path).status_code == 200, path


def test_a_refusal_names_the_anchor_not_its_slug(web: Web):
    c = signed_in(web, "viewer@college.org")  # the council shares nothing with the college
    name = web.ws.config.anchor("council").name
    for url in ("/anchors/council/transactions", "/api/v1/anchors/council/transactions"):
        r = c.get(url)
        assert r.status_code == 403, url
        assert f"You cannot see {name}" in r.text.replace("&#39;", "'"), url
        assert "council's" not in r.text.replace("&#39;", "'"), url


def test_the_api_refuses_a_parameter_it_does_not_take(web: Web):
    """A filter the pages offer (?year=, ?category=) is not silently ignored by the API: it says what it takes."""
    c = signed_in(web, "analyst@council.org")
    r = c.get("/api/v1/suppliers?category=Catering&year=2024-25&q=ltd")
    assert r.status_code == 400
    body = r.json()
    assert body["ok"] is False
    assert "category, year" in str(body) and "It takes limit, offset, q." in str(body)
    assert c.get("/api/v1/suppliers?q=ltd&limit=5").status_code == 200
    assert c.get("/api/v1/dashboard?year=2024-25").status_code == 400
