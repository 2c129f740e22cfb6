"""What the workforce import kinds share (workforce/imports.py and the kinds' modules): the checks a file's
rows get in SQL (a positive number, a key the file holds once, a value from a short list), the anchors a file
replaces, and a kind made into a loader on the one pipeline (ingest/record_files.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement

from anchorage.ingest.progress import Progress
from anchorage.ingest.record_files import Check, RecordsKind, import_records_file
from anchorage.ingest.result import ImportSummary
from anchorage.workspace import Workspace


def quoted(text: str) -> str:
    """Text inside an SQL string literal."""
    return text.replace("'", "''")


def sql_in(values: tuple[str, ...]) -> str:
    """An SQL list of the (known, fixed) values, for NOT IN."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def duplicate(fields: str, what: str, column: str) -> Check:
    """Rows repeating a key the file should hold once are all quarantined (which one is right is unknown)."""
    return Check(
        f"count(*) OVER (PARTITION BY {fields}) > 1 AND {fields.split(',')[-1]} IS NOT NULL",
        f"'{quoted(what)} appears ' || count(*) OVER (PARTITION BY {fields}) || ' times in the file'",
        column,
    )


def positive(name: str, words: str, zero_ok: bool = False) -> Check:
    op = "<" if zero_ok else "<="
    return Check(
        f'"{name}" {op} 0',
        f"""'{words} "' || "{name}_raw" || '" must be {
            "0 or more" if zero_ok else "more than 0"
        }'""",
        name,
    )


def where_anchor(col: Any, scope: set[str]) -> ColumnElement[bool]:
    return col.in_(sorted(scope))


def importer(build: Callable[[Workspace], RecordsKind]) -> Callable[..., ImportSummary]:
    def load(
        ws: Workspace,
        path: Path,
        org: str | None = None,
        *,
        mapping_file: Path | None = None,
        progress: Progress | None = None,
    ) -> ImportSummary:
        return import_records_file(
            ws, build(ws), path, org, mapping_file=mapping_file, progress=progress
        )

    load.__doc__ = (
        f"Load a {build.__name__.removesuffix('_kind')} file for an anchor, or collaborative-wide."
    )
    return load
