"""Hostile spreadsheets get a plain refusal and the process lives; real ones still load; request bodies are
capped while they stream; page numbers and limits are bounded."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from python_calamine import CalamineWorkbook
from tests.conftest import make_workspace
from tests.hostile_files import (
    ROWS,
    corpus,
    real_xlsx,
    sheet_xml,
    whitespace,
    write_corpus,
    xlsx_bytes,
)
from tests.web_support import build_web, csrf_of, login, signed_in, upload
from tests.xls_files import dimensions, good_xls, payments, small_compound_file, workbook_stream

from anchorage.core.errors import InputFileError
from anchorage.ingest import sheet_measure, workbook_guard
from anchorage.ingest.sniff import detect_format
from anchorage.ingest.workbook_reader import read_sheets
from anchorage.web.paging import BadNumber, whole_number
from anchorage.web.settings import WebSettings

NHS = Path("/work/shared/data/realworld/spend/nhs")
MEMORY_CAP = 2 * 1024**3
# Preview and load one file in a child process whose address space is capped: a reader that tried to
# allocate what the file asks for would die there (SIGABRT or MemoryError), not exit normally.
CHILD = f"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, {MEMORY_CAP}))
from pathlib import Path
from anchorage.core.errors import AnchorageError
from anchorage.ingest.preview import preview_file
from anchorage.ingest.spend import ingest_spend
from anchorage.workspace import Workspace
root, path, work = (Path(a) for a in sys.argv[1:4])
out = {{}}
try:
    out["preview"] = preview_file(path, "spend", workdir=work).columns
except AnchorageError as exc:
    out["preview"] = "refused: " + str(exc)
try:
    out["load"] = ingest_spend(Workspace.open(root), path, "council", accept_warnings=True).rows_loaded
except AnchorageError as exc:
    out["load"] = "refused: " + str(exc)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Path, str]]:
    root = tmp_path_factory.mktemp("hostile")
    make_workspace(root / "ws", [("Council", "council")])
    return root, write_corpus(root / "corpus")


def run_child(root: Path, path: Path) -> dict:
    work = root / "work"
    work.mkdir(exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(root / "ws"), str(path), str(work)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, (
        f"{path.name}: the child died ({done.returncode}): {done.stderr[-2000:]}"
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", sorted(corpus()))
def test_each_hostile_file_is_refused_in_preview_and_load_and_the_process_lives(files, name):
    root, written = files
    path = root / "corpus" / name
    out = run_child(root, path)
    for step in ("preview", "load"):
        said = out[step]
        assert isinstance(said, str) and said.startswith("refused: "), f"{name} {step}: {said}"
        assert written[path] in said, f"{name} {step}: {said}"
        assert "Traceback" not in said
        assert re.search(r"(?i)(save it|export|download|split)", said), said  # a fix is offered


def test_the_unguarded_reader_really_dies_on_the_far_cell(files):
    """The corpus is hostile: calamine itself, unguarded and capped, does not survive the far cell."""
    root, _ = files
    code = (
        f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, {MEMORY_CAP}))\n"
        "from python_calamine import CalamineWorkbook\n"
        f"CalamineWorkbook.from_path({str(root / 'corpus' / 'far-cell.xlsx')!r}).get_sheet_by_index(0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert done.returncode != 0


def test_the_unguarded_reader_really_dies_on_a_declared_xls_size(files):
    """calamine sizes an .xls sheet by its DIMENSIONS record: a 43 KB file that declares 65,536 x 65,535 cells
    kills it (capped here) before it reads a cell. The guard reads that record first."""
    root, _ = files
    code = (
        f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, {MEMORY_CAP}))\n"
        "from python_calamine import CalamineWorkbook\n"
        f"CalamineWorkbook.from_path({str(root / 'corpus' / 'wide-dimensions.xls')!r})"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert done.returncode != 0 and b"memory allocation" in done.stderr


def test_a_sound_xls_passes_the_guard_previews_and_loads(files, tmp_path):
    root, _ = files
    path = tmp_path / "payments.xls"
    path.write_bytes(good_xls())
    assert detect_format(path) == "xls"
    out = run_child(root, path)
    assert out["preview"] == ["Supplier", "Amount", "Date"], out
    assert out["load"] == 300, out
    # The measure is the declared one, exactly: 301 rows x 3 columns.
    old = sheet_measure.MAX_AREA
    try:
        sheet_measure.MAX_AREA = 903 - 1
        with pytest.raises(InputFileError, match=r'sheet "Payments" uses 903 cells \(A1:C301\)'):
            workbook_guard.check_workbook(path, "xls")
        sheet_measure.MAX_AREA = 903
        workbook_guard.check_workbook(path, "xls")
    finally:
        sheet_measure.MAX_AREA = old


def test_a_small_xls_in_the_mini_stream_is_measured_too(tmp_path):
    """Under 4,096 bytes a workbook lives in the compound file's mini stream: measured all the same."""
    small = tmp_path / "small.xls"
    small.write_bytes(small_compound_file(workbook_stream({"Payments": payments(5)})))
    assert (
        len(CalamineWorkbook.from_path(str(small)).get_sheet_by_index(0).to_python()) == 6
    )  # a real .xls
    workbook_guard.check_workbook(small, "xls")
    hostile = tmp_path / "small-hostile.xls"
    body = dimensions(0, 65536, 0, 0xFFFF) + payments(5)[len(dimensions(0, 1, 0, 1)) :]
    hostile.write_bytes(small_compound_file(workbook_stream({"Payments": body})))
    with pytest.raises(InputFileError, match=r'sheet "Payments" uses 4,294,901,760 cells'):
        workbook_guard.check_workbook(hostile, "xls")


