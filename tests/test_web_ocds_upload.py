"""A file of contract notices uploaded on the web: the preview lists the buyers it names and where each one's
notices would go; the uploader confirms their own (or not an anchor); other anchors' notices are set aside
and their rows never change; the reconciliation shows the split."""

from __future__ import annotations

import re
from pathlib import Path

from tests.ocds_support import write_area_file
from tests.web_support import build_web, csrf_of, job_outcome, signed_in

BUYERS = [
    ("c", "GB-X-1", "Council", ("GB-X", "1")),
    ("cp", "GB-X-9", "Council Procurement Team", ("GB-X", "9")),  # the council under another name
    ("t", "GB-X-2", "Acute Trust", ("GB-X", "2")),
]


def _rows(web, table: str, org: str) -> list[tuple[object, ...]]:
    with web.ws.warehouse(read_only=True) as con:
        return con.execute(f"SELECT * FROM {table} WHERE org = ? ORDER BY ALL", [org]).fetchall()


def test_notices_upload_previews_buyers_and_loads_what_the_uploader_confirmed(
    tmp_path: Path, shared_data: Path, monkeypatch
):
    monkeypatch.delenv("ANCHORAGE_RECORDS_URL", raising=False)
    web = build_web(tmp_path)
    path = write_area_file(shared_data, tmp_path / "notices.json", buyers=BUYERS)
    trust_before = {
        t: _rows(web, t, "acute-trust") for t in ("contracts", "ocds_releases", "quarantine")
    }
    c = signed_in(web, "analyst@council.org")
    form = c.get("/upload").text
    r = c.post(
        "/upload",
        data={"csrf_token": csrf_of(form), "org": "council", "kind": "contracts"},
        files={"file": ("notices.json", path.read_bytes(), "application/json")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    preview = c.get(r.headers["location"]).text
    table = re.sub(r"\s+", " ", preview[preview.index('id="buyers"') :])
    assert "Council Procurement Team" in table and "the area&#39;s public notices" in table
    assert "quarantined: Acute Trust&#39;s, not this file&#39;s" in table
    names = [re.sub(r"<.*?>", "", m) for m in re.findall(r"<tr><td>(.*?)</td>", table)]
    pick = {f"buyer_{i}": "anchor" for i, n in enumerate(names) if n == "Council Procurement Team"}
    assert pick, names
    load_url = re.search(r'action="(/upload/[^"]+/load)"', preview).group(1)
    done = job_outcome(
        web,
        c,
        c.post(load_url, data={"csrf_token": csrf_of(preview), **pick}, follow_redirects=False),
    )
    assert done.status_code == 200 and "Finished" in done.text, done.text
    split = re.sub(r"\s+", " ", done.text[done.text.index('id="split"') :]).replace("> <", "><")
    # The council's 6 + the confirmed 6 + the release with no buyer (their file); Barnet's 6 are public.
    assert 'Council</th><td class="num">13' in split
    assert 'public notices (buyers that are not anchors)</th><td class="num">6' in split
    assert 'set aside)</th><td class="num">6' in split
    with web.ws.warehouse(read_only=True) as con:
        assert con.execute(
            "SELECT count(*) FROM contracts WHERE org = 'council' AND source = 'ocds'"
        ).fetchone() == (3,)
    assert {t: _rows(web, t, "acute-trust") for t in trust_before} == trust_before
    # JSON is accepted for contract notices only.
    form = c.get("/upload").text
    r = c.post(
        "/upload",
        data={"csrf_token": csrf_of(form), "org": "council", "kind": "spend"},
        files={"file": ("notices.json", path.read_bytes(), "application/json")},
        follow_redirects=False,
    )
    assert r.status_code == 400 and "is not a file type we load" in r.text
