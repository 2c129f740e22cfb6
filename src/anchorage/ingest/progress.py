"""Progress for long loads: poll DuckDB's own query progress while a statement runs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import duckdb

Progress = Callable[[str, float], None]  # (stage description, fraction 0..1)


def run(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: Any = None,
    *,
    stage: str = "",
    progress: Progress | None = None,
) -> None:
    """Execute one statement; while it runs, report DuckDB's progress for it to `progress`."""
    if progress is None:
        con.execute(sql, params)
        return
    done = threading.Event()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            con.execute(sql, params)
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)
        finally:
            done.set()

    progress(stage, 0.0)
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    while not done.wait(0.25):
        try:
            pct = con.query_progress()
        except duckdb.Error:
            pct = -1
        if pct is not None and pct >= 0:
            progress(stage, min(pct, 100.0) / 100.0)
    thread.join()
    if errors:
        raise errors[0]
    progress(stage, 1.0)