def test_an_unknown_attack_only_kills_the_reading_child(files):
    """Past the guard (called directly here), the far cell makes calamine abort: in the child, not here."""
    root, _ = files
    with pytest.raises(
        InputFileError,
        match=r"could not be read within the \d+ GB we allow for it \(the reader "
        r"(stopped by signal SIGABRT|ran out of memory)",
    ):
        read_sheets(root / "corpus" / "far-cell.xlsx")


def test_real_nhs_spreadsheets_still_preview_and_load_under_the_memory_cap(files):
    root, _ = files
    real = sorted(NHS.glob("*.xlsx"))
    assert len(real) == 3
    for path in real:
        out = run_child(root, path)
        assert isinstance(out["preview"], list) and out["preview"], (path.name, out)
        assert isinstance(out["load"], int) and out["load"] > 0, (path.name, out)


def test_files_from_spreadsheet_writers_pass_the_guard(tmp_path):
    import openpyxl
    import pandas as pd

    frame = pd.DataFrame(
        {"Supplier": ["Acme Ltd", "Cafe"], "Amount": [1200.5, 80], "Date": ["01/04/2023"] * 2}
    )
    made = {"xlsxwriter.xlsx": real_xlsx()}
    for name, engine in (("openpyxl.xlsx", "openpyxl"), ("odf.ods", "odf")):
        frame.to_excel(tmp_path / name, index=False, engine=engine)
    wb = openpyxl.Workbook()
    wb.active.append(["Supplier", "Amount"])
    wb.active["Z5000"] = "far but fine"  # 26 x 5,000 cells: a sloppy sheet, not an attack
    wb.save(tmp_path / "sloppy.xlsx")
    # Cells without references (some writers omit them) are placed one after another, as calamine does.
    made["no-refs.xlsx"] = xlsx_bytes(sheet_xml(re.sub(r' r="[A-Z]+[0-9]+"', "", ROWS)))
    # A styled but empty cell far away does not stretch what calamine reads, so it is not refused.
    made["styled-far.xlsx"] = xlsx_bytes(
        sheet_xml(ROWS + '<row r="1048576"><c r="XFD1048576" s="1"/></row>')
    )
    for name, content in made.items():
        (tmp_path / name).write_bytes(content)
    for path in sorted(tmp_path.iterdir()):
        assert detect_format(path) in ("xlsx", "ods"), path.name


