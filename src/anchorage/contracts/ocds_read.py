"""Stream the releases out of any OCDS file: a release package, a record package, a single release, a single
record, a JSON array of releases, or JSON lines of any of these. Memory stays bounded by one release.

Bad JSON in one JSON line is a quarantined row (with its line and column); bad JSON in a whole document
is an error naming the file, line and column, since nothing after it can be read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson

from anchorage.core.errors import InputFileError

EXACT_POSITION_LIMIT = (
    64 * 1024 * 1024
)  # re-read smaller documents with `json` to name the exact line


@dataclass
class Item:
    """One release (or the reason it cannot be one), with where it came from."""

    release: dict[str, Any] | None
    seq: int  # 1-based position among the file's releases and bad items
    line_no: int | None  # the JSON line, for JSON lines files
    package_uri: str | None = None
    problem: str | None = None  # why this item is not a release (quarantined)
    raw: str | None = None


class _Counting:
    """A binary reader that remembers how many bytes it has handed out (for error positions)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh, self.pos = fh, 0

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        first = self.pos == 0
        self.pos += len(data)
        return (
            data[3:] if first and data.startswith(b"\xef\xbb\xbf") else data
        )  # a UTF-8 byte-order mark


def _first_char(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1].decode("latin-1")


def _is_json_lines(path: Path) -> bool:
    """JSON lines when the first non-blank line is a whole JSON object by itself."""
    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                try:
                    return isinstance(json.loads(line.lstrip(b"\xef\xbb\xbf")), dict)
                except ValueError:
                    return False
    return False


def _broken(path: Path, exc: Exception, pos: int | None) -> InputFileError:
    """The error for a document that is not valid JSON, at the exact line and column when affordable."""
    if path.stat().st_size <= EXACT_POSITION_LIMIT:
        try:
            json.loads(path.read_bytes().decode("utf-8-sig"))
        except json.JSONDecodeError as err:
            return InputFileError(
                str(path),
                f"the JSON is broken at line {err.lineno}, column {err.colno}: {err.msg}.",
                fix="Fix the file (or download it again) and re-import it.",
            )
        except UnicodeDecodeError as err:
            return InputFileError(
                str(path),
                f"the file is not UTF-8 text (byte {err.start}).",
                fix="OCDS files are UTF-8 JSON; export it again as UTF-8.",
            )
        except ValueError:
            pass
    where = ""
    if pos is not None:
        with path.open("rb") as fh:
            line = fh.read(pos).count(b"\n") + 1
        where = f" near line {line} (byte {pos:,})"
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return InputFileError(
        str(path),
        f"the JSON is broken{where}: {msg}.",
        fix="Fix the file (or download it again) and re-import it.",
    )


def _shape(obj: Any) -> str:
    if not isinstance(obj, dict):
        return "not an object"
    if isinstance(obj.get("releases"), list) and "ocid" not in obj:
        return "release package"
    if isinstance(obj.get("records"), list):
        return "record package"
    if "ocid" in obj and ("compiledRelease" in obj or ("releases" in obj and "tag" not in obj)):
        return "record"
    if (
        "ocid" in obj or "tag" in obj
    ):  # a release without an ocid is still a release (quarantined for it)
        return "release"
    return "unknown"


def record_releases(record: dict[str, Any]) -> list[dict[str, Any]] | str:
    """A record's releases to compile: its compiledRelease, else its embedded releases; or why none."""
    compiled = record.get("compiledRelease")
    if isinstance(compiled, dict):
        compiled.setdefault("ocid", record.get("ocid"))
        return [compiled]
    embedded = [
        r
        for r in record.get("releases") or []
        if isinstance(r, dict) and ("ocid" in r or "tag" in r) and set(r) - {"url", "date", "tag"}
    ]
    if embedded:
        for r in embedded:
            r.setdefault("ocid", record.get("ocid"))
        return embedded
    return f"record {record.get('ocid')} has only linked releases and no compiledRelease, so nothing to read"


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> int:
        self.n += 1
        return self.n


def _explode(obj: Any, seq: _Counter, line: int | None, uri: str | None) -> Iterator[Item]:
    """The releases inside any parsed OCDS object (package, record, release)."""
    shape = _shape(obj)
    where = f"line {line}" if line else "the file"
    if shape == "release package":
        for r in obj["releases"]:
            yield from _explode_release(r, seq, line, obj.get("uri") or uri)
    elif shape == "record package":
        for rec in obj["records"]:
            yield from _explode_record(rec, seq, line, obj.get("uri") or uri)
    elif shape == "record":
        yield from _explode_record(obj, seq, line, uri)
    elif shape == "release":
        yield from _explode_release(obj, seq, line, uri)
    elif isinstance(obj, dict) and ("releases" in obj or "records" in obj):
        key = "releases" if "releases" in obj else "records"
        yield Item(
            None,
            seq.next(),
            line,
            uri,
            f'{where}: "{key}" must be a list',
            json.dumps(obj, default=str)[:2000],
        )
    else:
        keys = ", ".join(list(obj)[:8]) if isinstance(obj, dict) else type(obj).__name__
        yield Item(
            None,
            seq.next(),
            line,
            uri,
            f"{where} is not an OCDS release, record or package "
            f'(no "ocid", "releases" or "records"; found: {keys})',
            json.dumps(obj, default=str)[:2000],
        )


