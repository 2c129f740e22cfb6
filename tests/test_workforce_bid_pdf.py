"""The bid pack's PDF: it opens, has the summary, the pledges over as many pages as they need, and the
suppressed starts and outcomes."""

from __future__ import annotations

import io

from pypdf import PdfReader
from tests.test_workflow import cli, ok
from tests.test_workforce_cli import setup, write


def pledges_csv(n: int) -> str:
    rows = [
        "programme,employer,company_number,charity_number,role,placements,hours_per_week,hourly_wage,"
        "duration_months,additionality,pledged_on"
    ]
    rows += [
        f"kickstart,Employer {i} Ltd,{10000000 + i},,Role {i},2,25,8.72,6,Y,01/12/2020"
        for i in range(n - 1)
    ]
    rows.append(
        "kickstart,Shop $ Ltd,,,Assistant,5,20,8.72,6,N,01/12/2020"
    )  # fails three rules; '$' is not maths
    return "\n".join(rows) + "\n"


def test_bid_pack_pdf_has_the_expected_pages(tmp_path):
    ws = setup(tmp_path)
    ok(cli("bid", "load-pledges", write(tmp_path / "pl.csv", pledges_csv(30)), env_ws=ws))
    starts = "employer,role,participant,start_date,outcome\n" + "".join(
        f"Employer 0 Ltd,Role 0,P{i},01/03/2021,{'completed' if i < 6 else 'moved into work'}\n"
        for i in range(8)
    )
    ok(cli("bid", "load-starts", write(tmp_path / "st.csv", starts), env_ws=ws))
    r = ok(
        cli("bid", "build", "--programme", "kickstart", "--out", str(tmp_path / "pack"), env_ws=ws)
    )
    assert "bid-pack.pdf" in r.stdout
    reader = PdfReader(io.BytesIO((tmp_path / "pack" / "bid-pack.pdf").read_bytes()))
    pages = [p.extract_text() for p in reader.pages]
    # Summary, 30 pledges at 22 a page (2 pages), starts and outcomes.
    assert len(pages) == 4
    assert (
        "Kickstart Scheme (DWP): collective bid" in pages[0]
        and "58 eligible placements" in pages[0]
    )
    assert "Pledges (1 of 2)" in pages[1] and "Pledges (2 of 2)" in pages[2]
    assert "Shop $ Ltd" in pages[2] and "no additionality declaration" in pages[2]
    assert "Employer 0 Ltd" in pages[1]
    assert "Starts and outcomes" in pages[3]
    # 6 completed and 2 moved into work: the 2 is below 5, so it and what would reveal it are hidden.
    assert "Employer 0 Ltd * * 8" in pages[3] and "moved into" in pages[3]
    assert reader.metadata.title == "Kickstart Scheme (DWP): collective bid"