def test_the_guard_measures_what_it_says(tmp_path):
    # A value at Z5000 after A1:C3: 26 columns x 5,000 rows.
    path = tmp_path / "box.xlsx"
    path.write_bytes(xlsx_bytes(sheet_xml(ROWS + '<row r="5000"><c r="Z5000"><v>1</v></c></row>')))
    old = sheet_measure.MAX_AREA
    sheet_measure.MAX_AREA = 26 * 5000 - 1
    try:
        with pytest.raises(
            InputFileError, match=r"130,000 cells: .* spans A1:Z5000, though only 10 cells"
        ):
            workbook_guard.check_workbook(path, "xlsx")
        sheet_measure.MAX_AREA = 26 * 5000
        workbook_guard.check_workbook(path, "xlsx")
    finally:
        sheet_measure.MAX_AREA = old
    # Just under the longest run allowed between two tags passes; just over is refused.
    ok = tmp_path / "long-ok.xlsx"
    ok.write_bytes(
        xlsx_bytes(sheet_xml(ROWS.replace("<v>80</v>", f"<v>80{whitespace(900_000)}</v>")))
    )
    workbook_guard.check_workbook(ok, "xlsx")


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory):
    return build_web(tmp_path_factory.mktemp("web"), WebSettings(max_upload_mb=1))


def test_hostile_uploads_get_a_plain_400_and_the_server_answers_the_next_request(web):
    c = signed_in(web, "analyst@council.org")
    for name, (content, phrase) in corpus().items():
        r = upload(c, name, content)
        assert r.status_code == 303, (name, r.text[:300])
        preview = c.get(r.headers["location"])
        assert preview.status_code == 400, (name, preview.text[:300])
        assert phrase in preview.text.replace("&#34;", '"').replace("&quot;", '"'), name
        assert "Traceback" not in preview.text and str(web.ws.root) not in preview.text, name
        # Refused files are not kept: the preview cannot be reopened (there is no such upload any more).
        assert c.get(r.headers["location"]).status_code == 404
        assert c.get("/upload").status_code == 200


def test_a_hostile_file_loaded_without_its_preview_is_refused_too(web):
    c = signed_in(web, "analyst@council.org")
    r = upload(c, "far-cell.xlsx", corpus()["far-cell.xlsx"][0])
    token = csrf_of(c.get("/upload").text)
    loaded = c.post(r.headers["location"] + "/load", data={"csrf_token": token})
    assert loaded.status_code == 400 and "17,179,869,184 cells" in loaded.text
    assert str(web.ws.root) not in loaded.text and "far-cell.xlsx" in loaded.text
    assert c.get(r.headers["location"]).status_code == 404  # not kept


def test_a_good_spreadsheet_upload_still_previews(web):
    c = signed_in(web, "analyst@council.org")
    r = upload(c, "good.xlsx", real_xlsx())
    preview = c.get(r.headers["location"])
    assert preview.status_code == 200 and "Acme Ltd" in preview.text


def test_an_upload_over_the_limit_is_refused_413(web):
    c = signed_in(web, "analyst@council.org")
    r = upload(
        c, "big.csv", b"Supplier,Amount,Date\n" + b"A Ltd,1,01/01/2024\n" * 150_000
    )  # 2.9 MB
    assert r.status_code == 413 and "1 MB limit" in r.text
    assert c.get("/upload").status_code == 200


