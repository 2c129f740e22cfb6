"""Notices in plain language, and every feed parsed back: RSS 2.0 and Atom with ElementTree, iCalendar with a
strict RFC 5545 reader written here, CSV with the csv module. Untrusted text must come back unchanged
(escaped on the way out, never interpreted)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from anchorage.opportunities import feeds, ical
from anchorage.opportunities.notices import Notice, filter_notices, value_band

NOW = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)
EVIL = 'Hot meals; "school" <script>alert(1)</script> & co, \\ back\nline'
ATOM = "{http://www.w3.org/2005/Atom}"


def notices() -> list[Notice]:
    return [
        Notice(
            "K1",
            EVIL,
            "Council & Partners",
            "council",
            "Catering",
            "planning",
            Decimal(250_000),
            description="Lunches for 30 schools",
            expected_tender=dt.date(2026, 3, 2),
            contract_start=dt.date(2026, 9, 1),
            link="https://www.find-tender.service.gov.uk/Notice/1",
        ),
        Notice(
            "K2",
            "Café cleaning – ünïcødé " + "long words " * 12,
            "Trust",
            "acute-trust",
            "Cleaning",
            "tender",
            Decimal(2_500_000),
            deadline=dt.date(2026, 2, 10),
            contract_start=dt.date(2026, 4, 1),
            link="javascript:alert(1)",
        ),
        Notice(
            "K3",
            "Grounds",
            "College",
            "college",
            "Grounds maintenance",
            "reprocurement",
            None,
            expected_tender=dt.date(2026, 6, 1),
            contract_start=dt.date(2026, 12, 1),
        ),
    ]


def test_value_bands_and_plain_words():
    assert [
        value_band(v) for v in (None, 29_999.99, 30_000, 499_999, 500_000, 9_999_999, 10_000_000)
    ] == [
        "value not yet known",
        "under £30k",
        "£30k to £100k",
        "£100k to £500k",
        "£500k to £2m",
        "£2m to £10m",
        "over £10m",
    ]
    n1, n2, n3 = notices()
    assert n1.summary.startswith("Council & Partners plans to buy Hot meals")
    assert (
        "(£100k to £500k). Tender expected 2 March 2026; contract starts 1 September 2026."
        in n1.summary
    )
    assert (
        n2.summary.startswith("Trust is buying")
        and "Deadline for bids 10 February 2026" in n2.summary
    )
    assert (
        n1.small_firm_lots == ["the whole contract"]
        and n2.small_firm_lots == []
        and n3.small_firm_lots == []
    )
    assert (
        "Suitable for small firms" in n1.how_to_take_part and "Bids are open" in n2.how_to_take_part
    )
    assert [d.label for d in n3.key_dates] == ["Tender expected (estimate)", "Contract starts"]
    lots = Notice(
        "K4",
        "Big",
        "Council",
        "council",
        "Catering",
        "tender",
        Decimal(3_000_000),
        lots=[("Lot 1: north", Decimal(200_000)), ("Lot 2: hospital", Decimal(2_800_000))],
    )
    assert lots.small_firm_lots == ["Lot 1: north"]
    assert (
        n1.uid == notices()[0].uid and len({n.uid for n in notices()}) == 3
    )  # stable and distinct
    assert [n.key for n in filter_notices(notices(), category="Cleaning")] == ["K2"]
    assert [n.key for n in filter_notices(notices())] == [
        "K2",
        "K1",
        "K3",
    ]  # soonest key date first
    assert [n.key for n in filter_notices(notices(), org="college")] == ["K3"]


def test_rss_parses_back_with_every_text_intact():
    body = feeds.rss(notices(), title="Opportunities <&>", base_url="http://example.org/", now=NOW)
    assert b"<script>" not in body  # escaped in the bytes, whatever a reader does
    channel = ET.fromstring(body).find("channel")
    assert channel is not None and channel.findtext("title") == "Opportunities <&>"
    items = channel.findall("item")
    assert len(items) == 3
    assert items[0].findtext("title") == f"{EVIL} (Council & Partners)"
    assert items[0].findtext("link") == "https://www.find-tender.service.gov.uk/Notice/1"
    assert (
        items[1].findtext("link").startswith("http://example.org/opportunities#n-")
    )  # no javascript: links
    guid = items[0].find("guid")
    assert (
        guid is not None
        and guid.get("isPermaLink") == "false"
        and guid.text == f"urn:uuid:{notices()[0].uid}"
    )
    assert items[0].findtext("pubDate") == "Mon, 05 Jan 2026 09:30:00 +0000"


def test_atom_parses_back_and_has_what_rfc4287_requires():
    body = feeds.atom(
        notices(), title="Opps", base_url="http://example.org", now=NOW, feed_id="urn:x"
    )
    feed = ET.fromstring(body)
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{tag}") is not None, tag
    entries = feed.findall(f"{ATOM}entry")
    assert entries[0].findtext(f"{ATOM}title") == f"{EVIL} (Council & Partners)"
    for e in entries:
        assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", e.findtext(f"{ATOM}id") or "")
        assert dt.datetime.fromisoformat(e.findtext(f"{ATOM}updated") or "").tzinfo is not None
        assert e.find(f"{ATOM}link").get("href").startswith("http")
    assert "<script>alert(1)</script>" in (entries[0].findtext(f"{ATOM}summary") or "")


def test_control_characters_cannot_break_the_xml():
    bad = Notice(
        "K9",
        "Bell\x07 and \x00 null",
        "Council",
        "council",
        "Other",
        "planning",
        expected_tender=dt.date(2026, 5, 1),
    )
    for body in (
        feeds.rss([bad], title="t", base_url="http://x", now=NOW),
        feeds.atom([bad], title="t", base_url="http://x", now=NOW, feed_id="urn:x"),
    ):
        assert "Bell and  null" in ET.tostring(ET.fromstring(body), encoding="unicode")


def unfold(text: str) -> list[str]:
    """A strict RFC 5545 reader of content lines: CRLF only, every physical line at most 75 octets."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")  # no bare LF or CR
    physical = text[:-2].split("\r\n")
    for line in physical:
        assert len(line.encode("utf-8")) <= 75, line
    logical: list[str] = []
    for line in physical:
        if line.startswith(" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return logical


def unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\":
            nxt = value[i + 1]
            assert nxt in "\\;,nN", f"bad escape \\{nxt}"
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
        else:
            assert value[i] not in ";,", f"unescaped {value[i]!r} in TEXT"
            out.append(value[i])
            i += 1
    return "".join(out)


def events(body: bytes) -> list[dict[str, str]]:
    lines = unfold(body.decode("utf-8"))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert {"VERSION:2.0", "PRODID:-//Anchorage//Open opportunities//EN"} <= set(lines)
    found, current = [], None
    for line in lines[1:-1]:
        name_params, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            current[name_params] = value
    return found


def test_icalendar_is_strict_rfc5545_with_stable_uids():
    body = ical.calendar(notices(), name="Opps, here; now", base_url="http://example.org", now=NOW)
    evs = events(body)
    assert len(evs) == 6  # two key dates per notice
    for e in evs:
        for prop in ("UID", "DTSTAMP", "DTSTART;VALUE=DATE", "SUMMARY"):
            assert prop in e, prop
        assert re.fullmatch(r"\d{8}T\d{6}Z", e["DTSTAMP"])
        start = dt.datetime.strptime(e["DTSTART;VALUE=DATE"], "%Y%m%d").date()
        assert dt.datetime.strptime(e["DTEND;VALUE=DATE"], "%Y%m%d").date() == start + dt.timedelta(
            days=1
        )
        assert e["URL"].startswith("http")
    uids = [e["UID"] for e in evs]
    assert len(set(uids)) == 6
    assert uids == [
        e["UID"]
        for e in events(
            ical.calendar(
                notices(), name="x", base_url="http://other", now=NOW + dt.timedelta(days=3)
            )
        )
    ]  # stable
    first = evs[0]
    assert unescape(first["SUMMARY"]) == f"Tender expected: {EVIL} (Council & Partners)"
    assert unescape(first["DESCRIPTION"]).startswith("Council & Partners plans to buy Hot meals")
    assert first["DTSTART;VALUE=DATE"] == "20260302"
    assert "X-WR-CALNAME:Opps\\, here\\; now" in unfold(body.decode())
    long = [e for e in evs if "ünïcødé" in unescape(e["SUMMARY"])]
    assert long and "long words" in unescape(long[0]["SUMMARY"])  # folded mid-text, unfolded intact


def test_fold_never_splits_a_character():
    line = "SUMMARY:" + "é" * 100
    folded = ical.fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_csv_parses_back_and_cannot_run_formulas():
    n = notices()
    n[2].title = '=HYPERLINK("http://evil")'
    body = feeds.csv_bytes(n, base_url="http://example.org")
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == [x.uid for x in n]
    assert rows[0]["title"] == EVIL and rows[0]["value_band"] == "£100k to £500k"
    assert rows[0]["expected_tender"] == "2026-03-02" and rows[0]["deadline"] == ""
    assert rows[2]["title"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["suitable_for_small_firms"] == "the whole contract"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)"])
def test_safe_cell_neutralises_formula_starts(value):
    from anchorage.exports import csv_cell

    assert csv_cell(value) == "'" + value and csv_cell("plain") == "plain"
