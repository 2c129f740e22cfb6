"""Web error pages give advice in plain words: never a command line (`anchorage …`, `--mapping FILE`), which is
the command line's advice for the same error (core/errors.AnchorageError.fix and .web_fix)."""

from __future__ import annotations

import html
import re

import pytest
from tests.web_support import build_web, csrf_of, job_outcome, signed_in, upload

COMMAND = re.compile(r"\banchorage [a-z]|(?<![\w-])--[a-z]")


def visible(page: str) -> str:
    """The text a person reads (no markup, scripts or styles)."""
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    return build_web(tmp_path_factory.mktemp("advice"))


def test_no_web_error_page_shows_a_command_line(web):
    c = signed_in(web, "analyst@council.org")
    admin = signed_in(web, "collab@x.org")
    pages = {}
    # An anchor that is not there (the command line says: anchorage org add …).
    pages["unknown anchor"] = admin.get("/dashboard/no-such-anchor")
    # An upload id that is not there (the command line says: copy it from `anchorage uploads list`).
    token = csrf_of(admin.get("/uploads").text)
    pages["restore"] = admin.post("/uploads/0123456789abcdef/restore", data={"csrf_token": token})
    pages["404"] = c.get("/no/such/page")
    # A file the sanity checks warn about, loaded without ticking "Load it anyway" (the command line says: pass
    # --accept-warnings); its dates fit both orders, and the council's earlier files' order is followed.
    r = upload(
        c, "ambiguous.csv", b"Supplier,Amount,Date\nA Ltd,10.00,01/02/2023\nB Ltd,5.00,03/04/2023\n"
    )
    preview = c.get(r.headers["location"])
    pages["preview"] = preview
    load = re.search(r'action="(/upload/[^"]+/load)"', preview.text).group(1)
    chosen = {"map_supplier_name": "Supplier", "map_amount": "Amount", "map_payment_date": "Date"}
    pages["load"] = c.post(
        load, data={"csrf_token": csrf_of(preview.text), **chosen}, follow_redirects=False
    )
    if pages["load"].status_code == 303:
        pages["load"] = job_outcome(web, c, pages["load"])
    # A file with no column naming payment dates: an aggregate (the command line says: pass --mapping FILE).
    r = upload(c, "totals.csv", b"Supplier,Total\nA Ltd,1000.00\nB Ltd,250.50\n")
    pages["aggregate"] = c.get(r.headers["location"]) if r.status_code == 303 else r
    for what, page in pages.items():
        text = visible(page.text)
        assert page.status_code in (200, 400, 404), (what, page.status_code)
        assert not COMMAND.search(text), (what, COMMAND.search(text), text[:2000])
    # The errors were really met, and each says what to do in plain words.
    assert pages["unknown anchor"].status_code == 404
    assert "the collaborative admin can add" in visible(pages["unknown anchor"].text)
    # The council's earlier files give the date order; its June 2023 is loaded already, so the load's job fails
    # with a warning whose command-line advice is --accept-warnings.
    assert 'tick "Load it anyway"' in visible(pages["load"].text)
