"""Look before loading: the first rows of a file and the column mapping that would be used."""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from anchorage.core.errors import AnchorageError, HeaderNotFound
from anchorage.ingest import dates, infer, sanity, sniff
from anchorage.ingest import mapping as mapmod
from anchorage.ingest.readers import stage_file
from anchorage.ingest.spend import check_spend
from anchorage.ingest.spend_stage import GLUED_DATE_SQL
from anchorage.workspace import Workspace


@dataclass
class Preview:
    file: str
    sheet: str | None
    columns: list[str]
    rows: list[list[str | None]]
    mapping: dict[str, str]  # field -> column
    fields: list[str]  # every field this kind knows, in order
    required: list[str]
    notes: list[str] = field(default_factory=list)
    # field -> {samples, confidence, looks_like, chosen_by}: how the automatic choice was made
    chosen: dict[str, dict] = field(default_factory=dict)
    date_order: str | None = None  # "dmy"/"mdy" when the values prove it (or no numeric dates)
    date_question: str | None = (
        None  # why the user must choose the date order, when the values cannot tell
    )
    date_note: str | None = None
    # How the order was decided ("proven by the values", "the anchor's earlier files", "no numeric dates"):
    # the order is worth telling only when the file has dates whose day and month could be swapped.
    date_how: str | None = None
    head_only: bool = (
        False  # read from the top of the file only (the date order too): the file is longer
    )
    warnings: list[str] = field(
        default_factory=list
    )  # sanity checks that can be told from the file alone

    @property
    def date_order_shown(self) -> bool:
        """Whether to tell the user the day/month order: only when it was decided from dates that have one."""
        return self.date_order is not None and self.date_how != "no numeric dates"

    @property
    def missing(self) -> list[str]:
        return [f for f in self.required if f not in self.mapping]


def text_cells(row: list[str]) -> int:
    """Fallback header score: how many cells hold a label rather than a number."""
    return sum(
        1
        for c in row
        if c and c.strip() and not c.strip().replace(".", "").replace(",", "").isdigit()
    )


# The preview reads this many rows (of a CSV, at most this many bytes) from the top of a file: enough to choose
# the columns and, nearly always, the date order; every row is checked by the whole-file checks (a job for a big
# file) and by the load. A million-row file is not read through within the request.
HEAD_ROWS = 20_000
HEAD_BYTES = 8 * 1024 * 1024


def head_of(path: Path, workdir: Path, size: int | None = None) -> Path:
    """A CSV's first `size` bytes, cut after its last whole line, as a file of its own in `workdir` (the file
    itself when it is no bigger, or is UTF-16, whose line ends are two bytes)."""
    size = size or HEAD_BYTES
    if sniff.detect_format(path) != "csv" or path.stat().st_size <= size:
        return path
    with path.open("rb") as fh:
        chunk = fh.read(size)
    if chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\n" not in chunk:
        return path
    (workdir / "head").mkdir(exist_ok=True)
    head = workdir / "head" / path.name  # the same name: a message about it names the user's file
    head.write_bytes(chunk[: chunk.rindex(b"\n") + 1])
    return head


