"""The notices' key dates as an iCalendar file (RFC 5545): one all-day event per key date, with a stable
UID per notice and date kind, TEXT values escaped (backslash, semicolon, comma, newline) and lines folded
at 75 octets without splitting a UTF-8 character."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from anchorage.opportunities.notices import Notice

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # RFC 5545 TEXT forbids controls except HTAB


def escape_text(value: str) -> str:
    """An iCalendar TEXT value: newlines become \\n, other controls are dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
    return _CONTROL.sub("", value)


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, continuation lines starting with a space."""
    out: list[str] = []
    current, size, limit = "", 0, 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out)


def _utc(t: dt.datetime) -> str:
    t = t if t.tzinfo else t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(notices: Sequence[Notice], *, name: str, base_url: str, now: dt.datetime) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Anchorage//Open opportunities//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    page = f"{base_url.rstrip('/')}/opportunities"
    for n in notices:
        link = (
            n.link
            if n.link and re.fullmatch(r"https?://[^\s\"<>\\^`{|}]+", n.link)
            else f"{page}#n-{n.uid}"
        )
        about = escape_text(n.summary + "\n" + n.how_to_take_part)
        for d in n.key_dates:
            lines += [
                "BEGIN:VEVENT",
                f"UID:{n.uid}-{d.kind}@anchorage",
                f"DTSTAMP:{_utc(n.updated or now)}",
                f"DTSTART;VALUE=DATE:{d.on:%Y%m%d}",
                f"DTEND;VALUE=DATE:{d.on + dt.timedelta(days=1):%Y%m%d}",
                f"SUMMARY:{escape_text(f'{d.label}: {n.title} ({n.buyer})')}",
                f"DESCRIPTION:{about}",
                f"CATEGORIES:{escape_text(n.category)}",
                f"URL:{link}",
                "TRANSP:TRANSPARENT",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return ("".join(fold(line) + "\r\n" for line in lines)).encode("utf-8")
