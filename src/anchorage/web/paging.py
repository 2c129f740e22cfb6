"""Page numbers, limits, offsets and other whole-number query parameters, bounded in one place.

A number out of range is brought into range (page 0 is page 1; page 10^30 is the last page we would show);
text that is not a whole number is refused with a plain message. Nothing unbounded reaches a database (an
offset past a 64-bit integer used to answer 500 and drop the connection).

No `from __future__ import annotations` here: FastAPI must evaluate the annotations of the functions that
`window` and `bounded` build, which name their arguments."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from anchorage.core.numbers import MAX_PAGE, BadNumber, whole_number

MAX_OFFSET = 10_000_000


__all__ = [
    "MAX_PAGE",
    "BadNumber",
    "whole_number",
]  # kept here for the routes and tests that import them


async def page_number(  # async: parsing a number needs no trip to the thread pool
    page: Annotated[str, Query(description=f"Page, from 1 to {MAX_PAGE:,}.")] = "1",
) -> int:
    return whole_number(page, "page number", 1, MAX_PAGE)


PageNo = Annotated[int, Depends(page_number)]


@dataclass(frozen=True)
class Window:
    """Rows `offset` to `offset + limit` of a list."""

    limit: int
    offset: int


def window(default: int, most: int) -> Callable[..., Awaitable[Window]]:
    """A dependency reading `?limit=` (1 to `most`, default `default`) and `?offset=` (0 to MAX_OFFSET)."""

    async def read(
        limit: Annotated[str, Query(description=f"Rows to return, 1 to {most}.")] = str(default),
        offset: Annotated[str, Query(description="Rows to skip.")] = "0",
    ) -> Window:
        return Window(
            whole_number(limit, "limit", 1, most), whole_number(offset, "offset", 0, MAX_OFFSET)
        )

    return read


def bounded(name: str, default: int, low: int, high: int) -> Callable[..., Awaitable[int]]:
    """A dependency for one whole-number query parameter `name`, clamped to [low, high]."""

    async def read(value: Annotated[str, Query(alias=name)] = str(default)) -> int:
        return whole_number(value, name, low, high)

    return read
