"""Simultaneous uploads by different anchors: each upload holds exactly its own file's payments (issue 15).

Before the fix, two loads in flight at once both took `max(upload_no) + 1` and each upload then showed the
other's payments as its own.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

from tests.web_support import Web, csrf_of, signed_in, wait_for_jobs

from anchorage.store import spend_store, warehouse

PAIRS = 10


def _file(org: str, n: int, rows: int = 40) -> bytes:
    lines = ["Supplier,Amount,Date,Transaction Number"]
    lines += [
        f"{org} Supplier {n}-{i} Ltd,{100 + i}.00,0{1 + i % 9}/06/2023,{org[:3].upper()}-{n}-{i}"
        for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def _upload_and_load(web: Web, email: str, org: str, n: int, barrier: threading.Barrier) -> str:
    c = signed_in(web, email)
    token = csrf_of(c.get("/upload").text)
    barrier.wait(timeout=60)  # both anchors of a pair send at the same instant
    r = c.post(
        "/upload",
        data={"csrf_token": token, "org": org, "kind": "spend"},
        files={"file": (f"{org}-{n}.csv", _file(org, n), "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    preview = c.get(r.headers["location"])
    load_url = re.search(r'action="(/upload/[^"]+/load)"', preview.text)
    assert load_url, preview.text
    chosen = {
        name: m.group(1)
        for name, body in re.findall(
            r'<select[^>]*name="(map_[a-z_]+)"[^>]*>(.*?)</select>', preview.text, re.S
        )
        if (m := re.search(r'<option value="([^"]*)" selected', body))
    }
    assert {"map_supplier_name", "map_amount", "map_payment_date", "map_transaction_id"} <= set(
        chosen
    ), chosen
    # Each anchor's uploads cover the same June: the overlap check warns, and the user goes on.
    r = c.post(
        load_url.group(1),
        data={"csrf_token": csrf_of(preview.text), **chosen, "accept_warnings": "yes"},
        follow_redirects=True,
    )
    assert r.status_code == 200, r.text
    return f"{org}-{n}.csv"


def test_simultaneous_uploads_of_two_anchors_are_never_merged(web: Web) -> None:
    for n in range(PAIRS):
        barrier = threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            a = pool.submit(_upload_and_load, web, "analyst@council.org", "council", n, barrier)
            b = pool.submit(_upload_and_load, web, "analyst@trust.org", "acute-trust", n, barrier)
            a.result(timeout=120), b.result(timeout=120)
    wait_for_jobs(web.ws)  # each load is a job
    with web.ws.warehouse(read_only=True) as con:  # the server owns the file: read through it
        rows = con.execute("""
            SELECT org, count(*), count(DISTINCT transaction_id),
                   bool_and(starts_with(transaction_id, upper(left(org, 3)) || '-'))
            FROM spend WHERE supplier_name LIKE '% Supplier %-% Ltd'
            GROUP BY ALL
        """).fetchall()
        numbers = con.execute(
            "SELECT count(*), count(DISTINCT upload_no) FROM spend_uploads"
        ).fetchone()
        per_upload = con.execute("""
            SELECT upload_id, count(*), count(DISTINCT split_part(transaction_id, '-', 2))
            FROM spend WHERE supplier_name LIKE '% Supplier %-% Ltd' GROUP BY 1
        """).fetchall()
    assert numbers is not None and numbers[0] == numbers[1], "two uploads share a number"
    assert len(rows) == 2
    for org, n, distinct, own in rows:
        assert own, f"{org}'s upload holds another anchor's payments"
        assert n == distinct == PAIRS * 40, (org, n, distinct)
    assert len(per_upload) == 2 * PAIRS
    for upload_id, n, files in per_upload:
        assert (n, files) == (40, 1), f"upload {upload_id} holds {n} payments from {files} files"


def test_upload_numbers_are_unique_under_concurrent_transactions(tmp_path) -> None:
    """The store itself: many transactions open at once each get their own number."""
    con = warehouse.connect(tmp_path / "w.duckdb")
    threads = 8
    barrier = threading.Barrier(threads)

    def take(i: int) -> int:
        cur = con.cursor()
        cur.begin()
        barrier.wait(timeout=30)
        n = spend_store.next_upload_no(cur, f"u{i}", "org")
        barrier.wait(timeout=30)
        cur.commit()
        return n

    with ThreadPoolExecutor(threads) as pool:
        got = list(pool.map(take, range(threads)))
    assert len(set(got)) == threads
    con.close()
