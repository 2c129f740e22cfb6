"""`reference fetch`: download the publishers' open reference files (or take a folder of them) and check them.

The addresses live in sources.toml next to this module; a workspace overrides any field under
[reference.sources.NAME] in anchorage.toml, since portals move files. Every file is downloaded and
checked before anything is imported, so a bad file leaves the workspace as it was.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import io
import re
import tomllib
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from anchorage.core.errors import AnchorageError, ConfigError
from anchorage.reference.download import AddressMoved, Progress, download, md5_of
from anchorage.workspace import Workspace

IMPORTERS = ("geography", "companies_house", "charity_commission")
GROUPS = {"all": ("nspl", "imd", "companies-house", "charities")}
FIELDS = {
    "label": str,
    "url": str,
    "page": str,
    "filename": str,
    "zip": bool,
    "columns": list,
    "min_bytes": int,
    "sha256": str,
    "patterns": list,
    "importer": str,
}


class ReferenceFileError(AnchorageError):
    """A downloaded or given reference file failed a check (size, zip, columns, checksum)."""


@dataclass
class Source:
    name: str
    label: str
    url: str
    page: str
    filename: str
    zip: bool
    columns: list[str]
    min_bytes: int
    sha256: str
    patterns: list[str]
    importer: str


@dataclass
class Prepared:
    """A checked file (or files) ready for its importer."""

    source: Source
    paths: list[Path]
    downloaded: bool
    notes: list[str] = field(default_factory=list)


def load_sources(ws: Workspace | None = None) -> dict[str, Source]:
    """The package's sources with the workspace's [reference.sources.*] overrides; all problems at once."""
    raw: dict[str, dict[str, Any]] = tomllib.loads(
        resources.files("anchorage.reference").joinpath("sources.toml").read_text(encoding="utf-8")
    )
    overrides = (ws.config.reference.get("sources", {}) if ws else {}) or {}
    problems: list[str] = []
    for name, fields in overrides.items():
        if not isinstance(fields, dict):
            problems.append(f"reference.sources.{name} must be a table of settings")
            continue
        base = raw.setdefault(
            name,
            {
                "label": name,
                "url": "",
                "page": "",
                "filename": name,
                "zip": False,
                "columns": [],
                "min_bytes": 1,
                "sha256": "",
                "patterns": [],
                "importer": "",
            },
        )
        for key, value in fields.items():
            if key not in FIELDS:
                problems.append(
                    f"reference.sources.{name}.{key} is not a setting (use {', '.join(FIELDS)})"
                )
            elif not isinstance(value, FIELDS[key]):
                problems.append(f"reference.sources.{name}.{key} must be a {FIELDS[key].__name__}")
            else:
                base[key] = value
    out = {}
    for name, fields in raw.items():
        if fields.get("importer") not in IMPORTERS:
            problems.append(
                f"reference.sources.{name}.importer must be one of {', '.join(IMPORTERS)}"
            )
            continue
        out[name] = Source(name=name, **{k: fields.get(k, "") for k in FIELDS})
    if problems:
        raise ConfigError(problems, str(ws.config_path) if ws else "sources.toml")
    return out


def select(sources: dict[str, Source], names: list[str]) -> list[Source]:
    """The sources named (or a group such as `all`), in order, each once."""
    chosen: list[str] = []
    for name in names:
        for n in GROUPS.get(name, (name,)):
            if n not in sources:
                raise AnchorageError(
                    f'There is no reference source called "{n}".',
                    fix=f"Use one of: {', '.join([*sources, *GROUPS])}.",
                )
            if n not in chosen:
                chosen.append(n)
    return [sources[n] for n in chosen]


def resolve_url(url: str, today: dt.date) -> list[str]:
    """Candidate addresses: {month} is this month's first day, then last month's (not out yet early in a month)."""
    if "{month}" not in url:
        return [url]
    this = today.replace(day=1)
    last = (this - dt.timedelta(days=1)).replace(day=1)
    return [url.replace("{month}", d.isoformat()) for d in (this, last)]


def fetch(
    ws: Workspace,
    source: Source,
    *,
    progress: Progress | None = None,
    retries: int = 3,
    today: dt.date | None = None,
) -> Prepared:
    """Download one source into the workspace's reference folder (resuming) and check it."""
    if not source.url:
        raise AnchorageError(
            f"No download address is set for {source.label}.",
            web_fix="Ask whoever runs the workspace to set the file's download address or load it by hand.",
            fix=f"Find the file at {source.page} and either set its url in the reference.sources.{source.name} "
            f"table of {ws.config_path.name}, or download it and "
            f"run: anchorage reference fetch {source.name} --from FOLDER",
        )
    dest = ws.root / "reference" / source.filename
    candidates = resolve_url(source.url, today or dt.date.today())
    for k, url in enumerate(candidates):
        try:
            got = download(
                url,
                dest,
                label=source.label,
                page=source.page,
                name=source.name,
                progress=progress,
                retries=retries,
            )
            break
        except AddressMoved:
            if k + 1 < len(candidates):
                continue
            tried = " and ".join(candidates)
            raise AddressMoved(
                f"The publisher's address for {source.label} was not found (404): {tried}. Portals move files.",
                web_fix="Ask whoever runs the workspace to set the file's download address or load it by hand.",
                fix=f"Find the current file at {source.page} and set its url in the reference.sources.{source.name} "
                f"table of {ws.config_path.name}; or download it yourself and run: "
                f"anchorage reference fetch {source.name} --from FOLDER",
            ) from None
    notes = [
        f"downloaded {got.size:,} bytes from {url}"
        + (f" (resumed at {got.resumed_from:,})" if got.resumed_from else "")
    ]
    try:
        check(source, got.path, downloaded=True)
        if got.publisher_md5 and md5_of(got.path) != got.publisher_md5:
            raise ReferenceFileError(
                f"{got.path.name}: its MD5 does not match the one {url} gives for it, so the "
                "download is damaged; nothing was imported.",
                fix="Run the command again.",
            )
    except ReferenceFileError:
        got.path.unlink(missing_ok=True)  # a bad download must not be resumed or imported later
        raise
    if got.publisher_md5:
        notes.append("MD5 matches the publisher's")
    return Prepared(source, [got.path], True, notes)


