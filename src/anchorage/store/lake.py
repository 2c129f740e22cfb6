"""The lake: the warehouse's tables as Parquet files that DuckDB and Spark read natively (docs/scaling.md).

Layout (paths relative to the lake folder):

    payments/org=SLUG/financial_year=YYYY/upload_no=N/part_0.parquet   one wide row per payment (the `spend` view)
    suppliers/upload_no=N/part_0.parquet, lines/upload_no=N/...        the per-upload supplier and line cells
    tables/NAME/vK.parquet                                             whole tables (reference, registers, ...)
    analysis/NAME.parquet                                              the last analysis's result tables
    _manifest.json                                                     the files that make up each table now
    _log/0000000K.json                                                 one entry per commit: files added, removed

Hive-style partitioned Parquet plus a small commit log of our own, not Iceberg or Delta: their Spark
runtimes are JARs fetched from Maven, which a workspace may not reach (and no PyPI wheel ships them for
Spark 4), while plain Parquet needs nothing but Spark itself. Writers change the lake only by writing new
files, then replacing `_manifest.json` atomically, then deleting what the old manifest listed and the new
one does not; readers take the file lists from the manifest, so a reader never sees half an export.

Payments are written per upload, so an export writes only the uploads committed since the last one and
removes the files of uploads replaced or removed since. Every row is moved by DuckDB's COPY, never Python.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from anchorage.core.errors import AnchorageError
from anchorage.core.periods import FINANCIAL_YEAR_SQL
from anchorage.store.spend_store import spend_select

MANIFEST = "_manifest.json"
FORMAT = "anchorage-lake/1"
# Whole tables copied as they are: reference geography, registers, supplier knowledge and resolution.
WHOLE_TABLES = (
    "supplier_profile",
    "supplier_master",
    "postcodes",
    "imd",
    "areas",
    "boundaries",
    "register_entities",
    "supplier_candidates",
    "supplier_resolution",
)
PER_UPLOAD = ("payments", "suppliers", "lines")
FINANCIAL_YEAR = FINANCIAL_YEAR_SQL.format(col="payment_date")


def payments_sql(nos: str) -> str:
    """The rows of the `spend` view for these upload numbers, with their financial year and upload number."""
    return (
        f"SELECT s.*, {FINANCIAL_YEAR} AS financial_year, u.upload_no FROM ({spend_select(nos)}) s "
        f"JOIN spend_uploads u ON u.upload_id = s.upload_id AND u.org = s.org"
    )


# DuckDB keeps at most 100 partition files open in a partitioned COPY (partitioned_write_max_open_files); past
# that it closes one and, at the next flush (every 524,288 rows a thread), starts another file for the same
# partition: 50M payments in 1,200 uploads became 33,000 files of 20 KB. A COPY of 30 uploads (each with a few
# financial years at most) stays under the limit, so each upload gets one file per thread that wrote it.
UPLOADS_PER_COPY = 30


class LakeError(AnchorageError):
    """The lake cannot be written or read."""


@dataclass
class ExportSummary:
    """What one `lake export` did."""

    lake: str
    version: int
    uploads_written: list[str] = field(default_factory=list)
    uploads_removed: list[str] = field(default_factory=list)
    tables_written: list[str] = field(default_factory=list)
    payments: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "lake": self.lake,
            "version": self.version,
            "uploads_written": self.uploads_written,
            "uploads_removed": self.uploads_removed,
            "tables_written": self.tables_written,
            "payments_in_lake": self.payments,
        }


def empty_manifest() -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": 0,
        "uploads": {},
        "tables": {},
        "analysis": {},
        "sources": {},
    }


def read_manifest(root: Path) -> dict[str, Any]:
    """The lake's current manifest (an empty one if nothing was exported yet)."""
    path = root / MANIFEST
    if not path.exists():
        return empty_manifest()
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LakeError(
            f"The lake's manifest {MANIFEST} cannot be read ({exc}).",
            web_fix="Ask whoever runs the workspace for Anchorage to do this.",
            fix="Export the lake again into an empty folder: anchorage lake export --to NEW_FOLDER",
        ) from None
    if manifest.get("format") != FORMAT:
        raise LakeError(
            f"The folder {root.name} holds something other than an Anchorage lake.",
            web_fix="Ask whoever runs the workspace for Anchorage to do this.",
            fix="Choose another folder with --to, or empty this one.",
        )
    return manifest


