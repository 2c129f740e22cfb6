"""Download one file over HTTP(S) into a `.part` file that an interrupted run resumes with a Range request."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from anchorage.core.errors import AnchorageError

Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes if known)
CHUNK = 1 << 20


class DownloadError(AnchorageError):
    """A reference file could not be downloaded (moved, unreachable, cut off)."""


class AddressMoved(DownloadError):
    """The publisher's address answered 404/410: the file has moved."""


@dataclass
class Downloaded:
    path: Path
    size: int
    resumed_from: int  # where the first resumed (206) response started; 0 when nothing was resumed
    publisher_md5: str | None  # hex MD5 the server gave for the whole file, if any


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _publisher_md5(headers: httpx.Headers, status: int) -> str | None:
    """The whole file's MD5 when the server gives one (Azure blob storage does; Content-MD5 only on a 200)."""
    value = headers.get("x-ms-blob-content-md5") or (
        headers.get("content-md5") if status == 200 else None
    )
    if not value:
        return None
    try:
        return base64.b64decode(value, validate=True).hex()
    except ValueError:
        return None


def _total(resp: httpx.Response, start: int) -> int | None:
    if resp.status_code == 206:
        rng = resp.headers.get("content-range", "")
        tail = rng.rsplit("/", 1)[-1]
        return int(tail) if tail.isdigit() else None
    length = resp.headers.get("content-length")
    return int(length) if length and length.isdigit() else None


def download(
    url: str,
    dest: Path,
    *,
    label: str,
    page: str,
    name: str,
    progress: Progress | None = None,
    retries: int = 3,
    timeout: float = 60.0,
    client: httpx.Client | None = None,
) -> Downloaded:
    """Fetch url into dest (via dest.part), resuming the .part left by an earlier run; retry a cut connection."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    meta = dest.with_name(dest.name + ".part.json")
    state = json.loads(meta.read_text()) if meta.exists() and part.exists() else {}
    if state.get("url") != url:  # a .part from another address is not this file
        part.unlink(missing_ok=True)
        state = {"url": url}
    own = client is None
    http = client or httpx.Client(
        follow_redirects=True,
        timeout=httpx.Timeout(timeout, connect=20.0),
        headers={"User-Agent": "anchorage-reference-fetch", "Accept-Encoding": "identity"},
    )  # byte ranges of the file itself
    attempt = 0
    try:
        while True:
            try:
                done = _one_request(http, url, part, meta, state, progress)
                break
            except (
                httpx.RemoteProtocolError,
                httpx.ReadError,
                httpx.ReadTimeout,
                httpx.WriteError,
            ) as exc:
                attempt += 1
                have = part.stat().st_size if part.exists() else 0
                if attempt > retries:
                    raise DownloadError(
                        f"The download of {label} from {_host(url)} was cut off at {have:,} bytes "
                        f"({type(exc).__name__}); the part downloaded is kept.",
                        fix="Run the same command again: it resumes where it stopped.",
                    ) from None
            except httpx.ConnectError:
                raise DownloadError(
                    f"Cannot reach {_host(url)} to download {label}: the network is unreachable, or the name does "
                    "not resolve, or a firewall or proxy blocks it.",
                    web_fix="Try again later; if it keeps failing, ask whoever runs the workspace to download the file by hand.",
                    fix=f"Check the connection (and HTTPS_PROXY if you use a proxy), or download the file from {page} "
                    f"yourself and run: anchorage reference fetch {name} --from FOLDER",
                ) from None
            except httpx.TimeoutException:
                raise DownloadError(
                    f"{_host(url)} did not answer in time while downloading {label}.",
                    fix="Try again later; a partial download is kept and resumed.",
                ) from None
    finally:
        if own:
            http.close()
    size = part.stat().st_size
    part.replace(dest)
    meta.unlink(missing_ok=True)
    return Downloaded(dest, size, int(state.get("resumed_from", 0)), done)


def _one_request(
    http: httpx.Client,
    url: str,
    part: Path,
    meta: Path,
    state: dict[str, Any],
    progress: Progress | None,
) -> str | None:
    """One GET (ranged when a .part exists); returns the publisher's MD5 if given. Cut connections raise."""
    start = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={start}-"} if start else {}
    if start and state.get("validator"):
        headers["If-Range"] = state[
            "validator"
        ]  # a changed file is sent whole instead of mixed with the old
    with http.stream("GET", url, headers=headers) as resp:
        if resp.status_code in (404, 410):
            raise AddressMoved(
                f"The address for this file answered {resp.status_code} (not found): {url}",
                fix=None,
            )
        if (
            resp.status_code == 416 and start
        ):  # nothing after `start`: the .part may already be whole
            rng = resp.headers.get("content-range", "")
            if rng.rsplit("/", 1)[-1] == str(start):
                return state.get("md5")
            part.unlink()
            return _one_request(http, url, part, meta, state, progress)
        if resp.status_code not in (200, 206):
            raise DownloadError(
                f"{_host(url)} answered {resp.status_code} {resp.reason_phrase} for {url}.",
                web_fix="Try again later; if it keeps failing, ask whoever runs the workspace to download the file by hand.",
                fix="Try again later; if it persists, the address may have changed (see the page "
                "named in sources.toml) or download the file yourself and use --from.",
            )
        if resp.status_code == 200:
            start = 0  # the server ignored the range (or the file changed): start again
        elif "resumed_from" not in state:
            state["resumed_from"] = start
        total = _total(resp, start)
        validator = resp.headers.get("etag") or resp.headers.get("last-modified")
        md5 = _publisher_md5(resp.headers, resp.status_code) or state.get("md5")
        state.update({k: v for k, v in (("validator", validator), ("md5", md5)) if v})
        meta.write_text(json.dumps(state))
        done = start
        with part.open("r+b" if start else "wb") as fh:
            fh.seek(start)
            fh.truncate()
            # Raw and unbuffered: every byte received is on disk before a cut connection raises.
            for chunk in resp.iter_raw():
                fh.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
        if total is not None and done < total:
            raise httpx.RemoteProtocolError(f"ended at {done} of {total} bytes")
        return md5


def md5_of(path: Path) -> str:
    h = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()
