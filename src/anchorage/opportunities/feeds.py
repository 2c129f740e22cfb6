"""The notices as RSS 2.0, Atom (RFC 4287) and CSV. XML is built with ElementTree, which escapes every
text; characters XML 1.0 cannot carry are dropped first."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from email.utils import format_datetime

from anchorage.exports import csv_rows_bytes
from anchorage.opportunities.notices import Notice

ATOM_NS = "http://www.w3.org/2005/Atom"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
CSV_COLUMNS = (
    "id",
    "title",
    "buyer",
    "category",
    "stage",
    "value_band",
    "expected_tender",
    "deadline",
    "contract_start",
    "suitable_for_small_firms",
    "summary",
    "how_to_take_part",
    "link",
)


def xml_text(value: object) -> str:
    return _NOT_XML.sub("", str(value))


def _link(n: Notice, base_url: str) -> str:
    own = f"{base_url.rstrip('/')}/opportunities#n-{n.uid}"
    return n.link if n.link and re.match(r"https?://", n.link) else own


def _when(n: Notice, fallback: dt.datetime) -> dt.datetime:
    t = n.updated or fallback
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _sub(parent: ET.Element, tag: str, text: object | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = xml_text(text)
    return el


def _description(n: Notice) -> str:
    return f"{n.summary} {n.how_to_take_part}"


def rss(notices: Sequence[Notice], *, title: str, base_url: str, now: dt.datetime) -> bytes:
    root = ET.Element("rss", {"version": "2.0"})
    ch = _sub(root, "channel")
    _sub(ch, "title", title)
    _sub(ch, "link", f"{base_url.rstrip('/')}/opportunities")
    _sub(
        ch,
        "description",
        "Upcoming contracts of the anchor institutions, for local and small suppliers.",
    )
    _sub(ch, "language", "en-gb")
    _sub(ch, "lastBuildDate", format_datetime(now))
    for n in notices:
        item = _sub(ch, "item")
        _sub(item, "title", f"{n.title} ({n.buyer})")
        _sub(item, "link", _link(n, base_url))
        _sub(item, "description", _description(n))
        _sub(item, "category", n.category)
        _sub(item, "guid", f"urn:uuid:{n.uid}", isPermaLink="false")
        _sub(item, "pubDate", format_datetime(_when(n, now)))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def atom(
    notices: Sequence[Notice], *, title: str, base_url: str, now: dt.datetime, feed_id: str
) -> bytes:
    ET.register_namespace("", ATOM_NS)

    def a(parent: ET.Element, tag: str, text: object | None = None, **attrs: str) -> ET.Element:
        return _sub(parent, f"{{{ATOM_NS}}}{tag}", text, **attrs)

    root = ET.Element(f"{{{ATOM_NS}}}feed")
    a(root, "id", feed_id)
    a(root, "title", title)
    a(root, "updated", max((_when(n, now) for n in notices), default=now).isoformat())
    a(a(root, "author"), "name", title)
    a(root, "link", rel="self", href=f"{base_url.rstrip('/')}/opportunities/feed.atom")
    a(root, "link", rel="alternate", type="text/html", href=f"{base_url.rstrip('/')}/opportunities")
    for n in notices:
        e = a(root, "entry")
        a(e, "id", f"urn:uuid:{n.uid}")
        a(e, "title", f"{n.title} ({n.buyer})")
        a(e, "updated", _when(n, now).isoformat())
        a(e, "link", rel="alternate", href=_link(n, base_url))
        a(e, "category", term=xml_text(n.category))
        a(e, "summary", _description(n), type="text")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def csv_bytes(notices: Sequence[Notice], *, base_url: str) -> bytes:
    rows = (
        (
            n.uid,
            n.title,
            n.buyer,
            n.category,
            n.stage_label,
            n.value_band,
            n.expected_tender,
            n.deadline,
            n.contract_start,
            "; ".join(n.small_firm_lots),
            n.summary,
            n.how_to_take_part,
            _link(n, base_url),
        )
        for n in notices
    )
    return csv_rows_bytes(CSV_COLUMNS, rows)