# Tables whose rows belong to one anchor each: a national lake's is the union of its sources' (lake ingest).
BY_ANCHOR = (
    *PER_UPLOAD,
    "uploads",
    "supplier_profile",
    "supplier_master",
    "supplier_candidates",
    "supplier_resolution",
)


def table_files(root: Path, manifest: dict[str, Any], table: str) -> list[str]:
    """Absolute paths of the files that make up a table now (empty if the lake has none).

    In a lake built by `lake ingest`, an anchor table is the union of every source's; a shared table (reference
    geography, registers) is the lake's own if it has one, else the first source's that does."""
    own = _own_files(root, manifest, table)
    sources = [root / s["path"] for _, s in sorted(manifest.get("sources", {}).items())]
    if table in BY_ANCHOR:
        return own + [f for sub in sources for f in _own_files(sub, read_manifest(sub), table)]
    for sub in [] if own else sources:
        found = _own_files(sub, read_manifest(sub), table)
        if found:
            return found
    return own


def _own_files(root: Path, manifest: dict[str, Any], table: str) -> list[str]:
    if table in PER_UPLOAD:
        rel = [f for u in manifest["uploads"].values() for f in u["files"].get(table, [])]
    elif table in manifest["tables"]:
        rel = manifest["tables"][table]["files"]
    elif table in manifest["analysis"]:
        rel = manifest["analysis"][table]["files"]
    else:
        rel = []
    return [str(root / f) for f in rel]


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """One writer at a time: a second export waits for the first instead of interleaving with it."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / "_lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def commit(root: Path, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Log the change, swap the manifest in atomically, then delete the files only the old one listed."""
    new["version"] = old["version"] + 1
    new["written_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    before, after = set(_all_files(old)), set(_all_files(new))
    log = root / "_log"
    log.mkdir(exist_ok=True)
    entry = {
        "version": new["version"],
        "at": new["written_at"],
        "added": sorted(after - before),
        "removed": sorted(before - after),
    }
    (log / f"{new['version']:08d}.json").write_text(json.dumps(entry, indent=1), encoding="utf-8")
    tmp = root / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps(new, indent=1), encoding="utf-8")
    os.replace(tmp, root / MANIFEST)
    for rel in before - after:
        (root / rel).unlink(missing_ok=True)
    _prune_empty_dirs(root)


def _all_files(manifest: dict[str, Any]) -> Iterator[str]:
    for u in manifest["uploads"].values():
        for files in u["files"].values():
            yield from files
    for section in ("tables", "analysis"):
        for t in manifest[section].values():
            yield from t["files"]


def _prune_empty_dirs(root: Path) -> None:
    for top in ("payments", "suppliers", "lines", "tables"):
        for d in sorted(
            (p for p in (root / top).rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)
        ):
            if not any(d.iterdir()):
                d.rmdir()


