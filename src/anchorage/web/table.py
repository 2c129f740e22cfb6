"""The web side of the one table component (access/table.py): the request from the URL, the links a table
page needs (sort, pages, filters, exports, each keeping the rest of the query), and the CSV/XLSX download."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup

from anchorage.access.table import (
    PER_PAGE,
    TablePage,
    TableRequest,
    TableSpec,
    export_frame_rows,
    read_request,
)
from anchorage.core.errors import AnchorageError
from anchorage.reports.tables import TIER_NAMES, fmt_int, fmt_money
from anchorage.services.procurement import exported
from anchorage.services.runtime import XLSX_MEDIA, csv_rows_bytes, xlsx_bytes
from anchorage.web.deps import Ctx, client_ip
from anchorage.web.nav import date_text, datetime_text

CELL_TEXT: dict[str, Callable[[Any], Any]] = {
    "money": fmt_money,
    "int": fmt_int,
    "date": date_text,
    "datetime": datetime_text,
    "tier": lambda v: TIER_NAMES.get(v, v),
}


class UnknownFormat(AnchorageError):
    """A table export in a format we do not write."""


def table_request(request: Request, spec: TableSpec, *, per_page: int = PER_PAGE) -> TableRequest:
    return read_request(spec, dict(request.query_params), per_page=per_page)


def href(path: str, query: Mapping[str, str | Sequence[str]]) -> str:
    """A link with its query; a key may repeat (a page's own multi-choice filters, e.g. ?org=a&org=b)."""
    return f"{path}?{urlencode(query, doseq=True)}" if query else path


def table_view(
    page: TablePage,
    path: str,
    *,
    export: bool = True,
    export_path: str | None = None,
    keep: Mapping[str, str | Sequence[str]] | None = None,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """What _table.html needs: headers with their sort links, the active filters (each with a link that
    removes it), page links, 'rows 51–100 of 3,512' and the export links for exactly these rows.
    `keep` holds the page's own parameters (e.g. ?org=), kept in every link; exports go to `export_path`
    (default: the page's path) + .csv / .xlsx."""
    req = page.request

    def query(**changes: Any) -> dict[str, str | Sequence[str]]:
        return {**(keep or {}), **req.query(**changes)}

    heads = []
    for c in page.spec.columns:
        sorted_here = req.sort_key == c.key
        nxt = (
            ("" if req.descending else "-") + c.key
            if sorted_here
            else ("-" if c.kind in ("money", "int", "date", "pct") else "") + c.key
        )
        heads.append(
            {
                "key": c.key,
                "label": c.label,
                "kind": c.kind,
                "sortable": c.sortable,
                "href": href(path, query(sort=nxt, page=None)),
                "aria": ("descending" if req.descending else "ascending") if sorted_here else None,
            }
        )
    choices = {
        c.key: [
            (v, TIER_NAMES.get(v, label) if c.kind == "tier" else label) for v, label in c.choices
        ]
        for c in page.spec.filters
        if c.choices
    }
    active = []
    for key, value in req.filters:
        col = page.spec.column(key)
        assert col is not None
        shown = (
            dict(choices.get(key, ())).get(value) or (labels or {}).get(key, {}).get(value) or value
        )
        active.append(
            {
                "label": col.label,
                "value": shown,
                "remove": href(path, query(**{key: None}, page=None)),
            }
        )
    pages = page.pages
    base = query(page=None)
    return {
        "page": page,
        "heads": heads,
        "active": active,
        "path": path,
        "query": base,
        "choices": choices,
        "summary": f"rows {page.first:,}–{page.last:,} of {page.total:,}"
        if page.total
        else "no rows",
        "prev": href(path, query(page=req.page - 1)) if req.page > 1 else None,
        "next": href(path, query(page=req.page + 1)) if req.page < pages else None,
        "first": href(path, query(page=None)) if req.page > 2 else None,
        "last": href(path, query(page=pages)) if req.page < pages - 1 else None,
        "csv": href((export_path or path) + ".csv", base) if export else None,
        "xlsx": href((export_path or path) + ".xlsx", base) if export else None,
        "keep": dict(keep or {}),
    }


def html_text(value: Any) -> str:
    """Text escaped for HTML as Jinja escapes it (markupsafe's five characters), about twice as fast a cell."""
    text = value if isinstance(value, str) else str(value)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )


def row_cells(
    row: Mapping[str, Any], heads: Sequence[Mapping[str, Any]], anchors: Mapping[str, str]
) -> Markup:
    """One row's cells as _table.html shows them: each value in words (money, dates, tier and anchor names),
    escaped, a link where the row has one (`_links`). Written here, not as a Jinja macro: a page has some 500
    cells, and a macro call for each was most of the page's cost."""
    links = row.get("_links") or {}
    parts = []
    for h in heads:
        key, kind = h["key"], h["kind"]
        v = row.get(key)
        if v is None or v == "":
            text: Any = ""
        elif kind == "anchor":
            text = anchors.get(v, v)
        else:
            text = CELL_TEXT[kind](v) if kind in CELL_TEXT else v
        link = links.get(key)
        if link and text != "":
            cell = f'<a href="{html_text(link)}">{html_text(text)}</a>'
        else:
            cell = html_text(text)
        parts.append(
            f'<td class="num">{cell}</td>' if kind in ("money", "int") else f"<td>{cell}</td>"
        )
    return Markup("".join(parts))


def _words(
    spec: TableSpec, rows: Sequence[Mapping[str, Any]], anchors: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Rows with codes in words, as the page shows them: anchor names and tier names."""
    named = {c.key: c.kind for c in spec.columns if c.kind in ("tier", "anchor")}
    if not named:
        return [dict(r) for r in rows]
    out = []
    for r in rows:
        row = dict(r)
        for key, kind in named.items():
            v = row.get(key)
            if v is not None:
                row[key] = TIER_NAMES.get(v, v) if kind == "tier" else anchors.get(v, v)
        out.append(row)
    return out


def export_response(
    ctx: Ctx,
    request: Request,
    spec: TableSpec,
    rows: Sequence[Mapping[str, Any]],
    fmt: str,
    filename: str,
    *,
    org: str | None = None,
) -> Response:
    """Exactly these rows, with the columns and labels of the page, as CSV or XLSX (through exports.py); every
    table export is audited here (what, format, rows), whoever's table it is."""
    anchors = {a.slug: a.name for a in ctx.ws.config.anchors}
    headers, cells = export_frame_rows(spec, _words(spec, rows, anchors))
    disposition = {"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'}
    if fmt == "csv":
        body, media = csv_rows_bytes(headers, cells), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, media = (
            xlsx_bytes({spec.name: pd.DataFrame(cells, columns=headers, dtype=object)}),
            XLSX_MEDIA,
        )
    else:
        raise UnknownFormat(
            f'We cannot export a table as "{fmt[:10]}".',
            fix="Use the CSV or XLSX link under the table.",
        )
    exported(
        ctx.ws, ctx.viewer, spec.name, org=org, ip=client_ip(request), format=fmt, rows=len(rows)
    )
    return Response(body, media_type=media, headers=disposition)
