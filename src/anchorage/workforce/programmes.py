"""Employment-programme rules as editable templates: TOML files shipped in `workforce/programmes/` and the
workspace's own in `<workspace>/programmes/` (a workspace file with a shipped id replaces it). The bid builder
defaults to a programme open today, never to one that has closed."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from anchorage.core.errors import AnchorageError, ConfigError
from anchorage.workforce.bid import EmploymentProgramme, WageBand
from anchorage.workspace import Workspace

SHIPPED = Path(__file__).parent / "programmes"
ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


def folder(ws: Workspace) -> Path:
    return ws.root / "programmes"


def _date(raw: dict[str, Any], key: str, problems: list[str]) -> dt.date:
    value = raw.get(key)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    problems.append(f"{key} must be a date written like 2026-04-01 (it is {value!r})")
    return dt.date.min


def _int(raw: dict[str, Any], key: str, problems: list[str], low: int = 0) -> int:
    value = raw.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value >= low:
        return value
    problems.append(f"{key} must be a whole number of at least {low} (it is {value!r})")
    return low


def _money(value: object, key: str, problems: list[str]) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = Decimal(-1)
    if not amount.is_finite() or amount < 0:
        problems.append(
            f'{key} must be an amount in pounds like "1500" or "12.71" (it is {value!r})'
        )
        return Decimal(0)
    return amount


def parse(raw: dict[str, Any], where: str) -> EmploymentProgramme:
    """One programme from its TOML table; every problem is listed at once, naming the file and the setting."""
    problems: list[str] = []
    pid = str(raw.get("id", ""))
    if not ID.match(pid):
        problems.append(
            f'id "{pid}" must be lower-case letters, digits and hyphens (like "local-paid-placements")'
        )
    name = str(raw.get("name", "")).strip()
    if not name:
        problems.append("name is missing")
    min_age, max_age = _int(raw, "min_age", problems, 14), _int(raw, "max_age", problems, 14)
    open_from, last_start = _date(raw, "open_from", problems), _date(raw, "last_start", problems)
    if last_start < open_from:
        problems.append("last_start is before open_from")
    wages: list[tuple[dt.date, tuple[WageBand, ...]]] = []
    for i, block in enumerate(raw.get("minimum_wage", [])):
        bands = tuple(
            WageBand(
                int(b.get("min_age", 0)),
                int(b.get("max_age", 0)),
                _money(b.get("hourly"), f"minimum_wage[{i + 1}] hourly", problems),
            )
            for b in block.get("bands", [])
        )
        ages = {a for b in bands for a in range(b.min_age, b.max_age + 1)}
        if not set(range(min_age, max_age + 1)) <= ages:
            problems.append(
                f"minimum_wage[{i + 1}] must give a rate for every age from {min_age} to {max_age}"
            )
        wages.append((_date(block, "from", problems), bands))
    if not wages:
        problems.append(
            "at least one [[minimum_wage]] block is needed (from = a date, bands = the rates by age)"
        )
    thresholds = tuple(
        (_date(t, "from", problems), _int(t, "placements", problems))
        for t in raw.get("threshold", [])
    )
    prog = EmploymentProgramme(
        id=pid,
        name=name,
        min_age=min_age,
        max_age=max_age,
        universal_credit=bool(raw.get("universal_credit", False)),
        hours_per_week=_int(raw, "hours_per_week", problems, 1),
        duration_months=_int(raw, "duration_months", problems, 1),
        open_from=open_from,
        last_start=last_start,
        minimum_wage=tuple(wages),
        thresholds=thresholds,
        setup_grant=_money(raw.get("setup_grant", "0"), "setup_grant", problems),
        gateway_grant=_money(raw.get("gateway_grant", "0"), "gateway_grant", problems),
        description=str(raw.get("description", "")),
    )
    if problems:
        raise ConfigError(problems, where)
    return prog


def _read(path: Path, where: str) -> EmploymentProgramme:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"not valid TOML: {exc}"], where) from None
    return parse(raw, where)


def load_programmes(ws: Workspace) -> dict[str, EmploymentProgramme]:
    """Every programme: the shipped templates, then the workspace's own (which win on the same id)."""
    found: dict[str, EmploymentProgramme] = {}
    for base, label in ((SHIPPED, "the shipped programme"), (folder(ws), "programmes")):
        for path in sorted(base.glob("*.toml")) if base.is_dir() else []:
            prog = _read(
                path, f"{label}/{path.name}" if label == "programmes" else f"{label} {path.name}"
            )
            found[prog.id] = prog
    return found


def status(prog: EmploymentProgramme, today: dt.date) -> str:
    """ "open", "opens on 01/04/2027" or "closed on 31/03/2022"."""
    if today < prog.open_from:
        return f"opens on {prog.open_from:%d/%m/%Y}"
    if today > prog.last_start:
        return f"closed on {prog.last_start:%d/%m/%Y}"
    return "open"


def default_id(progs: dict[str, EmploymentProgramme], today: dt.date) -> str:
    """The programme the bid builder opens with: one open today (the most recently opened), otherwise the one
    that closed last (shown as closed)."""
    open_now = [p for p in progs.values() if status(p, today) == "open"]
    if open_now:
        return max(open_now, key=lambda p: (p.open_from, p.id)).id
    return max(progs.values(), key=lambda p: (p.last_start, p.id)).id


def programme(ws: Workspace, pid: str | None, today: dt.date | None = None) -> EmploymentProgramme:
    """The programme named (or the default), with a plain message listing the others when there is none."""
    progs = load_programmes(ws)
    key = (pid or "").strip().lower() or default_id(progs, today or dt.date.today())
    if key not in progs:
        raise AnchorageError(
            f'There is no programme "{pid}".',
            fix="Choose one of: " + ", ".join(f"{p.id} ({p.name})" for p in progs.values()) + ".",
        )
    return progs[key]


def new_programme(ws: Workspace, new_id: str, from_id: str) -> Path:
    """Copy a programme's template into the workspace under a new id, for the collaborative to edit."""
    if not ID.match(new_id):
        raise AnchorageError(
            f'"{new_id}" cannot be a programme id.',
            fix='Use lower-case letters, digits and hyphens, like "lewisham-placements".',
        )
    source = programme(ws, from_id)
    target = folder(ws) / f"{new_id}.toml"
    if target.exists() or new_id in load_programmes(ws):
        raise AnchorageError(
            f'There is already a programme "{new_id}".', fix="Choose another id, or edit that one."
        )
    origin = next(
        (
            p
            for p in [folder(ws) / f"{source.id}.toml", SHIPPED / f"{source.id}.toml"]
            if p.exists()
        ),
        None,
    )
    if origin is None:  # a workspace file whose name differs from its id
        origin = next(p for p in folder(ws).glob("*.toml") if _read(p, p.name).id == source.id)
    target.parent.mkdir(exist_ok=True)
    text = origin.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^id = "[^"]*"', f'id = "{new_id}"', text, count=1)
    text = re.sub(
        r'(?m)^name = "([^"]*)"', lambda m: f'name = "{m.group(1)} (copy)"', text, count=1
    )
    target.write_text(text, encoding="utf-8")
    _read(target, f"programmes/{target.name}")  # what was written must load
    return target