@pytest.fixture(scope="module")
def live(web):
    """The app served by uvicorn on a loopback port, as `anchorage serve` runs it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(web.app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(10)


def _raw_upload(address: str, cookies: str, chunked: bool, body_size: int) -> tuple[str, int]:
    """Send an upload of `body_size` bytes, stopping as soon as the server answers: (status line, bytes sent)."""
    host, port = address.split(":")
    head = (
        f"POST /upload HTTP/1.1\r\nHost: {address}\r\nCookie: {cookies}\r\n"
        "Content-Type: multipart/form-data; boundary=XyZ\r\n"
    )
    head += (
        "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {body_size}\r\n\r\n"
    )
    sent = 0
    block = b"x" * 65536
    part = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(
            head.encode() + (f"{len(part):x}\r\n".encode() + part + b"\r\n" if chunked else part)
        )
        s.setblocking(False)
        answer = b""
        while sent < body_size:
            with contextlib.suppress(BlockingIOError):
                answer += s.recv(65536)
            if answer:
                break
            piece = f"{len(block):x}\r\n".encode() + block + b"\r\n" if chunked else block
            try:
                s.sendall(piece)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                time.sleep(0.01)
                continue
            sent += len(block)
        s.setblocking(True)
        while b"\r\n" not in answer:
            more = s.recv(65536)
            if not more:
                break
            answer += more
    return answer.split(b"\r\n")[0].decode(), sent


@pytest.mark.parametrize("chunked", [False, True])
def test_a_600_mb_upload_is_refused_while_streaming(live, chunked):
    with httpx.Client(base_url=f"http://{live}") as client:
        assert login(client, "analyst@council.org").status_code == 303
        cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        status, sent = _raw_upload(live, cookies, chunked, 600 * 1024**2)
        assert status.startswith("HTTP/1.1 413"), status
        # The limit is 1 MB: the server answered long before the 600 MB were sent.
        assert sent < 8 * 1024**2, sent
        assert client.get("/upload").status_code == 200  # and it still serves


def test_page_numbers_limits_and_offsets_are_bounded(web):
    c = signed_in(web, "analyst@council.org")
    huge = "9" * 40
    for url in (
        f"/anchors/council/transactions?page={huge}",
        "/anchors/council/transactions?page=-5",
        "/anchors/council/transactions?page=0",
        f"/api/v1/anchors/council/transactions?offset={huge}",
        f"/api/v1/anchors/council/transactions?limit={huge}&offset=-3",
        "/api/v1/suppliers?limit=-1",
        f"/opportunities?page={huge}",
        f"/pipeline/opportunities?window={huge}",
        "/pipeline/opportunities?window=-2",
    ):
        r = c.get(url)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
    first = c.get("/api/v1/anchors/council/transactions?limit=2").json()
    assert len(first["rows"]) == 2 and first["total"] > 2
    assert c.get(f"/api/v1/anchors/council/transactions?offset={huge}").json()["rows"] == []
    for url in (
        "/anchors/council/transactions?page=abc",
        "/api/v1/anchors/council/transactions?offset=1e9",
        "/opportunities?page=%C2%B2",
        "/pipeline/opportunities?window=inf",
    ):
        r = c.get(url)
        assert r.status_code == 400, (url, r.status_code)
        assert "is not a whole number" in r.text and "Traceback" not in r.text
    assert (
        c.get("/api/v1/suppliers?limit=x")
        .json()["error"]["fix"]
        .startswith("Use a whole number from 1 to 500")
    )
    # The co-location distance is checked by the service it goes to (1 to 5,000 metres), never a 500.
    for distance in (huge, "-1", "nan", "inf", "1e400"):
        r = c.get(f"/assets/map?distance={distance}")
        assert r.status_code == 400 and "Choose a distance" in r.text, distance


def test_whole_number():
    assert whole_number(" 7 ", "page", 1, 10) == 7
    assert whole_number("-4", "page", 1, 10) == 1
    assert whole_number("+99", "page", 1, 10) == 10
    assert whole_number("9" * 5000, "page", 1, 10) == 10
    assert whole_number("-" + "9" * 5000, "offset", 0, 10) == 0
    for bad in ("", "1.5", "1e3", "٣", "0x10", "nan", "--1"):
        with pytest.raises(BadNumber):
            whole_number(bad, "page", 1, 10)
