"""Generated registers in Companies House's exact published layout, and noisy supplier lists with labels.

For tests, benchmarks and the demo: deterministic from a seed, and fast (DuckDB writes the rows).
"""

from __future__ import annotations

import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb


def _words(text: str) -> list[str]:
    return text.split()


# The header line exactly as Companies House publishes it, leading spaces included.
CH_HEADER = (
    "CompanyName, CompanyNumber,RegAddress.CareOf,RegAddress.POBox,RegAddress.AddressLine1, RegAddress.AddressLine2,"
    "RegAddress.PostTown,RegAddress.County,RegAddress.Country,RegAddress.PostCode,CompanyCategory,CompanyStatus,"
    "CountryOfOrigin,DissolutionDate,IncorporationDate,Accounts.AccountRefDay,Accounts.AccountRefMonth,"
    "Accounts.NextDueDate,Accounts.LastMadeUpDate,Accounts.AccountCategory,Returns.NextDueDate,"
    "Returns.LastMadeUpDate,Mortgages.NumMortCharges,Mortgages.NumMortOutstanding,Mortgages.NumMortPartSatisfied,"
    "Mortgages.NumMortSatisfied,SICCode.SicText_1,SICCode.SicText_2,SICCode.SicText_3,SICCode.SicText_4,"
    "LimitedPartnerships.NumGenPartners,LimitedPartnerships.NumLimPartners,URI,"
    + ",".join(f"PreviousName_{i}.CONDATE, PreviousName_{i}.CompanyName" for i in range(1, 11))
    + ",ConfStmtNextDueDate, ConfStmtLastMadeUpDate"
)
CHARITY_HEADER = (
    "date_of_extract\torganisation_number\tregistered_charity_number\tlinked_charity_number\tcharity_name\t"
    "charity_type\tcharity_registration_status\tdate_of_registration\tdate_of_removal\tcharity_reporting_status\t"
    "latest_acc_fin_period_start_date\tlatest_acc_fin_period_end_date\tlatest_income\tlatest_expenditure\t"
    "charity_contact_address1\tcharity_contact_address2\tcharity_contact_address3\tcharity_contact_address4\t"
    "charity_contact_address5\tcharity_contact_postcode\tcharity_contact_phone\tcharity_contact_email\t"
    "charity_contact_web\tcharity_company_registration_number\tcharity_insolvent\tcharity_in_administration\t"
    "charity_previously_excepted\tcharity_is_cdf_or_cif\tcharity_is_cio\tcio_is_dissolved\t"
    "date_cio_dissolution_notice\tcharity_activities\tcharity_gift_aid\tcharity_has_land"
)

