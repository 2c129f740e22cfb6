"""Found walking the web workspace (issue 17): a filtered table with no rows says so in words and offers no
download of nothing; the public's community-need pages carry the public menu, as the opportunities pages do."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from tests.web_support import MARKERS, Web, signed_in


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_filter_that_matches_nothing_says_so_and_offers_no_empty_download(web: Web) -> None:
    c = signed_in(web, "analyst@council.org")
    pages = {
        "/anchors/council/transactions": ("payments", {"supplier": "Nobody Trades As This"}),
        "/suppliers": ("suppliers", {"q": "Nobody Trades As This"}),
    }
    for path, (noun, query) in pages.items():
        empty = c.get(path + "?" + urlencode(query))
        assert empty.status_code == 200
        words = _text(empty.text)
        assert f"No {noun} match these filters." in words, path
        assert "Download these" not in words, path
        # The same table with rows still offers its download and no "no rows" sentence.
        full = _text(c.get(path).text)
        assert re.search(rf"Download these [\d,]+ {noun}: CSV", full), path
        assert f"No {noun} match" not in full, path


def test_the_empty_sentence_names_nothing_from_the_query_or_another_anchor(web: Web) -> None:
    c = signed_in(web, "analyst@trust.org")
    r = c.get("/suppliers?" + urlencode({"q": MARKERS["council"]}))
    assert r.status_code == 200
    assert "No suppliers match these filters." in _text(r.text)
    body = r.text.split('<p class="empty-table">', 1)[1].split("</p>", 1)[0]
    assert MARKERS["council"] not in body


def test_the_community_need_pages_show_the_public_menu(web: Web) -> None:
    c = web.client()
    for path in ("/community/need", "/community/need/confirm/not-a-real-token"):
        r = c.get(path)
        assert r.status_code in (200, 404), path
        menu = re.search(r'<nav aria-label="Main" class="public">(.*?)</nav>', r.text, re.S)
        assert menu, path
        assert 'href="/opportunities"' in menu.group(1) and 'href="/login"' in menu.group(1), path
    # The same links as the opportunities pages' menu (nav.public_menu), so the public can move between them.
    links = re.compile(r'<nav aria-label="Main" class="public">.*?</nav>', re.S)
    hrefs = re.compile(r'href="([^"]+)"')
    need = links.search(c.get("/community/need").text)
    opportunities = links.search(c.get("/opportunities").text)
    assert need and opportunities
    assert hrefs.findall(need.group(0)) == hrefs.findall(opportunities.group(0))


def test_an_empty_directory_says_why_and_offers_no_empty_download(web: Web) -> None:
    c = signed_in(web, "analyst@council.org")
    for query, sentence in (
        ("", "No local supplier has registered yet."),
        (
            "?q=&category=&tier=",
            "No local supplier has registered yet.",
        ),  # the form sent with nothing chosen
        ("?q=Nobody+Trades+As+This", "No local suppliers match these filters."),
    ):
        r = c.get("/directory" + query)
        assert r.status_code == 200
        words = _text(r.text)
        assert "0 local suppliers" in words and sentence in words, query
        assert "Download these" not in words, query