def from_folder(folder: Path, sources: list[Source], *, explicit: bool) -> list[Prepared]:
    """Files a user already has: each source's files found by its name patterns, then checked."""
    if not folder.is_dir():
        raise AnchorageError(
            f"{folder} is not a folder.", fix="Give the folder holding the downloaded files."
        )
    files = sorted(
        p for p in folder.iterdir() if p.is_file() and not p.name.endswith((".part", ".part.json"))
    )
    out = []
    for s in sources:
        found = [
            p
            for p in files
            if any(fnmatch.fnmatch(p.name.lower(), pat.lower()) for pat in s.patterns)
        ]
        if not found:
            if explicit:
                raise AnchorageError(
                    f"No file for {s.label} in {folder} (looked for {', '.join(s.patterns)}).",
                    fix=f"Download it from {s.page} into that folder, or rename it to match.",
                )
            continue
        for p in found:
            check(s, p, downloaded=False)
        out.append(
            Prepared(s, found, False, [f"found {', '.join(p.name for p in found)} in {folder}"])
        )
    if not out:
        raise AnchorageError(
            f"No reference file found in {folder}.",
            fix="Put the downloaded files there with their published names (e.g. NSPL*.zip).",
        )
    return out


# ---------------------------------------------------------------- checks


def check(source: Source, path: Path, *, downloaded: bool) -> None:
    """Size (of a download: a user's own files may be regional parts), checksum, zip integrity, columns."""
    size = path.stat().st_size
    if downloaded and size < source.min_bytes:
        raise ReferenceFileError(
            f"{path.name} is only {size:,} bytes; {source.label} is at least "
            f"{source.min_bytes:,}, so it is incomplete or not the right file; nothing was imported.",
            fix=f"Download it again (from {source.page}).",
        )
    if source.sha256 and _sha256(path) != source.sha256.lower():
        raise ReferenceFileError(
            f"{path.name}: its SHA-256 is not the one given for {source.label}; nothing was "
            "imported.",
            fix="Download it again, or update sha256 if the publisher has a new file.",
        )
    with path.open("rb") as fh:
        start = fh.read(512).lstrip().lower()
    if start.startswith(
        (b"<!doctype html", b"<html", b"<?xml")
    ):  # portals answer a moved file with a page
        raise ReferenceFileError(
            f"{path.name} is a web page, not {source.label}: the address has probably moved "
            "or needs a login; nothing was imported.",
            web_fix="Ask whoever runs the workspace to set the file's download address or load it by hand.",
            fix=f"Find the file at {source.page} and set its url in the reference.sources."
            f"{source.name} table of anchorage.toml, or download it and use --from.",
        )
    if path.suffix.lower() == ".zip" or (
        source.zip and path.suffix.lower() not in (".csv", ".txt")
    ):
        headers = _zip_headers(source, path)
    else:
        with path.open("rb") as fh:
            headers = [_header_of(fh.read(65536))]
    want = [[_norm(a) for a in col.split("|")] for col in source.columns]
    for header in headers:
        have = {_norm(h) for h in header}
        if all(any(a in have for a in alts) for alts in want):
            return
    shown = ", ".join(headers[0][:10]) if headers and headers[0] else "nothing readable"
    missing = [
        col.split("|")[0]
        for col, alts in zip(source.columns, want, strict=True)
        if not any(any(a in {_norm(h) for h in hd} for a in alts) for hd in headers)
    ]
    raise ReferenceFileError(
        f"{path.name} is not {source.label}: no column {', '.join(missing)} (its header starts "
        f"{shown}); nothing was imported.",
        fix=f"Check it is the file from {source.page}, as published.",
    )


def _zip_headers(source: Source, path: Path) -> list[list[str]]:
    """Test every member's CRC (a cut or damaged download fails here), then read the data files' headers."""
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise ReferenceFileError(
                    f"{path.name} is damaged: {bad} inside it fails its checksum; nothing was "
                    "imported.",
                    fix="Download it again.",
                )
            names = [n for n in zf.namelist() if n.lower().endswith((".csv", ".txt"))]
            if not names:
                raise ReferenceFileError(
                    f"{path.name} holds no CSV or TXT file, so it is not {source.label}; "
                    "nothing was imported.",
                    fix=f"Check it is the file from {source.page}.",
                )
            out = []
            for n in names:
                with zf.open(n) as fh:
                    out.append(_header_of(fh.read(65536)))
            return out
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        if isinstance(exc, ReferenceFileError):
            raise
        raise ReferenceFileError(
            f"{path.name} is not a readable zip file (it may be cut short or damaged); "
            "nothing was imported.",
            fix="Download it again.",
        ) from None


def _header_of(start: bytes) -> list[str]:
    first = (
        io.TextIOWrapper(io.BytesIO(start), encoding="utf-8-sig", errors="replace")
        .readline()
        .rstrip("\r\n")
    )
    delim = "\t" if first.count("\t") > first.count(",") else ","
    return [h.strip().strip('"').strip() for h in first.split(delim)]


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9.]", "", name.lower())


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