FIRST = _words(
    "Apex Abbey Acorn Albion Alpha Anchor Arch Arrow Ash Aspen Atlas Aurora Avalon Azure Beacon Bear Beech "
    "Bell Birch Blue Bridge Bright Bristol Broad Brook Cambridge Capital Castle Cedar Central Channel Chapel "
    "Chester Civic Clear Clover Coast Cobalt Compass Copper Coral Cornerstone Crest Crown Crystal Delta Diamond "
    "Dove Eagle East Eden Elm Emerald Empire Evergreen Falcon Fern Field Firefly Forest Fox Frontier Galaxy "
    "Garden Gate Globe Gold Granite Green Grove Harbour Hawk Heart Heath Heritage Highland Hill Horizon Imperial "
    "Iron Island Ivy Jade Jubilee Kestrel King Lake Lark Laurel Legacy Liberty Lime Lion Lotus Maple Marble "
    "Meadow Meridian Metro Mill Mint Monarch Moon North Nova Oak Ocean Olive Omega Onyx Orchard Orbit Oxford "
    "Park Peak Pearl Pennine Phoenix Pilot Pine Pinnacle Pioneer Planet Platinum Polar Premier Prime Quay Quest "
    "Rainbow Raven Red Regal Regent River Robin Rock Rose Royal Ruby Sage Sapphire Saxon Severn Silver Sky "
    "Solar Sovereign Spring Star Sterling Stone Summit Sun Swan Thames Titan Tower Trinity Tudor Union Unity "
    "Valley Vanguard Vector Velvet Vertex Victoria Vista Wave West Willow Windsor Wolf York Zenith"
)
SURNAMES = _words(
    "Smith Jones Patel Okafor Williams Brown Taylor Khan Ahmed Adeyemi Mensah Nguyen Kowalski OBrien "
    "Murphy Campbell Clarke Evans Hughes Walker Wright Hall Green Baker Shah Singh Begum Hussain Osei "
    "Boateng Thompson Robinson Edwards Davies Wilson Johnson Martin Lewis Harris Cooper Ward Morris Turner "
    "Phillips Mitchell Carter Bennett Gray Allen King Scott Adams Fernandes Kaur Mahmood Silva Chen Wong "
    "Nowak Reid Foster Marshall Owen Lloyd Price Jenkins Ellis Palmer Webb Rogers Stevens Hunt"
)
SECTORS = [  # (words, SIC line)
    ("Catering|Catering Services|Foods|Kitchens|Hospitality|Bakery", "56290 - Other food services"),
    (
        "Cleaning Services|Cleaning|Hygiene|Facilities Management",
        "81210 - General cleaning of buildings",
    ),
    (
        "Building Services|Construction|Builders|Roofing|Plumbing and Heating|Electrical Contractors|Joinery",
        "41202 - Construction of domestic buildings",
    ),
    (
        "Recruitment|Staffing|Personnel|Healthcare Staffing",
        "78109 - Other activities of employment placement agencies",
    ),
    (
        "IT Solutions|Software|Systems|Digital|Technology|Networks",
        "62020 - Information technology consultancy activities",
    ),
    (
        "Consulting|Consultancy|Associates|Advisory|Partners",
        "70229 - Management consultancy activities other than financial management",
    ),
    (
        "Care Services|Home Care|Care Homes|Support Services",
        "88100 - Social work activities without accommodation for the elderly and disabled",
    ),
    ("Transport|Logistics|Couriers|Coaches|Removals", "49410 - Freight transport by road"),
    ("Security|Security Services|Guarding", "80100 - Private security activities"),
    ("Landscapes|Grounds Maintenance|Gardens|Tree Surgery", "81300 - Landscape service activities"),
    ("Training|Education|Learning|Tutors", "85590 - Other education n.e.c."),
    ("Legal Services|Solicitors|Law", "69102 - Solicitors"),
    (
        "Office Supplies|Print|Stationery|Furniture",
        "47620 - Retail sale of newspapers and stationery in specialised stores",
    ),
    ("Waste Management|Recycling|Skip Hire", "38110 - Collection of non-hazardous waste"),
    ("Medical|Healthcare|Pharma|Clinical Supplies", "46460 - Wholesale of pharmaceutical goods"),
    (
        "Property Services|Estates|Lettings|Developments",
        "68209 - Other letting and operating of own or leased real estate",
    ),
]
AREAS = _words(
    "AB AL B BA BB BD BH BL BN BR BS CA CB CF CH CM CO CR CT CV CW DA DE DH DL DN DT DY E EC EN EX FY GL GU "
    "HA HD HG HP HR HU HX IG IP KT L LA LE LL LN LS LU M ME MK N NE NG NN NP NR NW OL OX PE PL PO PR RG RH "
    "RM S SE SG SK SL SM SN SO SP SR SS ST SW SY TA TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO"
)
TOWNS = {
    a: t.replace("_", " ")
    for a, t in zip(
        AREAS,
        _words(
            "ABERDEEN ST_ALBANS BIRMINGHAM BATH BLACKBURN BRADFORD BOURNEMOUTH BOLTON BRIGHTON BROMLEY BRISTOL CARLISLE "
            "CAMBRIDGE CARDIFF CHESTER CHELMSFORD COLCHESTER CROYDON CANTERBURY COVENTRY CREWE DARTFORD DERBY DURHAM "
            "DARLINGTON DONCASTER DORCHESTER DUDLEY LONDON LONDON ENFIELD EXETER BLACKPOOL GLOUCESTER GUILDFORD HARROW "
            "HUDDERSFIELD HARROGATE HEMEL_HEMPSTEAD HEREFORD HULL HALIFAX ILFORD IPSWICH KINGSTON LIVERPOOL LANCASTER LEICESTER "
            "LLANDUDNO LINCOLN LEEDS LUTON MANCHESTER MAIDSTONE MILTON_KEYNES LONDON NEWCASTLE NOTTINGHAM NORTHAMPTON NEWPORT "
            "NORWICH LONDON OLDHAM OXFORD PETERBOROUGH PLYMOUTH PORTSMOUTH PRESTON READING REDHILL ROMFORD SHEFFIELD "
            "LONDON STEVENAGE STOCKPORT SLOUGH SUTTON SWINDON SOUTHAMPTON SALISBURY SUNDERLAND SOUTHEND STOKE LONDON "
            "SHREWSBURY TAUNTON TELFORD TONBRIDGE TORQUAY TRURO MIDDLESBROUGH TWICKENHAM SOUTHALL LONDON WARRINGTON "
            "LONDON WATFORD WAKEFIELD WIGAN WORCESTER WALSALL WOLVERHAMPTON YORK"
        ),
        strict=True,
    )
}
CATEGORIES = ("Private Limited Company",) * 17 + (
    "Public Limited Company",
    "Limited Liability Partnership",
    "Community Interest Company",
    "PRI/LBG/NSC (Private, Limited by guarantee, no share capital, use of 'Limited' exemption)",
    "Registered Society",
)
ACCOUNTS = (
    ("MICRO ENTITY",) * 5
    + ("TOTAL EXEMPTION FULL",) * 4
    + ("SMALL", "UNAUDITED ABRIDGED", "DORMANT", "NO ACCOUNTS FILED", "FULL", "GROUP", "MEDIUM")
)
STATUSES = ("Active",) * 36 + (
    "Liquidation",
    "Active - Proposal to Strike off",
    "In Administration",
)


