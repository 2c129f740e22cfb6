"""Categories: the CPV hierarchy in its digits, and one configurable map between CPV, ProClass, SIC codes
and the anchors' own category labels (docs/pipeline.md)."""

from __future__ import annotations

import csv
import enum
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from anchorage.core.errors import AnchorageError, InputFileError

DATA = Path(__file__).parent / "data"
WORKSPACE_MAP = (
    "category_map.csv"  # a workspace's own rows, read after (and winning over) the defaults
)
SCHEMES = ("cpv", "sic", "proclass", "anchor")


# CPV levels by the number of significant digits: XX000000 division, XXX00000 group, XXXX0000 class,
# XXXXX000 category; the last three digits refine further.
class CpvLevel(enum.StrEnum):
    """How finely contracts group by CPV code."""

    division = "division"
    group = "group"
    class_ = "class"
    category = "category"
    code = "code"


CPV_LEVELS = dict(
    zip((lv.value for lv in CpvLevel), (2, 3, 4, 5, 8), strict=True)
)  # the digits each keeps


def cpv_code(text: str | None) -> str | None:
    """The 8-digit CPV code in a cell or OCDS id ("55520000-1", "55520000 Catering", "45233130.0"),
    right-padding a shorter prefix ("5552" → "55520000"); None when there is none."""
    if not text:
        return None
    m = re.match(r"\s*(\d{2,8})(?:\.0)?(?:-\d)?\b", str(text))
    if not m:
        return None
    return m.group(1).ljust(8, "0")


def cpv_prefix(code: str, level: str = "group") -> str:
    """The code's digits that name it at a hierarchy level: cpv_prefix("55524000", "group") == "555"."""
    if level not in CPV_LEVELS:
        raise AnchorageError(
            f'"{level}" is not a CPV level.', fix=f"Use one of: {', '.join(CPV_LEVELS)}."
        )
    return code[: CPV_LEVELS[level]]


def cpv_significant(code: str) -> str:
    """The digits before the trailing zeros (at least the division): "55520000" → "5552"."""
    return code.rstrip("0").ljust(2, "0")[:8] if code else code


@cache
def cpv_descriptions() -> dict[str, str]:
    with (DATA / "cpv_extract.csv").open(encoding="utf-8", newline="") as fh:
        return {r["code"]: r["description"] for r in csv.DictReader(fh)}


def cpv_label(code: str | None) -> str | None:
    """The most specific shipped description of a CPV code or any of its parents."""
    if not code:
        return None
    names = cpv_descriptions()
    for n in range(8, 1, -1):
        hit = names.get(code[:n].ljust(8, "0"))
        if hit:
            return hit
    return None


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@dataclass
class CategoryMap:
    """Shared category ← (scheme, code) rows; CPV and SIC match by longest prefix, labels exactly."""

    prefixes: dict[str, dict[str, str]] = field(default_factory=lambda: {"cpv": {}, "sic": {}})
    labels: dict[str, dict[str, str]] = field(
        default_factory=lambda: {"proclass": {}, "anchor": {}}
    )

    def add(self, category: str, scheme: str, code: str) -> None:
        if scheme in self.prefixes:
            self.prefixes[scheme][re.sub(r"\D", "", code)] = category
        else:
            self.labels[scheme][_key(code)] = category

    @property
    def categories(self) -> list[str]:
        found = {c for d in (*self.prefixes.values(), *self.labels.values()) for c in d.values()}
        return sorted(found)

    def _by_prefix(self, scheme: str, code: str | None) -> str | None:
        if not code:
            return None
        digits = re.sub(r"\D", "", code)
        table = self.prefixes[scheme]
        for n in range(len(digits), 1, -1):
            if digits[:n] in table:
                return table[digits[:n]]
        return None

    def for_cpv(self, code: str | None) -> str | None:
        return self._by_prefix("cpv", code)

    def for_sic(self, code: str | None) -> str | None:
        return self._by_prefix("sic", code)

    def for_label(self, label: str | None) -> str | None:
        """A ProClass name or an anchor's own label (case, spaces and punctuation ignored)."""
        if not label:
            return None
        k = _key(label)
        return self.labels["anchor"].get(k) or self.labels["proclass"].get(k)

    def category_of(
        self, cpv: str | None, proclass: str | None = None, label: str | None = None
    ) -> str | None:
        """A contract's shared category: by its CPV code, else its ProClass, else the anchor's label."""
        return self.for_cpv(cpv) or self.for_label(proclass) or self.for_label(label)

    def sic_prefixes(self, category: str) -> list[str]:
        return sorted(p for p, c in self.prefixes["sic"].items() if c == category)

    def cpv_prefixes(self, category: str) -> list[str]:
        return sorted(p for p, c in self.prefixes["cpv"].items() if c == category)


def _read_rows(path: Path, into: CategoryMap) -> None:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or not {"category", "scheme", "code"} <= set(
                reader.fieldnames
            ):
                raise InputFileError(
                    str(path),
                    "the category map needs the columns category, scheme, code.",
                    fix="Use the layout of contracts/data/category_map.csv.",
                )
            problems = []
            for i, row in enumerate(reader, start=2):
                scheme = (row["scheme"] or "").strip().lower()
                if scheme not in SCHEMES:
                    problems.append(
                        f"line {i}: scheme {row['scheme']!r} is not one of {', '.join(SCHEMES)}"
                    )
                elif (row["category"] or "").strip() and (row["code"] or "").strip():
                    into.add(row["category"].strip(), scheme, row["code"].strip())
            if problems:
                raise InputFileError(str(path), "; ".join(problems) + ".")
    except OSError as exc:
        raise InputFileError(str(path), f"the category map cannot be read ({exc}).") from None


def load_category_map(workspace_root: Path | None = None) -> CategoryMap:
    """The shipped default map, then the workspace's `category_map.csv` rows on top."""
    out = CategoryMap()
    _read_rows(DATA / "category_map.csv", out)
    if workspace_root is not None and (workspace_root / WORKSPACE_MAP).exists():
        _read_rows(workspace_root / WORKSPACE_MAP, out)
    return out