def _explode_release(r: Any, seq: _Counter, line: int | None, uri: str | None) -> Iterator[Item]:
    if isinstance(r, dict):
        yield Item(r, seq.next(), line, uri)
    else:
        yield Item(
            None,
            seq.next(),
            line,
            uri,
            "a release is not a JSON object",
            json.dumps(r, default=str)[:2000],
        )


def _explode_record(rec: Any, seq: _Counter, line: int | None, uri: str | None) -> Iterator[Item]:
    if not isinstance(rec, dict):
        yield Item(
            None,
            seq.next(),
            line,
            uri,
            "a record is not a JSON object",
            json.dumps(rec, default=str)[:2000],
        )
        return
    got = record_releases(rec)
    if isinstance(got, str):
        yield Item(None, seq.next(), line, uri, got, json.dumps(rec, default=str)[:2000])
        return
    for r in got:
        yield Item(r, seq.next(), line, uri)


def _json_lines(path: Path, seq: _Counter) -> Iterator[Item]:
    with path.open("rb") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line.lstrip(b"\xef\xbb\xbf") if line_no == 1 else line)
            except ValueError as err:
                col = f", column {err.colno}" if isinstance(err, json.JSONDecodeError) else ""
                msg = err.msg if isinstance(err, json.JSONDecodeError) else str(err)
                yield Item(
                    None,
                    seq.next(),
                    line_no,
                    None,
                    f"line {line_no}{col} is not valid JSON: {msg}",
                    line[:2000].decode("utf-8", "replace"),
                )
                continue
            yield from _explode(obj, seq, line_no, None)


def _top_level(path: Path) -> tuple[str | None, str | None]:
    """Scan a document's top-level keys for "releases"/"records" (and the package uri) without loading it."""
    uri = None
    with path.open("rb") as raw:
        fh = _Counting(raw)
        events = ijson.parse(fh)
        try:
            for prefix, event, value in events:
                if prefix == "uri" and event == "string":
                    uri = value
                elif prefix == "" and event == "map_key" and value == "ocid":
                    return None, uri  # a single release or record (whose "releases" are its own)
                elif prefix == "" and event == "map_key" and value in ("releases", "records"):
                    _, kind, _ = next(events)
                    if kind != "start_array":
                        raise InputFileError(
                            str(path),
                            f'"{value}" must be a list, but it is '
                            f"{'an object' if kind == 'start_map' else 'a ' + kind}.",
                            fix="Check that this is an OCDS package as published.",
                        )
                    return value, uri
        except ijson.JSONError as exc:
            raise _broken(path, exc, fh.pos) from None
    return None, uri


def iter_items(path: Path) -> Iterator[Item]:
    """Every release in the file (or the reason an item is not one), in file order."""
    seq = _Counter()
    first = _first_char(path)
    if first not in ("{", "["):
        raise InputFileError(
            str(path),
            "is not JSON (it should start with { or [).",
            fix="Pass an OCDS release package, record package, release, record or JSON lines file.",
        )
    if first == "{" and _is_json_lines(path):
        yield from _json_lines(path, seq)
        return
    if first == "[":
        key: str | None = "item"
        uri = None
        prefix = "item"
    else:
        key, uri = _top_level(path)
        prefix = f"{key}.item" if key else ""
    with path.open("rb") as raw:
        fh = _Counting(raw)
        try:
            if key is None:  # one release or record: a single object, small by nature
                doc = json.load(raw)
                if _shape(doc) in ("unknown", "not an object"):
                    keys = ", ".join(list(doc)[:8]) if isinstance(doc, dict) else type(doc).__name__
                    raise InputFileError(
                        str(path),
                        'is not an OCDS release, record or package (no "ocid", '
                        f'"releases" or "records"; found: {keys}).',
                        fix="Pass the file as published by Contracts Finder or Find a Tender.",
                    )
                yield from _explode(doc, seq, None, uri)
                return
            for obj in ijson.items(fh, prefix, use_float=True):
                if key == "records":
                    yield from _explode_record(obj, seq, None, uri)
                elif key == "releases":
                    yield from _explode_release(obj, seq, None, uri)
                else:
                    yield from _explode(obj, seq, None, uri)
        except ijson.JSONError as exc:
            raise _broken(path, exc, fh.pos) from None
        except ValueError as exc:  # json.load of a single document
            raise _broken(path, exc, None) from None
