"""Weekly times ("Mon-Fri 09:00-17:00", "Tue 7pm-9pm") as per-day bit masks of half-hour slots."""

from __future__ import annotations

import re

from anchorage.core.errors import AnchorageError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
GROUPS = {
    "weekdays": range(0, 5),
    "weekday": range(0, 5),
    "weekends": range(5, 7),
    "weekend": range(5, 7),
    "daily": range(0, 7),
    "every day": range(0, 7),
    "any day": range(0, 7),
}
SLOTS = 48  # half-hours in a day
_TIME = r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?"
_RANGE = re.compile(rf"{_TIME}\s*(?:-|–|to)\s*{_TIME}", re.I)


def _minutes(h: str, m: str | None, ampm: str | None) -> int:
    hour = int(h) % 12 + (12 if ampm and ampm.lower() == "pm" else 0) if ampm else int(h)
    return hour * 60 + int(m or 0)


def _days(text: str) -> list[int]:
    t = text.lower().strip()
    for name, days in GROUPS.items():
        if t.startswith(name):
            return list(days)
    found: list[int] = []
    for part in re.split(r"[,&/]|\band\b", t):
        names = re.findall(r"(mon|tue|wed|thu|fri|sat|sun)[a-z]*", part)
        if len(names) == 2 and re.search(r"-|–|\bto\b", part):
            a, b = DAYS.index(names[0]), DAYS.index(names[1])
            found += list(range(a, b + 1)) if a <= b else [*range(a, 7), *range(0, b + 1)]
        else:
            found += [DAYS.index(n) for n in names]
    return found


def parse_times(entries: list[str] | str) -> list[int]:
    """Seven masks (Monday first); bit i set = the half-hour starting at i×30 minutes is covered."""
    masks = [0] * 7
    items = [entries] if isinstance(entries, str) else entries
    for raw in items:
        for entry in re.split(r";|\n", raw):
            if not entry.strip():
                continue
            rng = _RANGE.search(entry)
            days = _days(entry[: rng.start()] if rng else entry)
            if not rng or not days:
                raise AnchorageError(
                    f'"{entry.strip()}" is not a time we understand.',
                    fix='Write days and hours like "Mon-Fri 09:00-17:00" or "Tue 7pm-9pm".',
                )
            start = _minutes(rng.group(1), rng.group(2), rng.group(3) or rng.group(6))
            end = _minutes(rng.group(4), rng.group(5), rng.group(6))
            if end == 0:
                end = 24 * 60
            if not 0 <= start < end <= 24 * 60:
                raise AnchorageError(
                    f'"{entry.strip()}": the end time must be after the start time.'
                )
            bits = sum(1 << s for s in range(start // 30, -(-end // 30)))
            for d in days:
                masks[d] |= bits
    return masks


def covers(space: list[int], need: list[int]) -> bool:
    """True when every half-hour the need asks for is within the space's times."""
    return all(n & ~s == 0 for s, n in zip(space, need, strict=True))


def overlaps(a: list[int], b: list[int]) -> bool:
    return any(x & y for x, y in zip(a, b, strict=True))
