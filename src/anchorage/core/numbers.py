"""Whole numbers from people (page numbers, limits, offsets), bounded in one place: a number out of range is
brought into range; text that is not a whole number is refused with a plain message."""

from __future__ import annotations

from anchorage.core.errors import AnchorageError

MAX_PAGE = 100_000


class BadNumber(AnchorageError):
    """A query parameter that should be a whole number is not one."""


def whole_number(text: str, name: str, low: int, high: int) -> int:
    """`text` as a whole number clamped to [low, high]; BadNumber when it is not a whole number at all."""
    text = text.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isdigit() or not digits.isascii():
        raise BadNumber(
            f'The {name} "{text[:20]}" is not a whole number.',
            fix=f"Use a whole number from {low:,} to {high:,}.",
        )
    if len(digits) > 18:  # far out of any range, and int() of a huge string is slow
        return low if text.startswith("-") else high
    return min(max(int(text), low), high)
