"""Geography reference importers against the real ONS samples in ../shared/data/geography."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest
from tests.conftest import SHARED

from anchorage.core.errors import InputFileError
from anchorage.ingest.result import ImportSummary
from anchorage.reference.boundaries import import_boundaries, load_boundaries
from anchorage.reference.geography import import_any, import_areas, import_imd, import_postcodes
from anchorage.reference.synthetic import NSPL_HEADER, write_nspl_like
from anchorage.store.warehouse import connect

GEO = SHARED / "geography"
NSPL = sorted((GEO / "nspl").glob("NSPL_NOV_2021_UK_*.csv"))
ONSPD = GEO / "onspd_fixture.csv"
LBL_LOOKUP = GEO / "lewisham" / "lbl_postcode_oa11_lsoa11_msoa11_wd22.csv"
ALL_POSTCODE_FILES = [*NSPL, ONSPD, LBL_LOOKUP]
SUMMARIES: dict[int, ImportSummary] = {}


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def row_for(path: Path, column: str, value: str) -> dict[str, str]:
    return next(r for r in rows_of(path) if r[column] == value)


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> tuple:
    row = con.execute(sql, params or []).fetchone()
    assert row is not None
    return row


@pytest.fixture(scope="module", autouse=True)
def _shared_data() -> None:
    if not GEO.exists():
        pytest.fail(f"the shared data folder {GEO} is missing; these tests read the real ONS files")


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


@pytest.fixture
def loaded(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A warehouse holding all the postcode samples (4 NSPL areas, the ONSPD extract, the Lewisham lookup)."""
    SUMMARIES[id(con)] = import_postcodes(con, ALL_POSTCODE_FILES)
    return con


# ---------------------------------------------------------------- postcodes


def test_all_samples_import_and_reconcile(loaded: duckdb.DuckDBPyConnection) -> None:
    s = SUMMARIES[id(loaded)]
    expected = sum(len(rows_of(p)) for p in ALL_POSTCODE_FILES)
    assert s.kind == "postcodes" and s.rows_read == expected == 46_337
    assert s.balanced and s.rows_read == s.rows_loaded + s.rows_quarantined
    distinct = len(
        {r.get("pcds") or r["PostcodeNatural"] for p in ALL_POSTCODE_FILES for r in rows_of(p)}
    )
    assert one(loaded, "SELECT count(*), count(DISTINCT pcd_key) FROM postcodes") == (
        distinct,
        distinct,
    )
    assert s.mapping["postcode"] == "pcds | PostcodeNatural"
    assert (
        "laua" in s.mapping["lad"]
        and "oslaua" in s.mapping["lad"]
        and "LAD19CD" in s.mapping["lad"]
    )


def test_known_postcodes_map_to_the_file_values(loaded: duckdb.DuckDBPyConnection) -> None:
    sql = (
        "SELECT pcds, lad, ward, lsoa11, lsoa21, rgn, ctry, source FROM postcodes WHERE pcd_key = ?"
    )
    wc = row_for(NSPL[-1], "pcds", "WC1A 1AB")
    assert one(loaded, sql, ["WC1A1AB"]) == (
        "WC1A 1AB",
        wc["laua"],
        wc["ward"],
        wc["lsoa11"],
        None,
        wc["rgn"],
        wc["ctry"],
        NSPL[-1].name,
    )
    ab = row_for(ONSPD, "pcds", "AB1 0AA")
    # Scotland has no region: the pseudo code S99999999 becomes NULL.
    assert one(loaded, sql, ["AB10AA"]) == (
        "AB1 0AA",
        ab["oslaua"],
        ab["osward"],
        ab["lsoa11"],
        None,
        None,
        "S92000003",
        ONSPD.name,
    )
    lbl = row_for(LBL_LOOKUP, "PostcodeNatural", "BR1 4BY")
    assert one(loaded, sql, ["BR14BY"]) == (
        "BR1 4BY",
        lbl["LAD19CD"],
        lbl["WD22CD_proposed"],
        lbl["LSOA11CD"],
        None,
        None,
        "E92000001",
        LBL_LOOKUP.name,
    )
    # Jersey: every geography is a pseudo code, so only the Channel Islands country code survives.
    assert one(loaded, "SELECT lad, ward, ctry FROM postcodes WHERE pcd_key = 'JE24WD'") == (
        None,
        None,
        "L93000001",
    )


