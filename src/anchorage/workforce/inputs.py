"""One record typed on a web form (a pledge, a transfer), parsed column by column with every problem listed.

Files of these records go through the import pipeline instead (workforce.imports)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from anchorage.core.values import parse_date, parse_money


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | int | money | date | month | flag | list
    required: bool = True
    aliases: tuple[str, ...] = ()


def parse_record(
    values: dict[str, str | None], columns: list[Column]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """One record (a file's row or a web form) parsed column by column, with every (column, problem)."""
    parsed: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for c in columns:
        text = values.get(c.name)
        text = text.strip() if isinstance(text, str) and text.strip() else None
        if text is None:
            if c.required:
                problems.append((c.name, "empty"))
            parsed[c.name] = None
            continue
        try:
            parsed[c.name] = PARSERS[c.kind](text)
        except ValueError as exc:
            problems.append((c.name, str(exc)))
    return parsed, problems


def _int(text: str) -> int:
    try:
        return int(Decimal(text.replace(",", "")))
    except InvalidOperation:
        raise ValueError(f'"{text}" is not a whole number') from None


def _money(text: str) -> Decimal:
    value = parse_money(text)
    if value is None:
        raise ValueError(f'"{text}" is not an amount')
    return value


def _date(text: str) -> dt.date:
    value = parse_date(text)
    if value is None:
        raise ValueError(f'"{text}" is not a date (use DD/MM/YYYY)')
    return value


def _month(text: str) -> dt.date:
    d = _date(text)
    return dt.date(d.year, d.month, 1)


def _flag(text: str) -> bool:
    t = text.strip().upper()
    if t in ("Y", "YES", "TRUE", "1"):
        return True
    if t in ("N", "NO", "FALSE", "0"):
        return False
    raise ValueError(f'"{text}" is not Y or N')


def _list(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").replace("|", ",").split(",") if p.strip()]


PARSERS: dict[str, Callable[[str], Any]] = {
    "text": str.strip,
    "int": _int,
    "money": _money,
    "date": _date,
    "month": _month,
    "flag": _flag,
    "list": _list,
}
