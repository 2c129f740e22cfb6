"""Machine-readable CSV output: one UTF-8 file per result table, raw numbers and machine column names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from anchorage.exports import write_csv


def write_csvs(directory: Path | str, tables: Mapping[str, pd.DataFrame]) -> dict[str, Path]:
    """Write each table to <directory>/<name>.csv and return the paths by table name."""
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, df in tables.items():
        path = out_dir / f"{re.sub(r'[^A-Za-z0-9_-]+', '_', name)}.csv"
        paths[name] = write_csv(path, df)
    return paths