def test_terminated_postcodes_are_kept(loaded: duckdb.DuckDBPyConnection) -> None:
    assert one(loaded, "SELECT terminated FROM postcodes WHERE pcd_key = 'WC1A1AA'") == ("199806",)
    # The Lewisham file stores 200903 as '200903.0'; it is read back as yyyymm.
    assert one(loaded, "SELECT terminated FROM postcodes WHERE pcd_key = 'BR14PN'") == ("200903",)
    ended = sum(1 for r in rows_of(LBL_LOOKUP) if r["TerminationDate"])
    got = one(
        loaded,
        "SELECT count(*) FROM postcodes WHERE source = ? AND terminated IS NOT NULL",
        [LBL_LOOKUP.name],
    )
    assert got == (ended,) and ended > 0
    assert one(
        loaded, "SELECT count(*) FROM postcodes WHERE terminated NOT SIMILAR TO '[0-9]{6}'"
    ) == (0,)


def test_no_grid_reference_gives_null_coordinates(loaded: duckdb.DuckDBPyConnection) -> None:
    assert one(
        loaded, "SELECT count(*) FROM postcodes WHERE lat > 90 OR (lat IS NULL) <> (long IS NULL)"
    ) == (0,)


def test_reimport_is_idempotent(loaded: duckdb.DuckDBPyConnection) -> None:
    before = one(
        loaded, "SELECT count(*), sum(hash(pcd_key, lad, ward, lsoa11, terminated)) FROM postcodes"
    )
    again = import_postcodes(loaded, ALL_POSTCODE_FILES)
    assert again.rows_read == SUMMARIES[id(loaded)].rows_read
    assert (
        one(
            loaded,
            "SELECT count(*), sum(hash(pcd_key, lad, ward, lsoa11, terminated)) FROM postcodes",
        )
        == before
    )


def test_region_filled_from_areas(con: duckdb.DuckDBPyConnection) -> None:
    import_areas(con, GEO / "drkane" / "la_all_codes.csv")
    import_postcodes(con, [LBL_LOOKUP])
    assert one(con, "SELECT rgn, ctry FROM postcodes WHERE pcd_key = 'BR14BY'") == (
        "E12000007",
        "E92000001",
    )
    assert one(con, "SELECT count(*) FROM postcodes WHERE rgn IS NULL") == (0,)