def _sql_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _pick(values: tuple[str, ...] | list[str], salt: int) -> str:
    """SQL choosing one value per row by a hash of the row number (deterministic)."""
    return f"{_sql_list(values)}[(hash(i, {salt}) % {len(values)})::BIGINT + 1]"


def register_sql(rows: int, seed: int) -> str:
    """A SELECT of `rows` generated companies: i, name, number, postcode, town, category, status, ..."""
    words = [w for ws, _ in SECTORS for w in ws.split("|")]
    sic_of = [sic for ws, sic in SECTORS for _ in ws.split("|")]
    lead, second = [*SURNAMES, *FIRST], ["", *FIRST]
    size = len(lead) * len(second) * len(words)
    # A bijection of i onto (lead, second word, trade word) keeps names unique, as Companies House requires.
    return f"""
        SELECT i, name, number, postcode, town, category, status, accounts, sic, incorporated
        FROM (
            SELECT i,
                   (i * 1000003 + {seed}) % {size} AS p,
                   p % {len(words)} + 1 AS w,
                   {_sql_list(lead)}[(p // {len(words) * len(second)})::BIGINT + 1]
                   || {_sql_list([" " + x if x else "" for x in second])}[((p // {len(words)}) % {len(second)})::BIGINT + 1]
                   || ' ' || {_sql_list(words)}[w]
                   || CASE WHEN i >= {size} THEN ' ' || upper(to_base(i // {size}, 36)) ELSE '' END AS core,
                   {_pick(CATEGORIES, seed + 7)} AS category,
                   upper(core) || CASE category WHEN 'Public Limited Company' THEN ' PLC'
                                     WHEN 'Limited Liability Partnership' THEN ' LLP'
                                     WHEN 'Community Interest Company' THEN ' C.I.C.'
                                     WHEN 'Registered Society' THEN ' SOCIETY LIMITED'
                                     ELSE ' LIMITED' END AS name,
                   lpad(CAST(1000000 + i AS VARCHAR), 8, '0') AS number,
                   {_pick(AREAS, seed + 8)} AS area,
                   area || CAST(1 + hash(i, {seed} + 9) % 20 AS VARCHAR) || ' '
                        || CAST(hash(i, {seed} + 10) % 10 AS VARCHAR)
                        || chr(65 + (hash(i, {seed} + 11) % 26)::INT) || chr(65 + (hash(i, {seed} + 12) % 26)::INT)
                        AS postcode,
                   {_sql_list(list(TOWNS.values()))}[list_position({_sql_list(AREAS)}, area)] AS town,
                   {_pick(STATUSES, seed + 13)} AS status,
                   {_pick(ACCOUNTS, seed + 14)} AS accounts,
                   {_sql_list(sic_of)}[w] AS sic,
                   DATE '1990-01-01' + CAST(hash(i, {seed} + 15) % 12000 AS INTEGER) AS incorporated
            FROM range({rows}) t(i)
        )
    """