def preview_file(
    path: Path,
    kind: str = "spend",
    *,
    workdir: Path,
    limit: int = 10,
    mapping: dict[str, str] | None = None,
    anchor_name: str = "",
    head: int | None = HEAD_ROWS,
) -> Preview:
    """Find the header, read the first `limit` data rows and propose (or check) the mapping, from the first
    `head` rows of the file (None: all of it)."""
    source = path if head is None else head_of(path, workdir)
    con = duckdb.connect()
    try:
        try:
            parts, notes = stage_file(
                con,
                source,
                mapmod.header_scorer(kind),
                workdir,
                kind=kind,
                what=mapmod.HEADER_HINTS.get(kind, "its"),
                head=head,
            )
        except HeaderNotFound:
            parts, notes = stage_file(con, source, text_cells, workdir, head=head)
            notes.append(
                "We did not recognise the column names, so we took the first row with several "
                "labels as the header. Choose the columns below."
            )
        part = parts[0]
        cols = ", ".join(f"c{i}" for i in range(len(part.columns)))
        rows = [
            list(r)
            for r in con.execute(f"SELECT {cols} FROM {part.table} LIMIT {int(limit)}").fetchall()
        ]
        sample = [
            list(r)
            for r in con.execute(
                f"SELECT {cols} FROM {part.table} LIMIT {infer.SAMPLE_ROWS}"
            ).fetchall()
        ]
        auto = infer.automatic(part.columns, sample, kind)
        chosen = (
            auto.fields
            if mapping is None
            else {f: c for f, c in mapping.items() if c in part.columns}
        )
        pv = Preview(
            path.name,
            part.sheet,
            part.columns,
            rows,
            chosen,
            list(mapmod.FIELDS[kind]),
            list(mapmod.REQUIRED[kind]),
            notes,
        )
        pv.head_only = source != path
        pv.chosen = {
            c.field: {
                "samples": c.samples,
                "confidence": c.confidence,
                "looks_like": c.kind,
                "chosen_by": c.why,
            }
            for c in auto.choices
        }
        if kind == "spend" and chosen.get("payment_date") in part.columns:
            _dates(con, pv, part.table, part.columns.index(chosen["payment_date"]), auto.glued_date)
            body = sanity.other_body(part.columns, sample, sanity.Context(anchor_name, anchor_name))
            pv.warnings = [body] if body else []
    finally:
        con.close()
    if len(parts) > 1:
        notes.append(f"{len(parts)} sheets have data; all are loaded, the first is shown.")
    return pv


def _dates(con: duckdb.DuckDBPyConnection, pv: Preview, table: str, col: int, glued: bool) -> None:
    """The date order all the column's values prove, or the question to ask when they cannot tell."""
    cell = (
        f"NULLIF(regexp_extract(trim(c{col}), '{GLUED_DATE_SQL}', 1), '')"
        if glued
        else f"trim(c{col})"
    )
    ev = dates.gather(con, f"SELECT {dates.evidence_sql(cell)} FROM {table}")
    try:
        decision = dates.decide(ev, path=pv.file, column=pv.columns[col])
        pv.date_order, pv.date_note, pv.date_how = decision.order, decision.note, decision.how
    except dates.DateOrderError as exc:
        pv.date_question = exc.message.split(": ", 1)[-1]
    pv.date_note = pv.date_note or dates.month_level_note(ev)


def write_mapping_file(mapping: dict[str, str], path: Path) -> Path:
    """Save a chosen mapping as a JSON mapping file (the same format `--mapping FILE` reads)."""
    path.write_text(json.dumps({f: c for f, c in mapping.items() if c}, indent=2), encoding="utf-8")
    return path


def run_spend_checks(ws: Workspace, pv: Preview, path: Path, org: str, workdir: Path) -> None:
    """Every check the load would make, shown on the preview before the load is tried: the file is read in
    full with the proposed columns and date order (nothing is loaded), and pv.warnings gets what it finds."""
    if pv.missing:
        return
    # An order seen in the top of the file only is not given: the whole file must prove it (or ask).
    order = None if pv.head_only else pv.date_order
    try:
        pv.warnings = check_spend(
            ws,
            path,
            org,
            mapping_file=write_mapping_file(pv.mapping, workdir / "mapping.json"),
            date_order=order,
        )
    except dates.DateOrderError:
        pv.notes.append(
            "The checks on the file's dates (far away, in the future, already loaded) run when you "
            "load it, once the date order is chosen."
        )
    except (
        AnchorageError
    ) as exc:  # the load will say the same, with the fix; the preview still shows the file
        pv.notes.append(f"When loaded as proposed: {exc.message.replace(f'{path.parent}/', '')}")
