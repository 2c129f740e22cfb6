"""A form's field read as a file's cell is (core/values), so a form accepts what a file accepts: money like
250000, £250,000 or (12.50); dates like 2026-12-06, 06/12/2026 or 6 Dec 2026; months like 2026-12 or 12/2026.
A blank field is None; anything else that is not one is a plain error naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from anchorage.core.errors import AnchorageError
from anchorage.core.values import parse_date, parse_money

LONGEST = 40  # characters: no amount or date is longer, and an error quotes no more


def money(
    text: str, what: str, *, fix: str = "Write it like 250000 or £250,000."
) -> Decimal | None:
    """An amount of money, or None for a blank field."""
    if not text.strip():
        return None
    value = parse_money(text) if len(text) <= LONGEST else None
    if value is None:
        raise AnchorageError(f'The {what} "{text[:LONGEST]}" is not a number.', fix=fix)
    return value


def date(
    text: str, what: str, *, fix: str = "Use the form YYYY-MM-DD, e.g. 2026-12-06."
) -> dt.date | None:
    """A day, or None for a blank field."""
    if not text.strip():
        return None
    value = parse_date(text) if len(text) <= LONGEST else None
    if value is None:
        raise AnchorageError(f'"{text[:LONGEST]}" is not a date for {what}.', fix=fix)
    return value


def month(text: str, what: str) -> dt.date:
    """The first day of a month (a field that must be given)."""
    value = parse_date(text) if text.strip() and len(text) <= LONGEST else None
    if value is None:
        raise AnchorageError(
            f'"{text[:LONGEST]}" is not a month for {what}.',
            fix="Use the form YYYY-MM, e.g. 2026-01.",
        )
    return value.replace(day=1)
