"""Where the analysis keeps its intermediate tables, in bounded memory on either engine.

The analysis keeps three intermediates (the spend cube, the cube enriched, spend per supplier). At national
scale the cube is nearly as long as the payments (500,000 suppliers × 30 categories × 3 years × 400 bodies),
so it must not have to fit in memory:

- **DuckDB** (a warehouse file): each is written as a real table in a scratch database file next to the
  warehouse's temp directory (attached read-write beside the read-only warehouse), so its blocks are on
  disk and the buffer manager can drop them, rather than Ibis's `.cache()` temp tables, which live in
  the in-memory temp catalogue. The session also stops preserving insertion order: every result the
  analysis publishes is ordered explicitly (analysis._order, ranks by spend then name), and an
  order-preserving insert of an aggregate has to buffer out-of-order batches. The scratch file is
  deleted afterwards. An in-memory DuckDB (tests, the lake read by DuckDB) has no folder: temp tables.
- **Spark**: persisted on the executors' local disks only (`DISK_ONLY`). With memory and disk, Spark keeps
  up to half of its unified memory of cached blocks safe from eviction; at 50M payments on local[2] with
  a 2 GB heap the cube's blocks held ~650 MB of it while the joins that read the cube ran out of heap
  (BENCHMARKS.md). On disk the heap holds only what the operators need, which Spark spills, so it does
  not grow with the payments; each kept table is read a few times, from the page cache when it fits.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir


class Keeper:
    """Computes tables once and keeps them (`keeper(t)`), and splits a run into parts that fit in memory."""

    def __init__(self, keep: Callable[[ir.Table], ir.Table], parts: Callable[[Any], list[Any]]):
        self._keep, self.parts = keep, parts

    def __call__(self, t: ir.Table) -> ir.Table:
        return self._keep(t)


def _whole(opts: Any) -> list[Any]:
    return [opts]


@contextlib.contextmanager
def keeper(con: ibis.BaseBackend, *, spill: bool = True) -> Iterator[Keeper]:
    """A Keeper whose kept tables are all dropped on exit. With `spill` False, DuckDB keeps them in memory
    (temp tables, the whole run at once): faster while they fit (analysis.analyse tries that first)."""
    if con.name == "duckdb" and spill:
        folder = _duckdb_folder(con)
        if folder is not None:
            with _duckdb_scratch(con, folder) as keep:
                yield Keeper(keep, lambda opts: _duckdb_parts(con, opts))
            return
    if con.name == "pyspark":
        with _spark_persist(con) as keep:
            yield Keeper(keep, _whole)
        return
    with contextlib.ExitStack() as stack:
        yield Keeper(lambda t: stack.enter_context(t.cache()), _whole)


# Memory limit per payment of a part: with two threads, parts of 125,000 payments were built in 64 MB and
# 250,000 in 120 MB (about 500 bytes a payment, DuckDB's fixed needs included); twice that, for what
# else runs at the same time.
BYTES_PER_PAYMENT = 1000


def _duckdb_parts(con: Any, opts: Any) -> list[Any]:
    """The anchors in groups whose payments fit the memory limit (in upload order, so each group's rows
    are neighbours in the warehouse and DuckDB skips the others'); one group when everything fits. Every
    figure is per anchor or a sum or distinct count over the kept tables, so the parts only split work."""
    budget = max(_bytes(_setting(con, "memory_limit")) // BYTES_PER_PAYMENT, 1)
    rows = con.raw_sql(
        "SELECT u.org, count(*) FROM spend_rows AS r JOIN spend_uploads AS u USING (upload_no) "
        "GROUP BY u.org ORDER BY min(u.upload_no), u.org"
    ).fetchall()
    if opts.orgs:
        rows = [r for r in rows if r[0] in set(opts.orgs)]
    if sum(n for _, n in rows) <= budget:
        return [opts]
    groups: list[list[str]] = [[]]
    size = 0
    for org, n in rows:
        if groups[-1] and size + n > budget:
            groups.append([])
            size = 0
        groups[-1].append(org)
        size += n
    return [dataclasses.replace(opts, orgs=g) for g in groups]


def _setting(con: Any, name: str) -> str:
    return str(con.raw_sql(f"SELECT current_setting('{name}')").fetchone()[0])


_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
_UNITS |= {"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def _bytes(text: str) -> int:
    """DuckDB's memory_limit as bytes ('1.8 GiB', '512.0 MiB')."""
    number, _, unit = text.strip().partition(" ")
    return int(float(number) * _UNITS.get(unit.strip().upper(), 1))


def _duckdb_folder(con: Any) -> Path | None:
    """The warehouse's temp directory (store/warehouse.py sets it beside the file); None in memory."""
    path = con.raw_sql(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()[0]
    if not path:
        return None
    tmp = con.raw_sql("SELECT current_setting('temp_directory')").fetchone()[0]
    return Path(tmp) if tmp else Path(path).with_suffix(".tmp")


@contextlib.contextmanager
def _duckdb_scratch(con: Any, folder: Path) -> Iterator[Callable[[ir.Table], ir.Table]]:
    folder.mkdir(parents=True, exist_ok=True)
    run = uuid.uuid4().hex[:12]
    file = folder / f"analysis-{os.getpid()}-{run}.duckdb"
    # an attached database is seen by the instance's every cursor: each run has its own name
    scratch = f"anchorage_scratch_{run}"
    con.raw_sql("SET SESSION preserve_insertion_order = false")
    con.raw_sql(f"ATTACH '{_quote(str(file))}' AS {scratch} (READ_WRITE)")
    names = iter(range(1_000_000))

    def keep(t: ir.Table) -> ir.Table:
        name = f"kept_{next(names)}"
        con.raw_sql(f"CREATE TABLE {scratch}.main.{name} AS {con.compile(t)}")
        # read back as the expression's types (a sum DuckDB stored as HUGEINT is the int64 Ibis said it is),
        # so figures come out the same whether kept in memory or on disk
        return con.table(name, database=(scratch, "main")).cast(t.schema())

    try:
        yield keep
    finally:
        with contextlib.suppress(Exception):
            con.raw_sql(f"DETACH {scratch}")
        con.raw_sql("RESET SESSION preserve_insertion_order")
        for f in (file, file.with_name(file.name + ".wal")):
            f.unlink(missing_ok=True)


@contextlib.contextmanager
def _spark_persist(con: Any) -> Iterator[Callable[[ir.Table], ir.Table]]:
    from pyspark import StorageLevel

    kept: list[tuple[str, Any]] = []

    def keep(t: ir.Table) -> ir.Table:
        name = f"anchorage_kept_{uuid.uuid4().hex[:12]}"
        df = con._session.sql(con.compile(t)).persist(StorageLevel.DISK_ONLY)
        df.createTempView(name)
        kept.append((name, df))
        return con.table(name)

    try:
        yield keep
    finally:
        for name, df in kept:
            with contextlib.suppress(Exception):
                con._session.catalog.dropTempView(name)
                df.unpersist()


def _quote(text: str) -> str:
    return text.replace("'", "''")
