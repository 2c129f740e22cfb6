"""`anchorage reference fetch`: download from a local HTTP server (never the internet), check, resume, import."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import shutil
import socket
import subprocess
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
from tests.cli_support import run_cli

from anchorage.core.errors import ConfigError
from anchorage.reference import fetch as ref
from anchorage.reference.download import DownloadError
from anchorage.suppliers import generate
from anchorage.workspace import Workspace

LAST_MONTH = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1).isoformat()


class Server:
    """Serves files with Range/If-Range support; `drops[path]` requests are cut off half-way."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.drops: dict[str, int] = {}
        self.ignore_range: set[str] = set()
        self.headers: dict[str, dict[str, str]] = {}
        self.log: list[tuple[str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.log.append((self.path, self.headers.get("Range")))
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                etag = '"' + hashlib.md5(body).hexdigest() + '"'
                start, rng = 0, self.headers.get("Range")
                if (
                    rng
                    and self.path not in server.ignore_range
                    and self.headers.get("If-Range", etag) == etag
                ):
                    start = int(rng.removeprefix("bytes=").split("-")[0])
                    if start >= len(body):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(body)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.send_header("ETag", etag)
                for k, v in server.headers.get(self.path, {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if server.drops.get(self.path, 0) > 0:
                    server.drops[self.path] -= 1
                    self.wfile.write(body[start : start + (len(body) - start) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self.wfile.write(body[start:])

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.fixture
def published(shared_data, tmp_path) -> dict[str, bytes]:
    """Small files in each publisher's format: real NSPL and IMD extracts, generated registers."""
    nspl = b"".join(
        (shared_data / "geography/nspl/NSPL_NOV_2021_UK_WC.csv")
        .read_bytes()
        .splitlines(True)[:1501]
    )
    imd = b"".join(
        (shared_data / "geography/imd2019_england_lsoa11.csv").read_bytes().splitlines(True)[:801]
    )
    (ch_zip,) = generate.write_companies_house(tmp_path / "gen-ch", 400, parts=1)
    charity = generate.write_charity_extract(
        tmp_path / "gen-cc" / "publicextract.charity.txt",
        [
            {
                "registered_charity_number": str(200_000 + k),
                "charity_name": f"CHARITY NUMBER {k}",
                "charity_contact_postcode": "SE6 4RU",
                "latest_income": "1000",
            }
            for k in range(25)
        ],
    )
    return {
        "nspl": _zip({"Data/NSPL_NOV_2021_UK.csv": nspl, "User Guide/readme.txt": b"notes\n"}),
        "imd": imd,
        "companies-house": ch_zip.read_bytes(),
        "charities": _zip({"publicextract.charity.txt": charity.read_bytes()}),
    }


PATHS = {
    "nspl": "/ons/nspl/data",
    "imd": "/gov/File_7.csv",
    "companies-house": "/ch/BasicCompanyDataAsOneFile-{month}.zip",
    "charities": "/cc/publicextract.charity.zip",
}


def point_at(ws: Workspace, base: str, **extra: dict[str, object]) -> None:
    """Workspace overrides: every source at the local server, with sizes fit for test files."""
    ws.config.reference = {
        "sources": {
            name: {"url": base + path, "min_bytes": 100, **extra.get(name, {})}
            for name, path in PATHS.items()
        }
    }
    ws.save_config()


def serve(server: Server, published: dict[str, bytes]) -> None:
    for name, path in PATHS.items():
        # Companies House is only out for last month: this month's address is a 404, so the fallback is used.
        server.files[path.replace("{month}", LAST_MONTH)] = published[name]


def cli(ws: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli([*args, "-w", str(ws.root)], env={"NO_PROXY": "127.0.0.1"})


def counts(ws: Workspace) -> dict[str, int]:
    with ws.warehouse(read_only=True) as con:
        q = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "postcodes": q("SELECT count(*) FROM postcodes"),
            "imd": q("SELECT count(*) FROM imd"),
            "companies_house": q(
                "SELECT count(*) FROM register_entities WHERE source = 'companies_house'"
            ),
            "charity_commission": q(
                "SELECT count(*) FROM register_entities WHERE source = 'charity_commission'"
            ),
        }


def expected(published: dict[str, bytes], tmp_path: Path) -> dict[str, int]:
    """Counts read straight from the served files with DuckDB, independently of the importers."""
    folder = tmp_path / "expected"
    folder.mkdir()
    out = {}
    for name, sql in (
        (
            "nspl",
            "SELECT count(DISTINCT replace(pcds, ' ', '')) FROM read_csv('{f}', all_varchar=true)",
        ),
        ("imd", "SELECT count(*) FROM read_csv('{f}', all_varchar=true)"),
        ("companies-house", "SELECT count(*) FROM read_csv('{f}', all_varchar=true)"),
        ("charities", "SELECT count(*) FROM read_csv('{f}', delim='\t', all_varchar=true)"),
    ):
        data = published[name]
        if data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                data = zf.read(
                    next(
                        n
                        for n in zf.namelist()
                        if n.endswith((".csv", ".txt")) and "Guide" not in n
                    )
                )
        f = folder / name
        f.write_bytes(data)
        out[name] = duckdb.sql(sql.format(f=f)).fetchone()[0]
    return out


def test_fetch_all_downloads_checks_and_loads_every_reference_table(
    workspace, server, published, tmp_path
):
    serve(server, published)
    point_at(workspace, server.base)
    p = cli(workspace, "reference", "fetch", "all", "--json")
    assert p.returncode == 0, p.stderr
    want = expected(published, tmp_path)
    got = counts(workspace)
    assert got == {
        "postcodes": want["nspl"],
        "imd": want["imd"],
        "companies_house": want["companies-house"],
        "charity_commission": want["charities"],
    }
    assert min(got.values()) > 0
    for name in PATHS:  # each file kept in the workspace, byte for byte as served
        src = ref.load_sources(workspace)[name]
        assert (workspace.root / "reference" / src.filename).read_bytes() == published[name]
    month_requests = [path for path, _ in server.log if path.startswith("/ch/")]
    this_month = dt.date.today().replace(day=1).isoformat()
    assert month_requests == [
        f"/ch/BasicCompanyDataAsOneFile-{this_month}.zip",
        f"/ch/BasicCompanyDataAsOneFile-{LAST_MONTH}.zip",
    ]


def test_a_dropped_connection_is_resumed_with_a_range_request_and_gives_the_same_file(
    workspace, server, published
):
    serve(server, published)
    server.drops[PATHS["charities"]] = 1
    point_at(workspace, server.base)
    got = ref.fetch(workspace, ref.load_sources(workspace)["charities"], retries=2)
    data = published["charities"]
    assert hashlib.sha256(got.paths[0].read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    ranges = [r for path, r in server.log if path == PATHS["charities"]]
    assert ranges == [None, f"bytes={len(data) // 2}-"]
    assert "resumed at" in got.notes[0]
    assert not list((workspace.root / "reference").glob("*.part*"))


def test_a_download_cut_off_is_kept_and_the_next_run_resumes_it(workspace, server, published):
    serve(server, published)
    server.drops[PATHS["nspl"]] = 1
    point_at(workspace, server.base)
    first = cli(workspace, "reference", "fetch", "nspl", "--retries", "0")
    assert first.returncode == 1
    assert "was cut off" in first.stderr and "Run the same command again" in first.stderr
    assert "Traceback" not in first.stderr
    part = workspace.root / "reference" / "NSPL_UK.zip.part"
    assert part.stat().st_size == len(published["nspl"]) // 2
    assert counts(workspace)["postcodes"] == 0
    second = cli(workspace, "reference", "fetch", "nspl")
    assert second.returncode == 0, second.stderr
    assert (workspace.root / "reference" / "NSPL_UK.zip").read_bytes() == published["nspl"]
    assert server.log[-1] == (PATHS["nspl"], f"bytes={len(published['nspl']) // 2}-")
    assert counts(workspace)["postcodes"] > 0


def test_a_server_that_ignores_ranges_gives_the_whole_file_again(workspace, server, published):
    serve(server, published)
    server.drops[PATHS["imd"]] = 1
    server.ignore_range.add(PATHS["imd"])
    point_at(workspace, server.base)
    got = ref.fetch(workspace, ref.load_sources(workspace)["imd"], retries=1)
    assert got.paths[0].read_bytes() == published["imd"]


def test_a_corrupt_zip_is_refused_plainly_and_nothing_is_imported(workspace, server, published):
    serve(server, published)
    bad = bytearray(published["charities"])
    middle = (
        len(bad) // 2
    )  # damage the compressed data, not the directory: only a CRC test finds it
    bad[middle : middle + 16] = bytes(16)
    server.files[PATHS["charities"]] = bytes(bad)
    point_at(workspace, server.base)
    p = cli(workspace, "reference", "fetch", "all")
    assert p.returncode == 1
    assert "publicextract.charity.zip" in p.stderr and "nothing was imported" in p.stderr
    assert "Fix:" in p.stderr and "Traceback" not in p.stderr
    assert counts(workspace) == {
        "postcodes": 0,
        "imd": 0,
        "companies_house": 0,
        "charity_commission": 0,
    }
    assert not (
        workspace.root / "reference" / "publicextract.charity.zip"
    ).exists()  # fetched afresh next time


def test_a_truncated_zip_and_a_file_of_another_layout_are_refused(workspace, server, published):
    serve(server, published)
    server.files[PATHS["companies-house"].replace("{month}", LAST_MONTH)] = published[
        "companies-house"
    ][:5000]
    server.files[PATHS["imd"]] = b"code,name\nE01000001,Somewhere\n" * 20
    point_at(workspace, server.base)
    sources = ref.load_sources(workspace)
    with pytest.raises(ref.ReferenceFileError, match="not a readable zip"):
        ref.fetch(workspace, sources["companies-house"])
    with pytest.raises(ref.ReferenceFileError, match="no column LSOA code"):
        ref.fetch(workspace, sources["imd"])


def test_from_a_folder_imports_without_the_network(workspace, published, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    names = {
        "nspl": "NSPL_NOV_2021_UK.zip",
        "imd": "imd2019_england_lsoa11.csv",
        "companies-house": "BasicCompanyDataAsOneFile-2025-01-01.zip",
        "charities": "publicextract.charity.zip",
    }
    for name, filename in names.items():
        (folder / filename).write_bytes(published[name])
    # Addresses nobody listens on: any attempt to download would fail the command.
    point_at(workspace, "http://127.0.0.1:9")
    p = cli(workspace, "reference", "fetch", "all", "--from", str(folder))
    assert p.returncode == 0, p.stderr
    want = expected(published, tmp_path)
    assert counts(workspace) == {
        "postcodes": want["nspl"],
        "imd": want["imd"],
        "companies_house": want["companies-house"],
        "charity_commission": want["charities"],
    }
    assert not (workspace.root / "reference").exists()


def test_from_a_folder_of_real_nspl_parts(workspace, shared_data, tmp_path):
    folder = tmp_path / "nspl"
    shutil.copytree(shared_data / "geography/nspl", folder)
    p = cli(workspace, "reference", "fetch", "nspl", "--from", str(folder), "--json")
    assert p.returncode == 0, p.stderr
    with duckdb.connect() as con:
        want = con.execute(
            f"SELECT count(DISTINCT replace(pcds, ' ', '')) FROM read_csv('{folder}/*.csv', "
            "all_varchar=true)"
        ).fetchone()[0]
    assert counts(workspace)["postcodes"] == want


def test_a_moved_file_gives_a_plain_message_naming_the_setting(workspace, server, published):
    serve(server, published)
    del server.files[PATHS["nspl"]]
    point_at(workspace, server.base)
    p = cli(workspace, "reference", "fetch", "nspl")
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert "was not found (404)" in p.stderr and "Portals move files" in p.stderr
    assert "reference.sources.nspl" in p.stderr and "--from FOLDER" in p.stderr


def test_an_unreachable_network_gives_a_plain_message(workspace):
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    point_at(workspace, f"http://127.0.0.1:{port}")
    with pytest.raises(DownloadError, match=r"Cannot reach 127\.0\.0\.1") as exc:
        ref.fetch(workspace, ref.load_sources(workspace)["imd"])
    assert "reference fetch imd --from FOLDER" in (exc.value.fix or "")


def test_a_publisher_checksum_is_checked(workspace, server, published):
    serve(server, published)
    point_at(workspace, server.base, imd={"sha256": "0" * 64})
    with pytest.raises(ref.ReferenceFileError, match="SHA-256"):
        ref.fetch(workspace, ref.load_sources(workspace)["imd"])
    point_at(workspace, server.base, imd={"sha256": hashlib.sha256(published["imd"]).hexdigest()})
    assert ref.fetch(workspace, ref.load_sources(workspace)["imd"]).paths


def test_bad_overrides_are_all_listed(workspace):
    workspace.config.reference = {
        "sources": {"nspl": {"adress": "x", "min_bytes": "big"}, "mine": {"url": "y"}}
    }
    with pytest.raises(ConfigError) as exc:
        ref.load_sources(workspace)
    assert len(exc.value.problems) == 3


def test_the_md5_azure_blob_storage_gives_is_checked(workspace, server, published):
    """The Charity Commission's extract is served from Azure blob storage, which sends the file's MD5."""
    serve(server, published)
    point_at(workspace, server.base)
    source = ref.load_sources(workspace)["charities"]
    right = base64.b64encode(hashlib.md5(published["charities"]).digest()).decode()
    server.headers[PATHS["charities"]] = {"x-ms-blob-content-md5": right}
    assert "MD5 matches the publisher's" in ref.fetch(workspace, source).notes
    server.headers[PATHS["charities"]] = {
        "x-ms-blob-content-md5": base64.b64encode(bytes(16)).decode()
    }
    with pytest.raises(ref.ReferenceFileError, match="MD5 does not match"):
        ref.fetch(workspace, source)
    assert not (workspace.root / "reference" / source.filename).exists()


def test_a_web_page_instead_of_the_file_is_refused_plainly(workspace, server, published):
    serve(server, published)
    server.files[PATHS["nspl"]] = (
        b"<!DOCTYPE html><html><body>This item has moved</body></html>" + b" " * 200
    )
    point_at(workspace, server.base)
    with pytest.raises(ref.ReferenceFileError, match="is a web page") as exc:
        ref.fetch(workspace, ref.load_sources(workspace)["nspl"])
    assert "reference.sources.nspl" in (exc.value.fix or "")


def test_the_published_file_7_header_passes_the_checks_and_loads_as_imd_2019(
    workspace, shared_data, tmp_path
):
    """MHCLG's File 7 names its columns in full; the built-in check and the importer both accept them."""
    rows = (shared_data / "geography/imd2019_england_lsoa11.csv").read_text().splitlines()[1:51]
    header = (
        "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
        "Index of Multiple Deprivation (IMD) Score,Index of Multiple Deprivation (IMD) Rank (where 1 is most "
        "deprived),Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"
    )
    lines = [header] + [
        f"{r.split(',')[0]},Somewhere,E09000001,1.0,{r.split(',')[9]},{r.split(',')[1]}"
        for r in rows
    ]
    folder = tmp_path / "gov"
    folder.mkdir()
    (
        folder / "File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators_3.csv"
    ).write_text("\n".join(lines) + "\n")
    p = cli(workspace, "reference", "fetch", "imd", "--from", str(folder))
    assert p.returncode == 0, p.stderr
    with workspace.warehouse(read_only=True) as con:
        got = con.execute(
            "SELECT lsoa, version, imd_rank, imd_decile FROM imd ORDER BY lsoa"
        ).fetchall()
    want = sorted(
        (r.split(",")[0], "2019", int(r.split(",")[9]), int(r.split(",")[1])) for r in rows
    )
    assert got == want


def test_a_file_changed_since_the_cut_is_downloaded_whole_not_mixed(workspace, server, published):
    serve(server, published)
    server.drops[PATHS["imd"]] = 1
    point_at(workspace, server.base)
    source = ref.load_sources(workspace)["imd"]
    with pytest.raises(DownloadError, match="cut off"):
        ref.fetch(workspace, source, retries=0)
    newer = published["imd"].replace(
        b"E01000001", b"E01099999"
    )  # the publisher corrected the file meanwhile
    server.files[PATHS["imd"]] = newer
    got = ref.fetch(workspace, source)
    assert got.paths[0].read_bytes() == newer
    assert server.log[-1] == (
        PATHS["imd"],
        f"bytes={len(published['imd']) // 2}-",
    )  # asked to resume, got 200


def test_a_part_file_already_whole_is_finished_without_downloading_again(
    workspace, server, published
):
    serve(server, published)
    point_at(workspace, server.base)
    source = ref.load_sources(workspace)["imd"]
    folder = workspace.root / "reference"
    folder.mkdir()
    (folder / (source.filename + ".part")).write_bytes(
        published["imd"]
    )  # cut just after the last byte
    (folder / (source.filename + ".part.json")).write_text(
        '{"url": "%s"}' % (server.base + PATHS["imd"])
    )
    got = ref.fetch(workspace, source)
    assert got.paths[0].read_bytes() == published["imd"]
    assert server.log == [(PATHS["imd"], f"bytes={len(published['imd'])}-")]