def _sql_str(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> tuple[str, int]:
    """A cheap fingerprint of a table's content (row count and an order-free hash of its rows)."""
    row = con.execute(
        f"SELECT count(*), coalesce(bit_xor(hash(t)), 0) FROM {table} AS t"
    ).fetchone()
    assert row is not None
    return hashlib.sha256(f"{row[0]}:{row[1]}".encode()).hexdigest()[:16], int(row[0])


def committed_uploads(
    con: duckdb.DuckDBPyConnection, loaded_ids: set[str]
) -> dict[str, tuple[int, str]]:
    """upload_id -> (upload_no, org) for every spend upload the warehouse holds and the records call loaded."""
    rows = con.execute("SELECT upload_id, upload_no, org FROM spend_uploads").fetchall()
    return {uid: (int(no), org) for uid, no, org in rows if uid in loaded_ids}


def export(con: duckdb.DuckDBPyConnection, root: Path, loaded_ids: set[str]) -> ExportSummary:
    """Bring the lake at `root` up to date with the warehouse (read through `con`)."""
    with locked(root):
        old = read_manifest(root)
        new = json.loads(json.dumps(old))
        summary = ExportSummary(lake=str(root), version=old["version"])
        current = committed_uploads(con, loaded_ids)
        for uid in list(new["uploads"]):
            entry = new["uploads"][uid]
            if uid not in current or current[uid][0] != entry["upload_no"]:
                del new["uploads"][uid]
                summary.uploads_removed.append(uid)
        fresh = {uid: v for uid, v in current.items() if uid not in new["uploads"]}
        if fresh:
            new["uploads"].update(_write_uploads(con, root, fresh))
            summary.uploads_written = sorted(fresh)
        for table in ("uploads", *WHOLE_TABLES):
            source = "spend_uploads" if table == "uploads" else table
            fp, rows = _fingerprint(con, source)
            if new["tables"].get(table, {}).get("fingerprint") == fp:
                continue
            version = old["version"] + 1
            rel = f"tables/{table}/v{version}.parquet"
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            con.execute(f"COPY (SELECT * FROM {source}) TO {_sql_str(root / rel)} (FORMAT parquet)")
            new["tables"][table] = {"files": [rel], "fingerprint": fp, "rows": rows}
            summary.tables_written.append(table)
        summary.payments = sum(u["rows"] for u in new["uploads"].values())
        if summary.uploads_written or summary.uploads_removed or summary.tables_written:
            commit(root, old, new)
            summary.version = new["version"]
        return summary


def _upload_files(root: Path, top: str) -> dict[int, list[Path]]:
    """The Parquet files under payments/, suppliers/ or lines/, by upload number (one walk of the folder)."""
    found: dict[int, list[Path]] = {}
    for path in (root / top).rglob("*.parquet"):
        no = path.parent.name.removeprefix("upload_no=")
        if no.isdigit():
            found.setdefault(int(no), []).append(path)
    return found


def _write_uploads(
    con: duckdb.DuckDBPyConnection, root: Path, fresh: dict[str, tuple[int, str]]
) -> dict[str, Any]:
    """Write the payments, suppliers and lines of new uploads: one COPY per table for each UPLOADS_PER_COPY."""
    numbers = {no for no, _ in fresh.values()}
    nos = ", ".join(str(no) for no in sorted(numbers))
    for top in PER_UPLOAD:  # what a crashed export may have left of the same uploads
        for no, paths in _upload_files(root, top).items():
            if no in numbers:
                for path in paths:
                    path.unlink()
    common = "FORMAT parquet, OVERWRITE_OR_IGNORE, WRITE_PARTITION_COLUMNS true, FILENAME_PATTERN 'part_{i}'"
    ordered = sorted(numbers)
    for i in range(0, len(ordered), UPLOADS_PER_COPY):
        batch = ", ".join(str(no) for no in ordered[i : i + UPLOADS_PER_COPY])
        con.execute(
            f"COPY ({payments_sql(batch)}) TO {_sql_str(root / 'payments')} "
            f"({common}, PARTITION_BY (org, financial_year, upload_no))"
        )
        for top, table in (("suppliers", "spend_suppliers"), ("lines", "spend_lines")):
            con.execute(
                f"COPY (SELECT * FROM {table} WHERE upload_no IN ({batch})) TO {_sql_str(root / top)} "
                f"({common}, PARTITION_BY (upload_no))"
            )
    counts = dict(
        con.execute(
            f"SELECT upload_no, count(*) FROM spend_rows WHERE upload_no IN ({nos}) "
            "GROUP BY upload_no"
        ).fetchall()
    )
    written = {top: _upload_files(root, top) for top in PER_UPLOAD}
    entries: dict[str, Any] = {}
    for uid, (no, org) in fresh.items():
        files = {
            top: sorted(str(p.relative_to(root)) for p in written[top].get(no, []))
            for top in PER_UPLOAD
        }
        entries[uid] = {"upload_no": no, "org": org, "rows": int(counts.get(no, 0)), "files": files}
    return entries


def write_analysis(root: Path, tables: dict[str, Any], engine: str) -> None:
    """Write an analysis's result tables (small frames) to analysis/NAME.parquet and commit them."""
    with locked(root):
        old = read_manifest(root)
        new = json.loads(json.dumps(old))
        version = old["version"] + 1
        new["analysis"] = {}
        out = root / "analysis"
        out.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        try:
            for name, frame in tables.items():
                rel = f"analysis/{name}.v{version}.parquet"
                con.register("result_frame", frame)
                con.execute(f"COPY result_frame TO {_sql_str(root / rel)} (FORMAT parquet)")
                con.unregister("result_frame")
                new["analysis"][name] = {"files": [rel], "rows": len(frame), "engine": engine}
        finally:
            con.close()
        commit(root, old, new)


# Object stores and HDFS: what a user installs or configures instead (the lake needs a file system: it renames
# its manifest atomically and locks a file, which object stores do not offer).
_REMOTE = {
    "s3": "mount the bucket as a folder (mountpoint-s3 or s3fs) and give that folder; Spark nodes read the same "
    "files as s3a:// once hadoop-aws is on their class path",
    "gs": "mount the bucket as a folder (gcsfuse) and give that folder",
    "abfss": "mount the container as a folder (blobfuse2) and give that folder",
    "hdfs": "mount HDFS as a folder (the HDFS NFS gateway or fuse-dfs) and give that folder",
}
_REMOTE.update(
    {
        "s3a": _REMOTE["s3"],
        "s3n": _REMOTE["s3"],
        "gcs": _REMOTE["gs"],
        "abfs": _REMOTE["abfss"],
        "wasbs": _REMOTE["abfss"],
        "az": _REMOTE["abfss"],
    }
)


def location(text: str | Path) -> Path:
    """A lake location given as a plain path or a file:// URI, as a path; other schemes refused plainly."""
    raw = str(text)
    scheme = raw.split("://", 1)[0].lower() if "://" in raw else ""
    if not scheme:
        return Path(raw).expanduser()
    if scheme == "file":
        parsed = urllib.parse.urlparse(raw)
        if parsed.netloc not in ("", "localhost"):
            raise LakeError(
                f"The lake location {raw} names another machine ({parsed.netloc}).",
                fix="Use file:///path (three slashes) for a folder on this machine, or a plain path.",
            )
        return Path(urllib.parse.unquote(parsed.path))
    fix = _REMOTE.get(scheme)
    if fix is None:
        raise LakeError(
            f"The lake location {raw} uses {scheme}://, which Anchorage does not know.",
            fix="Give a folder (a plain path or file:///path).",
        )
    raise LakeError(
        f"The lake cannot be written to {scheme}:// directly: it needs a file system (an atomic rename "
        "for its manifest and a lock file).",
        fix=f"To use {raw}: {fix}.",
    )


def root_for(base: Path, configured: str, to: str | Path | None = None) -> Path:
    """The lake folder: `to`, else the configured one, else lake/ (paths or file:// URIs); relative paths are
    under `base` (the workspace)."""
    chosen = location(to or configured or "lake")
    return chosen if chosen.is_absolute() else (base / chosen).resolve()


def fresh_dir(root: Path, table: str) -> Path:
    """A new, empty folder for the next version of a table: written first, published (committed) after."""
    path = root / "tables" / table / f"v{read_manifest(root)['version'] + 1}-{secrets.token_hex(4)}"
    path.mkdir(parents=True)
    return path


def publish(root: Path, folders: dict[str, Path], rows: dict[str, int] | None = None) -> None:
    """Make the Parquet files written into each fresh_dir folder the table's content, in one commit."""
    with locked(root):
        old = read_manifest(root)
        new = json.loads(json.dumps(old))
        for table, folder in folders.items():
            for extra in [
                p for p in folder.iterdir() if p.suffix != ".parquet"
            ]:  # Spark's _SUCCESS, .crc files
                extra.unlink()
            files = sorted(str(p.relative_to(root)) for p in folder.glob("*.parquet"))
            new["tables"][table] = {"files": files, "rows": (rows or {}).get(table)}
        commit(root, old, new)


def copy_tables(
    con: duckdb.DuckDBPyConnection, root: Path, selects: dict[str, str]
) -> dict[str, int]:
    """Write each SELECT (run by DuckDB, never through Python) as a lake table; one commit for all."""
    folders, rows = {}, {}
    for table, select in selects.items():
        folders[table] = fresh_dir(root, table)
        done = con.execute(
            f"COPY ({select}) TO {_sql_str(folders[table] / 'part_0.parquet')} (FORMAT parquet)"
        )
        rows[table] = int(done.fetchone()[0])  # type: ignore[index]  # COPY answers with its row count
    publish(root, folders, rows)
    return rows


def read_sql(root: Path, table: str) -> str:
    """DuckDB SQL that reads a lake table as the manifest lists it now."""
    files = table_files(root, read_manifest(root), table)
    if not files:
        raise LakeError(
            f"The lake at {root.name} has no table {table}.",
            fix="Run the command that writes it again (it may have been stopped part way).",
        )
    return f"read_parquet([{', '.join(_sql_str(f) for f in files)}])"
