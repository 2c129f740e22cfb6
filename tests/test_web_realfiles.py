"""The web preview shows the inferred columns with samples, the date order, and each sanity warning."""

from __future__ import annotations

import datetime as dt
import html
import re

from sqlalchemy import select
from tests.test_web_uploads import upload
from tests.web_support import build_web, csrf_of, job_outcome, signed_in

from anchorage.store.records import Upload

MONTH_FIRST = "Supplier,Amount,Date\nA Ltd,10,1/12/2022\nB Ltd,20,7/31/2022\n"
OTHER_BODY = "Body Name,Supplier,Amount,Date\nLeeds City Council,A Ltd,10,15/05/2011\n"


def _load_url(text: str) -> str:
    return re.search(r'action="(/upload/[^"]+/load)"', text).group(1)


def test_preview_shows_month_first_dates_samples_and_loads_them(tmp_path):
    web = build_web(tmp_path)
    c = signed_in(web, "analyst@council.org")
    preview = c.get(upload(c, "us.csv", MONTH_FIRST.encode()).headers["location"])
    assert preview.status_code == 200
    text = re.sub(r"\s+", " ", preview.text)
    assert "Dates will be read month first (MM/DD/YYYY)" in text
    assert "e.g. 1/12/2022, 7/31/2022" in text and "% sure" in text
    r = job_outcome(
        web,
        c,
        c.post(
            _load_url(preview.text),
            data={
                "csrf_token": csrf_of(preview.text),
                "map_supplier_name": "Supplier",
                "map_amount": "Amount",
                "map_payment_date": "Date",
            },
            follow_redirects=False,
        ),
    )
    assert r.status_code == 200 and "Finished" in r.text, r.text


def test_another_bodys_file_warns_on_the_preview_and_loads_only_when_ticked(tmp_path):
    web = build_web(tmp_path)
    c = signed_in(web, "analyst@council.org")
    preview = c.get(upload(c, "leeds.csv", OTHER_BODY.encode()).headers["location"])
    assert 'names "Leeds City Council", not "Council"' in html.unescape(preview.text)
    assert 'name="accept_warnings"' in preview.text
    form = {
        "csrf_token": csrf_of(preview.text),
        "map_supplier_name": "Supplier",
        "map_amount": "Amount",
        "map_payment_date": "Date",
    }
    refused = job_outcome(
        web, c, c.post(_load_url(preview.text), data=form, follow_redirects=False)
    )
    assert (
        "Stopped with a problem" in refused.text
    )  # the job stops and sends the user back to the preview
    assert "Leeds City Council" in refused.text and "years or more away" in refused.text
    assert (
        "Go back to the file&#39;s preview" in refused.text
        or "Go back to the file's preview" in refused.text
    )
    assert "/tmp" not in refused.text and "Traceback" not in refused.text
    ok = job_outcome(
        web,
        c,
        c.post(
            _load_url(preview.text), data={**form, "accept_warnings": "yes"}, follow_redirects=False
        ),
    )
    assert ok.status_code == 200 and 'id="reconciliation"' in ok.text


def test_ambiguous_dates_are_asked_on_the_preview(tmp_path):
    web = build_web(tmp_path)
    c = signed_in(web, "analyst@council.org")
    # The council's earlier files are day-first, so a file that cannot tell follows them...
    preview = c.get(
        upload(c, "amb.csv", b"Supplier,Amount,Date\nA Ltd,10,01/02/2023\n").headers["location"]
    )
    assert (
        "fits both day-first and month-first" in preview.text
        and 'name="date_order"' in preview.text
    )
    form = {
        "csrf_token": csrf_of(preview.text),
        "map_supplier_name": "Supplier",
        "map_amount": "Amount",
        "map_payment_date": "Date",
    }
    r = job_outcome(
        web,
        c,
        c.post(_load_url(preview.text), data={**form, "date_order": "mdy"}, follow_redirects=False),
    )
    assert r.status_code == 200 and "Finished" in r.text, r.text


def test_every_check_is_on_the_preview_before_any_load_is_tried(tmp_path):
    web = build_web(tmp_path)
    c = signed_in(web, "analyst@council.org")
    # The council has loaded 2023 (fixtures): May payments again overlap it; one is dated in the future;
    # the total line disagrees with the payments.
    soon = dt.date.today() + dt.timedelta(days=20)
    text = (
        "Supplier,Amount,Date\nLocal Caterers Ltd,1000,01/05/2023\nMystery Co,600,02/05/2023\n"
        f"Future Ltd,50,{soon:%d/%m/%Y}\nTotal,9999,\n"
    )
    preview = c.get(upload(c, "again.csv", text.encode()).headers["location"])
    page = html.unescape(re.sub(r"\s+", " ", preview.text))
    with (
        web.ws.warehouse() as con
    ):  # what the council already has in the file's period, computed here
        n, amount = con.execute(
            "SELECT count(*), sum(amount) FROM spend WHERE org = 'council' "
            "AND payment_date BETWEEN DATE '2023-05-01' AND ?",
            [soon],
        ).fetchone()
    assert f"overlaps {n:,} payments (£{amount:,.2f}) already loaded" in page
    assert f"1 payments are dated in the future (the latest is {soon:%d/%m/%Y})" in page
    assert (
        "the file's total line says £9,999.00 but the payments loaded add up to £1,650.00" in page
    )
    assert 'name="accept_warnings"' in preview.text
    with web.ws.session() as s:  # the checks loaded nothing and left no upload behind
        assert [u.filename for u in s.scalars(select(Upload)).all()].count("again.csv") == 0
    with web.ws.warehouse() as con:
        n_council = con.execute("SELECT count(*) FROM spend WHERE org = 'council'").fetchone()[0]
    form = {
        "csrf_token": csrf_of(preview.text),
        "map_supplier_name": "Supplier",
        "map_amount": "Amount",
        "map_payment_date": "Date",
    }
    refused = job_outcome(
        web, c, c.post(_load_url(preview.text), data=form, follow_redirects=False)
    )
    assert "Stopped with a problem" in refused.text
    ok = job_outcome(
        web,
        c,
        c.post(
            _load_url(preview.text), data={**form, "accept_warnings": "yes"}, follow_redirects=False
        ),
    )
    assert ok.status_code == 200
    done = html.unescape(re.sub(r"\s+", " ", ok.text))
    # The reconciliation page: the file's dates and what the load changed.
    assert f"The payments loaded are dated 01/05/2023 to {soon:%d/%m/%Y}." in done
    assert 'id="headline-change"' in done
    assert "Loaded with these checks noted" in done and "1 payments are dated in the future" in done
    before, after, change = map(
        int,
        re.search(
            r'Payments</th><td class="num">(\d+)</td><td class="num">(\d+)</td>'
            r'<td class="num">(-?\d+)</td>',
            done,
        ).groups(),
    )
    assert (before, after, change) == (n_council, n_council + 3, 3)
    assert re.search(
        r'Spend \(£\)</th><td class="num">[^<]+</td><td class="num">[^<]+</td><td class="num">£1,650</td>',
        done,
    )


def test_the_preview_check_of_a_clean_new_period_warns_of_nothing(tmp_path):
    c = signed_in(build_web(tmp_path), "analyst@council.org")
    preview = c.get(
        upload(
            c, "june24.csv", b"Supplier,Amount,Date\nA Ltd,10,03/06/2024\nB Ltd,20,28/06/2024\n"
        ).headers["location"]
    )
    assert 'id="checks"' not in preview.text and 'name="accept_warnings"' not in preview.text