def write_companies_house(
    out_dir: Path,
    rows: int,
    *,
    seed: int = 1,
    parts: int = 7,
    date: str = "2025-01-01",
    extra_sql: str | None = None,
) -> list[Path]:
    """Write BasicCompanyData-<date>-partN_M.zip files in the published layout; returns their paths.

    `extra_sql`, if given, is a SELECT with the same columns as `register_sql` appended to the rows.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    body = register_sql(rows, seed) + (f" UNION ALL {extra_sql}" if extra_sql else "")
    con.execute(
        f"CREATE TABLE reg AS SELECT *, ntile({parts}) OVER (ORDER BY name) AS part FROM ({body})"
    )
    blanks = ", ".join(["''"] * 20)
    paths = []
    for k in range(1, parts + 1):
        stem = f"BasicCompanyData-{date}-part{k}_{parts}"
        csv_path = out_dir / f"{stem}.body"
        con.execute(f"""
            COPY (
                SELECT name, number, '', '', CAST(1 + i % 200 AS VARCHAR) || ' HIGH STREET', '', town, '',
                       'UNITED KINGDOM', postcode, category, status, 'United Kingdom',
                       CASE WHEN status = 'Dissolved' THEN strftime(incorporated + 4000, '%d/%m/%Y') ELSE '' END,
                       strftime(incorporated, '%d/%m/%Y'), '31', '3', '31/12/2025', '31/03/2024', accounts,
                       '', '', '0', '0', '0', '0', sic, '', '', '', '0', '0',
                       'http://business.data.gov.uk/id/company/' || number, {blanks},
                       '01/06/2025', '01/06/2024'
                FROM reg WHERE part = {k} ORDER BY name
            ) TO '{csv_path}' (HEADER false, FORCE_QUOTE *, DELIMITER ',')
        """)
        zip_path = out_dir / f"{stem}.zip"
        with (
            zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
            zf.open(f"{stem}.csv", "w", force_zip64=True) as dest,
            csv_path.open("rb") as src,
        ):
            dest.write((CH_HEADER + "\n").encode())
            while chunk := src.read(8 * 1024 * 1024):
                dest.write(chunk)
        csv_path.unlink()
        paths.append(zip_path)
    con.close()
    return paths


def write_charity_extract(path: Path, charities: list[dict[str, str]]) -> Path:
    """Write publicextract.charity.txt (tab-separated, the published columns) for the given charities."""
    cols = CHARITY_HEADER.split("\t")
    lines = [CHARITY_HEADER]
    for n, c in enumerate(charities):
        row = {k: "" for k in cols}
        row.update(
            date_of_extract="2025-01-01 00:00:00",
            organisation_number=str(5_000_000 + n),
            linked_charity_number="0",
            charity_type="Other",
            charity_registration_status="Registered",
            date_of_registration="2001-04-01 00:00:00",
            charity_is_cio="False",
        )
        row.update(c)
        lines.append("\t".join(row[k] for k in cols))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    return path


# ------------------------------------------------------------------ noisy supplier lists with labels


@dataclass
class LabelledSupplier:
    """A supplier as an anchor wrote it, with the register entity it truly is (None when not registered)."""

    org: str
    name: str
    postcode: str | None
    true_register_id: str | None


_ABBREV = {
    "SERVICES": "SVCS",
    "MANAGEMENT": "MGMT",
    "INTERNATIONAL": "INTL",
    "GROUP": "GRP",
    "CONSTRUCTION": "CONSTR",
    "DEVELOPMENTS": "DEVTS",
}


def noisy_name(name: str, rnd: random.Random) -> str:
    """How an anchor's finance system might spell a registered name: case, suffix, &/and, typos..."""
    s = name
    for legal, variants in (
        (" LIMITED", (" LIMITED", " LTD", " Ltd.", "", " Limited")),
        (" PLC", (" PLC", " plc", "")),
        (" C.I.C.", (" CIC", " C.I.C.", " Community Interest Company")),
    ):
        if s.endswith(legal):
            s = s[: -len(legal)] + rnd.choice(variants)
    r = rnd.random()
    if r < 0.25:
        s = s.title()
    elif r < 0.35:
        s = s.lower()
    if " AND " in s.upper() and rnd.random() < 0.5:
        s = s.replace(" AND ", " & ").replace(" and ", " & ").replace(" And ", " & ")
    if rnd.random() < 0.08:
        s = "The " + s
    if rnd.random() < 0.08:
        s = f"{s} t/a {rnd.choice(FIRST)} {rnd.choice(('Services', 'Solutions', 'Supplies'))}"
    for full, short in _ABBREV.items():
        if full in s.upper() and rnd.random() < 0.4:
            i = s.upper().index(full)
            s = s[:i] + short + s[i + len(full) :]
    if rnd.random() < 0.06:
        s = s.replace(" ", "  ", 1)
    if rnd.random() < 0.05:
        s = s.replace(" ", ", ", 1)
    if rnd.random() < 0.12:  # one typing error away from the first character
        i = rnd.randrange(1, max(2, len(s)))
        op = rnd.random()
        if op < 0.4:
            s = s[:i] + rnd.choice("ABCDEFGHIJKLMNOPRSTUVWY") + s[i + 1 :]
        elif op < 0.7:
            s = s[:i] + s[i + 1 :]
        elif i + 1 < len(s):
            s = s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    return s


