"""A tiny, safe Markdown subset → HTML converter for methodology text (headings, paragraphs, lists)."""

from __future__ import annotations

import html
import re

from markupsafe import Markup

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_SAFE_URL = re.compile(r"^(https?://|mailto:|#)[^\s\"'<>]*$", re.I)


def _inline_text(part: str) -> str:
    """Escape a code-free run of text, then apply links, **bold** and *emphasis*."""
    links: list[str] = []

    def link(m: re.Match[str]) -> str:
        label, url = inline(m.group(1)), m.group(2)
        links.append(
            f'<a href="{html.escape(url, quote=True)}">{label}</a>'
            if _SAFE_URL.match(url)
            else label
        )
        return f"\x00{len(links) - 1}\x00"

    s = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", link, part.replace("\x00", ""))
    s = html.escape(s, quote=True)
    s = re.sub(
        r"\*\*(.+?)\*\*|__(.+?)__", lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", s
    )
    s = re.sub(
        r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|(?<![\w])_(?!\s)(.+?)(?<!\s)_(?!\w)",
        lambda m: f"<em>{m.group(1) or m.group(2)}</em>",
        s,
    )
    return re.sub("\x00(\\d+)\x00", lambda m: links[int(m.group(1))], s)


def inline(text: str) -> str:
    """Escape text, then apply `code`, **bold**, *emphasis* and [links](url) with safe schemes only."""
    out: list[str] = []
    for part in re.split(r"(`[^`]+`)", text):
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
        else:
            out.append(_inline_text(part))
    return "".join(out)


def markdown_to_html(md: str, *, base_level: int = 3) -> Markup:
    """Convert simple Markdown to escaped HTML; '#' becomes h{base_level}, '##' the next level down."""
    out: list[str] = []
    para: list[str] = []
    list_tag: str | None = None
    items: list[list[str]] = []
    code: list[str] | None = None

    def flush_para() -> None:
        if para:
            out.append(f"<p>{inline(' '.join(para))}</p>")
            para.clear()

    def flush_list() -> None:
        nonlocal list_tag
        if list_tag:
            lis = "".join(f"<li>{inline(' '.join(i))}</li>" for i in items)
            out.append(f"<{list_tag}>{lis}</{list_tag}>")
            items.clear()
            list_tag = None

    for raw in (md or "").replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        if code is not None:
            if line.strip().startswith("```"):
                out.append(f"<pre><code>{html.escape(chr(10).join(code))}</code></pre>")
                code = None
            else:
                code.append(raw)
            continue
        if line.strip().startswith("```"):
            flush_para()
            flush_list()
            code = []
            continue
        if not line.strip():
            flush_para()
            flush_list()
            continue
        if m := _HEADING.match(line):
            flush_para()
            flush_list()
            level = min(6, base_level + len(m.group(1)) - 1)
            out.append(f"<h{level}>{inline(m.group(2))}</h{level}>")
            continue
        bullet, numbered = _BULLET.match(line), _NUMBERED.match(line)
        if bullet or numbered:
            flush_para()
            tag = "ul" if bullet else "ol"
            if list_tag != tag:
                flush_list()
                list_tag = tag
            items.append([(bullet or numbered).group(1)])  # type: ignore[union-attr]
            continue
        if list_tag and raw[:1].isspace():
            items[-1].append(line.strip())
            continue
        flush_list()
        para.append(line.strip())
    if code is not None:
        out.append(f"<pre><code>{html.escape(chr(10).join(code))}</code></pre>")
    flush_para()
    flush_list()
    return Markup("\n".join(out))
