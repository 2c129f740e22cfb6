"""The open social value framework: themes → outcomes → measures, each with a unit and a sourced £ proxy.

The default ships with Anchorage (default_framework.toml); a workspace's own `socialvalue.toml` replaces it.
Validation lists every problem at once, in plain words."""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anchorage.core.errors import ConfigError, WorkspaceError
from anchorage.workspace import Workspace

DEFAULT_PATH = Path(__file__).with_name("default_framework.toml")
WORKSPACE_NAME = "socialvalue.toml"


@dataclass(frozen=True)
class Measure:
    id: str
    name: str
    unit: str
    proxy: float  # £ per unit
    source: str
    year: int
    basis: str
    theme_id: str
    theme: str
    outcome_id: str
    outcome: str


@dataclass
class Framework:
    name: str
    version: str
    measures: dict[str, Measure]
    themes: dict[str, str]  # id -> name, in file order
    behind_threshold: float = 0.8
    staff_local_respend: float = 0.3
    supplier_local_respend: float = 0.2
    path: str = ""
    themes_ppn002: dict[str, str] = field(default_factory=dict)

    def measure(self, measure_id: str) -> Measure | None:
        return self.measures.get(measure_id.strip().lower())

    def rows(self) -> list[dict[str, Any]]:
        """One row per measure, with its theme and outcome: the framework as a table."""
        return [
            {
                "theme": m.theme,
                "outcome": m.outcome,
                "measure_id": m.id,
                "measure": m.name,
                "unit": m.unit,
                "proxy": m.proxy,
                "source": m.source,
                "year": m.year,
                "basis": m.basis,
            }
            for m in self.measures.values()
        ]


def _text(obj: dict[str, Any], key: str, where: str, problems: list[str]) -> str:
    v = obj.get(key)
    if not isinstance(v, str) or not v.strip():
        problems.append(f'{where} has no "{key}" (text)')
        return ""
    return v.strip()


def _share(
    section: dict[str, Any], key: str, default: float, where: str, problems: list[str]
) -> float:
    v = section.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
        problems.append(
            f"[{where}] {key} = {v!r} must be a number between 0 and 1 (e.g. 0.3 for 30%)"
        )
        return default
    return float(v)


def parse_framework(data: dict[str, Any], path: str) -> Framework:
    """Validate a framework document; raises ConfigError listing every problem."""
    problems: list[str] = []
    head = data.get("framework", {}) if isinstance(data.get("framework"), dict) else {}
    measures: dict[str, Measure] = {}
    themes: dict[str, str] = {}
    ppn: dict[str, str] = {}
    theme_list = data.get("theme")
    if not isinstance(theme_list, list) or not theme_list:
        problems.append("there are no [[theme]] sections")
        theme_list = []
    for ti, theme in enumerate(theme_list, 1):
        tw = f"theme {ti}"
        tid, tname = _text(theme, "id", tw, problems), _text(theme, "name", tw, problems)
        if tid in themes:
            problems.append(f'theme id "{tid}" is used twice')
        themes[tid] = tname
        ppn[tid] = str(theme.get("ppn002", ""))
        outcomes = theme.get("outcome")
        if not isinstance(outcomes, list) or not outcomes:
            problems.append(f'theme "{tid or ti}" has no [[theme.outcome]]')
            continue
        for oi, outcome in enumerate(outcomes, 1):
            ow = f'outcome {oi} of theme "{tid or ti}"'
            oid, oname = _text(outcome, "id", ow, problems), _text(outcome, "name", ow, problems)
            ms = outcome.get("measure")
            if not isinstance(ms, list) or not ms:
                problems.append(f'outcome "{oid or oi}" has no [[theme.outcome.measure]]')
                continue
            for mi, m in enumerate(ms, 1):
                mw = f'measure {mi} of outcome "{oid or oi}"'
                mid = _text(m, "id", mw, problems).lower()
                name, unit = _text(m, "name", mw, problems), _text(m, "unit", mw, problems)
                source = _text(m, "source", mw, problems)
                proxy, year = m.get("proxy"), m.get("year")
                label = f'measure "{mid or mi}"'
                if isinstance(proxy, bool) or not isinstance(proxy, int | float) or proxy < 0:
                    problems.append(
                        f"{label}: proxy = {proxy!r} must be a £ value of 0 or more per unit"
                    )
                    proxy = 0.0
                if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
                    problems.append(
                        f"{label}: year = {year!r} must be the source's year, e.g. 2025"
                    )
                    year = 0
                if mid in measures:
                    problems.append(f'measure id "{mid}" is used twice')
                measures[mid] = Measure(
                    mid,
                    name,
                    unit,
                    float(proxy),
                    source,
                    int(year),
                    str(m.get("basis", "")),
                    tid,
                    tname,
                    oid,
                    oname,
                )
    behind = data.get("behind", {}) if isinstance(data.get("behind"), dict) else {}
    lm3 = data.get("lm3", {}) if isinstance(data.get("lm3"), dict) else {}
    fw = Framework(
        name=str(head.get("name", "Social value framework")),
        version=str(head.get("version", "")),
        measures=measures,
        themes=themes,
        themes_ppn002=ppn,
        path=path,
        behind_threshold=_share(behind, "threshold", 0.8, "behind", problems),
        staff_local_respend=_share(lm3, "staff_local_respend", 0.3, "lm3", problems),
        supplier_local_respend=_share(lm3, "supplier_local_respend", 0.2, "lm3", problems),
    )
    if problems:
        raise ConfigError(problems, path)
    return fw


def read_framework(path: Path) -> Framework:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WorkspaceError(
            f"{path} cannot be read ({exc.strerror}).", fix="Check the file exists."
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"it is not valid TOML ({exc})"], str(path)) from None
    return parse_framework(data, str(path))


def framework_path(ws: Workspace) -> Path:
    own = ws.root / WORKSPACE_NAME
    return own if own.exists() else DEFAULT_PATH


def load_framework(ws: Workspace) -> Framework:
    """The workspace's framework (socialvalue.toml in the workspace), else Anchorage's default."""
    return read_framework(framework_path(ws))


def init_framework(ws: Workspace) -> Path:
    """Copy the default framework into the workspace for editing (an existing file is kept)."""
    dest = ws.root / WORKSPACE_NAME
    if dest.exists():
        raise WorkspaceError(
            f"{dest} already exists; it was left as it is.",
            fix="Edit it, or delete it to start again from the default.",
        )
    shutil.copyfile(DEFAULT_PATH, dest)
    return dest