def labelled_suppliers(
    con: duckdb.DuckDBPyConnection,
    *,
    registered: int,
    unregistered: int,
    seed: int = 7,
    register_rows: int,
    register_seed: int = 1,
    orgs: tuple[str, ...] = ("council",),
    postcode_share: float = 0.6,
) -> list[LabelledSupplier]:
    """Suppliers drawn from a generated register (with noise) plus firms not on it (sole traders etc.)."""
    rnd = random.Random(seed)
    picks = sorted(rnd.sample(range(register_rows), registered))
    con.execute("CREATE OR REPLACE TEMP TABLE picks AS SELECT unnest($p) AS i", {"p": picks})
    rows = con.execute(
        f"SELECT r.name, r.number, r.postcode FROM ({register_sql(register_rows, register_seed)}) r "
        "JOIN picks USING (i) ORDER BY i"
    ).fetchall()
    out = []
    for name, number, postcode in rows:
        pc = postcode if rnd.random() < postcode_share else None
        if pc and rnd.random() < 0.1:  # a trading address, not the registered office
            pc = f"{rnd.choice(AREAS)}{rnd.randint(1, 20)} {rnd.randint(0, 9)}XY"
        out.append(LabelledSupplier(rnd.choice(orgs), noisy_name(name, rnd), pc, number))
    for _ in range(unregistered):  # partnerships and sole traders: words from the same vocabulary
        name = f"{rnd.choice(SURNAMES)} {rnd.choice(SURNAMES)} {rnd.choice(('Window Cleaners', 'Decorating', 'Plumbing', 'Tutoring', 'Florist', 'Minicabs', 'Pest Control', 'Carpets'))}"
        pc = (
            f"{rnd.choice(AREAS)}{rnd.randint(1, 20)} {rnd.randint(0, 9)}QZ"
            if rnd.random() < postcode_share
            else None
        )
        out.append(LabelledSupplier(rnd.choice(orgs), name, pc, None))
    rnd.shuffle(out)
    return out


def write_spend_files(
    folder: Path,
    suppliers: list[LabelledSupplier],
    orgs: list[str],
    *,
    seed: int = 5,
    shared_share: float = 0.3,
) -> dict[str, Path]:
    """One spend CSV per anchor paying these suppliers; a share of them is paid by a second anchor too (under
    the same name), so resolution has suppliers across anchors to cluster. Returns {anchor: file}."""
    rnd = random.Random(seed)
    rows: dict[str, list[str]] = {o: [] for o in orgs}
    for s in suppliers:
        payers = [s.org] + (
            [rnd.choice([o for o in orgs if o != s.org])]
            if len(orgs) > 1 and rnd.random() < shared_share
            else []
        )
        for org in payers:
            name = s.name if org == s.org or rnd.random() < 0.5 else s.name.upper()
            rows[org].append(
                f'"{name.replace(chr(34), chr(34) * 2)}",{s.postcode or ""},'
                f"{rnd.randint(100, 90_000)}.{rnd.randint(0, 99):02d},{rnd.randint(13, 28)}/0{rnd.randint(4, 9)}/2024"
            )
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for org, lines in rows.items():
        out[org] = folder / f"spend-{org.lower().replace(' ', '-')}.csv"
        out[org].write_text(
            "Supplier,Supplier Postcode,Amount,Date\n" + "\n".join(lines) + "\n", encoding="utf-8"
        )
    return out
