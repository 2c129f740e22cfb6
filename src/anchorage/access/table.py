"""One way to page, sort, filter and export a table, from the URL, like Datasette.

A `TableSpec` names a table's columns (each with the SQL expression behind it), which of them sort and
filter, and the tie-break that makes every order total. `read_request` turns the URL's query into a
`TableRequest` (an unknown sort column is refused: sort columns are whitelisted, never written into SQL as
given); `sql_page` and `sql_rows` run it on DuckDB with every value a bound parameter; `memory_page` runs the
same request over rows already in memory (short records lists: uploads, review lists, assets).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb

from anchorage.core.errors import AnchorageError
from anchorage.core.numbers import MAX_PAGE, whole_number

PER_PAGE = 50
EXPORT_LIMIT = 1_000_000  # an XLSX sheet holds 1,048,576 rows
RESERVED = frozenset({"q", "sort", "page"})
# A yes/no column's filter: its values and the words the page shows for them (a missing value is "not known").
YES_NO_UNKNOWN = (("yes", "yes"), ("no", "no"), ("unknown", "not known"))


def yes_no_sql(expr: str) -> str:
    """SQL giving 'yes', 'no' or 'unknown' (NULL) for a true/false expression: the values of YES_NO_UNKNOWN."""
    return f"CASE WHEN {expr} THEN 'yes' WHEN NOT {expr} THEN 'no' ELSE 'unknown' END"


class BadTableQuery(AnchorageError):
    """A sort or filter in the address that this table does not have."""


@dataclass(frozen=True)
class Column:
    """A column shown in the table. `sql` is its expression in the table's query (default: its key);
    `filter` is how `?key=value` filters it: "contains" (text, any case), "equals", "year" (a financial
    year such as 2024-25 against a start-year number) or None (not filterable)."""

    key: str
    label: str
    kind: str = "text"  # text, money, int, date, pct
    sql: str | None = None
    sortable: bool = True
    filter: str | None = None
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for a drop-down filter
    where: str | None = (
        None  # what a filter compares, when not `sql` (e.g. a row's value under an aggregate)
    )

    @property
    def expr(self) -> str:
        return self.sql or self.key

    @property
    def filter_expr(self) -> str:
        return self.where or self.expr


@dataclass(frozen=True)
class TableSpec:
    name: str  # used for the export's file and sheet name
    columns: tuple[Column, ...]
    default_sort: str  # e.g. "-amount"
    tie: tuple[str, ...]  # SQL expressions (or keys, in memory) that make any order total
    search: tuple[str, ...] = ()  # expressions `?q=` searches (any case, anywhere in the text)
    hidden_filters: tuple[Column, ...] = ()  # filters on columns not shown (e.g. tier on payments)
    group_by: str = ""  # SQL: one row per group (then the columns' `sql` are aggregates)

    def column(self, key: str) -> Column | None:
        return next((c for c in (*self.columns, *self.hidden_filters) if c.key == key), None)

    @property
    def filters(self) -> tuple[Column, ...]:
        return tuple(c for c in (*self.columns, *self.hidden_filters) if c.filter)


@dataclass(frozen=True)
class TableRequest:
    search: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    sort: str = ""
    page: int = 1
    per_page: int = PER_PAGE
    default_sort: str = ""  # left out of links, so they stay short

    @property
    def sort_key(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    def value(self, key: str) -> str:
        return dict(self.filters).get(key, "")

    def query(self, **changes: Any) -> dict[str, str]:
        """The URL query of this request with `changes` (None drops a key): for links that keep filters."""
        q: dict[str, str] = {
            "q": self.search,
            **dict(self.filters),
            "sort": self.sort,
            "page": str(self.page),
        }
        for k, v in changes.items():
            q[k] = "" if v is None else str(v)
        return {
            k: v
            for k, v in q.items()
            if v and not (k == "page" and v == "1") and not (k == "sort" and v == self.default_sort)
        }


@dataclass
class TablePage:
    """One page of a table: its rows, the count of every matching row and where this page sits in it."""

    spec: TableSpec
    request: TableRequest
    rows: list[dict[str, Any]]
    total: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))

    @property
    def first(self) -> int:
        return 0 if not self.rows else (self.request.page - 1) * self.request.per_page + 1

    @property
    def last(self) -> int:
        return 0 if not self.rows else self.first + len(self.rows) - 1


def _fy(text: str, column: str) -> int:
    t = text.strip()
    head = t.split("-")[0].split("/")[0]
    if not (head.isdigit() and len(head) == 4):
        raise BadTableQuery(
            f'The financial year "{t[:20]}" for {column} is not one we know.',
            fix="Write it like 2024-25.",
        )
    return int(head)


def read_request(
    spec: TableSpec, params: Mapping[str, str], *, per_page: int = PER_PAGE
) -> TableRequest:
    """The request in a URL's query. Unknown parameters are ignored (they may belong to the page, such as
    ?done=); a sort on a column the table cannot sort by is refused."""
    sort = (params.get("sort") or spec.default_sort).strip()
    col = spec.column(sort.lstrip("-"))
    if col is None or not col.sortable or sort.count("-") > 1:
        names = ", ".join(c.key for c in spec.columns if c.sortable)
        raise BadTableQuery(
            f'This table cannot be sorted by "{sort[:40]}".',
            fix=f"Sort by one of: {names} (with a leading - for largest or latest first).",
        )
    filters = []
    for c in spec.filters:
        v = (params.get(c.key) or "").strip()[:100]
        if v:
            if c.filter == "year":
                _fy(v, c.label)
            filters.append((c.key, v))
    page = whole_number(params.get("page") or "1", "page number", 1, MAX_PAGE)
    return TableRequest(
        search=(params.get("q") or "").strip()[:100],
        filters=tuple(filters),
        sort=sort,
        page=page,
        per_page=per_page,
        default_sort=spec.default_sort,
    )


# --- SQL (DuckDB) ------------------------------------------------------------------------------------


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with its own % and _ taken literally (ESCAPE '\\')."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


like_pattern = _like  # for a caller matching text as a "contains" filter does


def where_sql(spec: TableSpec, req: TableRequest) -> tuple[str, list[Any]]:
    """The WHERE condition of a request (TRUE when none) and its bound values."""
    parts: list[str] = []
    params: list[Any] = []
    if req.search and spec.search:
        parts.append("(" + " OR ".join(f"{e} ILIKE ? ESCAPE '\\'" for e in spec.search) + ")")
        params += [_like(req.search)] * len(spec.search)
    for key, value in req.filters:
        c = spec.column(key)
        assert c is not None and c.filter  # read_request kept only these
        if c.filter == "contains":
            parts.append(f"{c.filter_expr} ILIKE ? ESCAPE '\\'")
            params.append(_like(value))
        elif c.filter == "year":
            parts.append(f"{c.filter_expr} = ?")
            params.append(_fy(value, c.label))
        else:
            parts.append(f"CAST({c.filter_expr} AS VARCHAR) = ?")
            params.append(value)
    return (" AND ".join(parts) or "TRUE"), params


def order_sql(spec: TableSpec, req: TableRequest) -> str:
    col = spec.column(req.sort_key)
    assert col is not None and col.sortable
    way = "DESC" if req.descending else "ASC"
    key = (
        f"lower({col.expr})" if col.kind in ("text", "anchor", "tier") else col.expr
    )  # people sort text by letter
    return ", ".join([f"{key} {way} NULLS LAST", *spec.tie])


def select_sql(spec: TableSpec) -> str:
    return ", ".join(f"{c.expr} AS {c.key}" for c in spec.columns)


def records(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


Scope = tuple[str, Sequence[Any]]


def _from(spec: TableSpec, req: TableRequest, source: str, scope: Scope) -> tuple[str, list[Any]]:
    """FROM source WHERE scope AND the request's filters [GROUP BY]: `scope` is the caller's (the gate's)."""
    where, wparams = where_sql(spec, req)
    group = f" GROUP BY {spec.group_by}" if spec.group_by else ""
    return f"FROM {source} WHERE ({scope[0]}) AND {where}{group}", [*scope[1], *wparams]


def sql_page(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    req: TableRequest,
    source: str,
    scope: Scope = ("TRUE", ()),
    *,
    extra: str = "",
) -> TablePage:
    """One page of `source` (a FROM clause) under the request, within `scope` (a condition with its bound
    values, which the gate sets). `extra` adds columns to each row that are not shown (e.g. a link's key)."""
    body, params = _from(spec, req, source, scope)
    row = con.execute(f"SELECT count(*) FROM (SELECT 1 {body})", params).fetchone()
    total = int(row[0]) if row else 0
    last_page = max(1, -(-total // req.per_page))
    if req.page > last_page:
        req = replace(req, page=last_page)
    cols = select_sql(spec) + (f", {extra}" if extra else "")
    cur = con.execute(
        f"SELECT {cols} {body} ORDER BY {order_sql(spec, req)} LIMIT ? OFFSET ?",
        [*params, req.per_page, (req.page - 1) * req.per_page],
    )
    return TablePage(spec, req, records(cur), total)


def sql_rows(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    req: TableRequest,
    source: str,
    scope: Scope = ("TRUE", ()),
) -> list[dict[str, Any]]:
    """Every row the request matches, in its order (for an export), up to EXPORT_LIMIT."""
    body, params = _from(spec, req, source, scope)
    cur = con.execute(
        f"SELECT {select_sql(spec)} {body} ORDER BY {order_sql(spec, req)} LIMIT ?",
        [*params, EXPORT_LIMIT + 1],
    )
    rows = records(cur)
    too_many(len(rows))
    return rows


def too_many(n: int) -> None:
    if n > EXPORT_LIMIT:
        raise BadTableQuery(
            f"This export would hold more than {EXPORT_LIMIT:,} rows, more than a spreadsheet takes.",
            fix="Filter the table (for example by financial year) and export again.",
        )


# --- In memory ---------------------------------------------------------------------------------------


def _text(v: Any) -> str:
    return "" if v is None else str(v)


def _matches(spec: TableSpec, req: TableRequest, row: Mapping[str, Any]) -> bool:
    if req.search:
        needle = req.search.casefold()
        if not any(needle in _text(row.get(k)).casefold() for k in spec.search):
            return False
    for key, value in req.filters:
        c = spec.column(key)
        assert c is not None
        cell = row.get(key)
        if c.filter == "contains" and value.casefold() not in _text(cell).casefold():
            return False
        if c.filter == "equals" and _text(cell) != value:
            return False
        if c.filter == "year" and cell != _fy(value, c.label):
            return False
    return True


def _sort_value(v: Any) -> tuple[int, Any]:
    """Missing values last; numbers, dates and text each compare among themselves."""
    if v is None:
        return (3, 0)
    if isinstance(v, bool | int | float):
        return (0, v)
    if isinstance(v, dt.date):
        return (1, v.isoformat())
    return (2, str(v).casefold())


def memory_rows(
    spec: TableSpec, req: TableRequest, rows: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """Every matching row, in the request's order, ties broken by the spec's tie keys (ascending)."""
    kept = [r for r in rows if _matches(spec, req, r)]
    ordered = sorted(kept, key=lambda r: tuple(_sort_value(r.get(t)) for t in spec.tie))
    key: Callable[[Mapping[str, Any]], tuple[int, Any]] = lambda r: _sort_value(r.get(req.sort_key))  # noqa: E731
    present = [r for r in ordered if r.get(req.sort_key) is not None]
    missing = [r for r in ordered if r.get(req.sort_key) is None]
    return (
        sorted(present, key=key, reverse=req.descending) + missing
    )  # sorted() is stable: ties keep order


def memory_page(spec: TableSpec, req: TableRequest, rows: Sequence[Mapping[str, Any]]) -> TablePage:
    kept = memory_rows(spec, req, rows)
    last_page = max(1, -(-len(kept) // req.per_page))
    req = replace(req, page=min(req.page, last_page))
    start = (req.page - 1) * req.per_page
    return TablePage(spec, req, [dict(r) for r in kept[start : start + req.per_page]], len(kept))


def export_frame_rows(
    spec: TableSpec, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[str], list[list[Any]]]:
    """Headers (the column labels people see) and cells of rows, for exports.py."""
    return [c.label for c in spec.columns], [[r.get(c.key) for c in spec.columns] for r in rows]