def test_newer_upper_case_headers_bom_and_crlf(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "NSPL_FEB_2025_UK.csv"
    path.write_bytes(
        b"\xef\xbb\xbfPCD7,PCDS,DOTERM,LAD25CD,WD25CD,LSOA21CD,RGN25CD,CTRY25CD,LAT,LONG\r\n"
        b"SE6 4RU,SE6 4RU,,E09000023,E05013714,E01003189,E12000007,E92000001,51.43,-0.02\r\n"
    )
    s = import_any(con, path)
    assert s.mapping["lsoa21"] == "LSOA21CD" and s.mapping["lad"] == "LAD25CD"
    assert one(con, "SELECT pcds, lad, ward, lsoa11, lsoa21, rgn, terminated FROM postcodes") == (
        "SE6 4RU",
        "E09000023",
        "E05013714",
        None,
        "E01003189",
        "E12000007",
        None,
    )


def test_bad_postcodes_are_quarantined_with_row_numbers(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    lines = NSPL[0].read_text().splitlines()
    fields = lines[2].split(",")
    bad = ",".join([*fields[:2], '"NOT A PC"', *fields[3:]])  # pcds is the column used
    empty = ",".join(['""'] * 3 + lines[3].split(",")[3:])
    path = tmp_path / "nspl_with_bad.csv"
    path.write_text("\n".join([lines[0], lines[1], bad, empty, lines[4]]) + "\n")
    s = import_postcodes(con, [path])
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (4, 2, 2) and s.balanced
    assert s.quarantine_reasons == {"empty postcode": 1, "not a valid UK postcode": 1}
    got = con.execute(
        "SELECT upload_id, org, source_file, row_no, column_name, reason, raw FROM quarantine "
        "WHERE kind = 'postcodes' ORDER BY row_no"
    ).fetchall()
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert got == [
        (sha, "", str(path), 2, "pcds", "not a valid UK postcode", "NOT A PC"),
        (sha, "", str(path), 3, "pcds", "empty postcode", None),
    ]
    import_postcodes(con, [path])  # re-import replaces its quarantine rows rather than adding more
    assert one(con, "SELECT count(*) FROM quarantine") == (2,)


def test_later_file_wins_on_duplicates(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = NSPL[0].read_text().splitlines()
    first = lines[1].split(",")
    changed = tmp_path / "override.csv"
    changed.write_text(lines[0] + "\n" + ",".join([*first[:12], '"E09000023"', *first[13:]]) + "\n")
    s = import_postcodes(con, [NSPL[0], changed])
    assert s.rows_read == len(lines) and any("later file" in n for n in s.notes)
    key = first[0].strip('"').replace(" ", "")
    assert one(con, "SELECT lad, source FROM postcodes WHERE pcd_key = ?", [key]) == (
        "E09000023",
        "override.csv",
    )


def test_ons_multi_csv_directory_layout(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    multi = tmp_path / "NSPL" / "Data" / "multi_csv"
    multi.mkdir(parents=True)
    for p in NSPL[:2]:
        shutil.copy(p, multi / p.name)
    (tmp_path / "NSPL" / "Documents").mkdir()
    shutil.copy(
        GEO / "lewisham" / "lbl_wd22_proposed.csv", tmp_path / "NSPL" / "Documents" / "names.csv"
    )
    s = import_postcodes(con, [tmp_path / "NSPL"])
    assert (
        s.rows_read
        == sum(len(rows_of(p)) for p in NSPL[:2])
        == one(con, "SELECT count(*) FROM postcodes")[0]
    )
    # With the single UK file present too, only that copy is read (the per-area files repeat it).
    uk = tmp_path / "NSPL" / "Data" / "NSPL_UK.csv"
    shutil.copy(NSPL[0], uk)
    assert import_postcodes(con, [tmp_path / "NSPL"]).rows_read == len(rows_of(NSPL[0]))


def test_zip_import(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    archive = tmp_path / "NSPL_NOV_2021_UK.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in NSPL[2:]:
            zf.write(p, f"Data/multi_csv/{p.name}")
        zf.write(
            GEO / "drkane" / "la_all_codes.csv",
            "Documents/LA_UA names and codes UK as at 04_21.csv",
        )
        zf.writestr("User Guide/readme.txt", "not data")
    seen: list[tuple[int, int]] = []
    s = import_postcodes(con, [archive], progress=lambda done, total: seen.append((done, total)))
    assert s.rows_read == sum(len(rows_of(p)) for p in NSPL[2:]) and s.balanced
    assert seen[-1][0] == seen[-1][1] and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert one(con, "SELECT count(DISTINCT source) FROM postcodes") == (2,)


def test_postcode_import_is_all_or_nothing(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text(NSPL[0].read_text().splitlines()[0] + '\n"WC1A 9ZZ","x"\n')
    with pytest.raises(InputFileError) as err:
        import_postcodes(con, [NSPL[1], broken])
    assert "broken.csv" in str(err.value) and "line 2" in str(err.value)
    assert one(con, "SELECT count(*) FROM postcodes") == (0,)


def test_synthetic_nspl_matches_the_published_layout(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write_nspl_like(tmp_path / "synthetic.csv", 5000, seed=7)
    lines = path.read_text().splitlines()
    real = NSPL[0].read_text().splitlines()
    assert lines[0] == real[0] == NSPL_HEADER
    quoted = [f.startswith('"') for f in real[1].split(",")]
    assert [f.startswith('"') for f in lines[1].split(",")] == quoted
    s = import_postcodes(con, [path])
    assert (s.rows_read, s.rows_quarantined) == (5000, 0)
    assert one(con, "SELECT count(DISTINCT pcd_key), count(terminated) > 0 FROM postcodes") == (
        5000,
        True,
    )


# ---------------------------------------------------------------- IMD and areas


def test_imd_join_gives_decile_for_a_lewisham_lsoa(loaded: duckdb.DuckDBPyConnection) -> None:
    s = import_imd(loaded, GEO / "imd2019_england_lsoa11.csv")
    assert s.rows_read == s.rows_loaded == 32_844 and s.mapping == {
        "lsoa": "lsoa_code",
        "rank": "IMD_rank",
        "decile": "IMD_decile",
    }
    lbl = row_for(LBL_LOOKUP, "PostcodeNatural", "BR1 4BY")
    imd = row_for(GEO / "imd2019_england_lsoa11.csv", "lsoa_code", lbl["LSOA11CD"])
    got = one(
        loaded,
        "SELECT i.imd_decile, i.imd_rank FROM postcodes p JOIN imd i ON i.lsoa = p.lsoa11 "
        "AND i.version = '2019' WHERE p.pcd_key = 'BR14BY'",
    )
    assert got == (int(imd["IMD_decile"]), int(imd["IMD_rank"]))
    import_imd(
        loaded, GEO / "lewisham" / "lbl_imd_2019_lsoa11.csv"
    )  # same LSOAs again: replaced, not added
    assert one(loaded, "SELECT count(*), count(DISTINCT lsoa) FROM imd") == (32_844, 32_844)


def test_imd_official_long_headers(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "File_1_IoD2025.csv"
    path.write_text(
        "LSOA code (2021),LSOA name (2021),Local Authority District code (2024),"
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),"
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)\n"
        'E01000001,City of London 001A,E09000001,"29,199",9\nE01000002,City of London 001B,E09000001,30379,11\n'
    )
    s = import_imd(con, path)  # 2021-based LSOA codes: stored as IMD 2025 without being told
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (2, 1, 1)
    assert con.execute("SELECT * FROM imd").fetchall() == [("E01000001", "2025", 29199, 9)]
    assert s.quarantine_reasons == {"IMD decile missing or not 1-10": 1}
    assert con.execute(
        "SELECT row_no, column_name, raw FROM quarantine WHERE kind = 'imd'"
    ).fetchall() == [
        (
            2,
            "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
            "11",
        )
    ]


def test_areas_lad_region_country_and_wards(con: duckdb.DuckDBPyConnection) -> None:
    s = import_areas(con, GEO / "drkane" / "la_all_codes.csv")
    assert s.rows_read == s.rows_loaded == 415
    assert one(con, "SELECT name, parent FROM areas WHERE code = 'E09000023' AND kind = 'lad'") == (
        "Lewisham",
        "E12000007",
    )
    assert one(
        con, "SELECT name, parent FROM areas WHERE code = 'E12000007' AND kind = 'region'"
    ) == ("London", "E92000001")
    assert one(con, "SELECT name FROM areas WHERE code = 'E92000001' AND kind = 'country'") == (
        "England",
    )
    assert one(con, "SELECT parent FROM areas WHERE code = 'S12000005'") == (
        "S92000003",
    )  # no region in Scotland
    import_areas(con, GEO / "drkane" / "la_all_codes.csv")
    assert one(con, "SELECT count(*) FROM areas") == (415 + 9 + 4,)
    import_areas(con, GEO / "drkane" / "ward_all_codes.csv")
    s = import_any(con, GEO / "lewisham" / "lbl_wd22_proposed.csv")
    assert s.kind == "areas" and s.rows_loaded == 19
    assert one(
        con, "SELECT name, parent FROM areas WHERE code = 'E05013714' AND kind = 'ward'"
    ) == ("Bellingham", None)
    assert one(con, "SELECT parent FROM areas WHERE code = 'E05000026' AND kind = 'ward'") == (
        "E09000002",
    )


def test_areas_from_a_windows_1252_export(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "wards.csv"
    path.write_bytes(
        "WD22CD,WD22NM,LAD22CD\r\nE05000001,Café Ward,E09000001\r\n,No code,\r\n".encode("cp1252")
    )
    s = import_areas(con, path)
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (2, 1, 1)
    assert con.execute("SELECT * FROM areas").fetchall() == [
        ("E05000001", "Café Ward", "ward", "E09000001")
    ]
    assert one(con, "SELECT row_no, reason FROM quarantine WHERE kind = 'areas'") == (
        2,
        "missing code or name",
    )


# ---------------------------------------------------------------- boundaries and sniffing


def test_boundaries_wards_and_lsoas(con: duckdb.DuckDBPyConnection) -> None:
    s = import_boundaries(con, GEO / "lewisham" / "lbl_wd22_proposed.geojson")
    assert (s.rows_read, s.rows_loaded) == (19, 19) and s.mapping["kind"] == "ward"
    s = import_any(con, GEO / "drkane" / "boundaries" / "lsoa11" / "E09000023.geojson")
    assert (s.kind, s.rows_loaded, s.mapping["code"]) == ("boundaries", 169, "LSOA11CD")
    import_boundaries(con, GEO / "lewisham" / "lbl_wd22_proposed.geojson")  # idempotent
    assert con.execute(
        "SELECT kind, count(*) FROM boundaries GROUP BY kind ORDER BY kind"
    ).fetchall() == [("lsoa", 169), ("ward", 19)]
    fc = load_boundaries(con, "ward", ["E05013714", "E05013715"])
    assert fc["type"] == "FeatureCollection"
    assert [f["properties"] for f in fc["features"]] == [
        {"code": "E05013714", "name": "Bellingham"},
        {"code": "E05013715", "name": "Blackheath"},
    ]
    assert fc["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert len(load_boundaries(con, "lsoa", None)["features"]) == 169


def test_malformed_geojson_names_file_and_position(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    bad = tmp_path / "wards_cut_short.geojson"
    bad.write_text((GEO / "lewisham" / "lbl_wd22_proposed.geojson").read_text()[:5000])
    with pytest.raises(InputFileError) as err:
        import_any(con, bad)
    assert "wards_cut_short.geojson" in str(err.value) and "line" in str(err.value)


def test_british_national_grid_is_converted_to_wgs84(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # WC1A 1AA in the real NSPL sample: easting 529900, northing 181400 = lat 51.516595, long -0.129279.
    square = [[[529900, 181400], [530900, 181400], [530900, 182400], [529900, 181400]]]
    path = tmp_path / "bng_wards.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"WD22CD": "E05000001", "WD22NM": "X"},
                        "geometry": {"type": "Polygon", "coordinates": square},
                    }
                ],
            }
        )
    )
    import_boundaries(con, path)
    lon, lat = load_boundaries(con, "ward")["features"][0]["geometry"]["coordinates"][0][0]
    assert lon == pytest.approx(-0.129279, abs=2e-4) and lat == pytest.approx(51.516595, abs=2e-4)


def test_unrecognised_files_get_clear_errors(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    with pytest.raises(InputFileError) as err:
        import_any(con, GEO / "drkane" / "lsoa_latlong.csv")
    assert "lsoa_latlong.csv" in str(err.value) and "does not look like ONSPD, NSPL" in str(
        err.value
    )
    assert "its header is LSOACD, latitude" in str(err.value)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputFileError, match=r"empty\.csv: is empty"):
        import_any(con, empty)
    with pytest.raises(InputFileError, match="not a postcode directory file"):
        import_postcodes(con, [GEO / "imd2019_england_lsoa11.csv"])
    with pytest.raises(InputFileError, match="not a readable zip"):
        (tmp_path / "x.zip").write_text("nope")
        import_postcodes(con, [tmp_path / "x.zip"])


def test_import_any_dispatches_postcodes_and_imd(con: duckdb.DuckDBPyConnection) -> None:
    assert import_any(con, ONSPD).kind == "postcodes"
    assert import_any(con, GEO / "lewisham" / "lbl_imd_2019_lsoa11.csv").kind == "imd"
    assert one(con, "SELECT count(*) FROM postcodes") == (8048,)
