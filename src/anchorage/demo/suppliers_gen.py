"""Shared fictional supplier universe for the demo collaborative."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REFERENCE_DIR = Path(__file__).parent / "reference"

SECTORS = (
    "catering", "concessions", "cleaning", "construction", "agency", "it", "consultancy",
    "clinical", "drugs", "care", "transport", "security", "grounds", "education",
    "utilities", "legal", "office", "waste", "community",
)
SECTOR_INDEX = {s: i for i, s in enumerate(SECTORS)}
# Share of non-VCSE suppliers in each sector (community is VCSE only).
_BUSINESS_SECTOR_SHARE = (
    0.07, 0.03, 0.06, 0.16, 0.06, 0.08, 0.08, 0.08, 0.03, 0.10,
    0.05, 0.03, 0.03, 0.05, 0.01, 0.03, 0.04, 0.01, 0.0,
)
_VCSE_SECTOR_SHARE = {"community": 0.5, "care": 0.2, "education": 0.15, "catering": 0.1,
                      "concessions": 0.05}

_ABROAD_SECTORS = ("it", "it", "clinical", "drugs", "consultancy", "education", "office")

SME, LARGE, VCSE = 0, 1, 2
LOCAL, SUBREGION, REGION, REST_UK, ABROAD, UNKNOWN = range(6)
# P(geography band | supplier kind); marginals come out near 30/10/20/30/3/7 %.
_BAND_PROBS = {
    SME: (0.367, 0.121, 0.144, 0.283, 0.005, 0.080),
    LARGE: (0.05, 0.05, 0.35, 0.40, 0.10, 0.05),
    VCSE: (0.60, 0.10, 0.15, 0.10, 0.0, 0.05),
}

LEWISHAM_PLACES = (
    "Lewisham", "Catford", "Brockley", "Deptford", "Sydenham", "Forest Hill", "Lee",
    "Hither Green", "Blackheath", "New Cross", "Ladywell", "Bellingham", "Downham",
    "Grove Park", "Honor Oak", "Crofton Park", "Rushey Green", "Telegraph Hill", "Ravensbourne",
)
SUBREGION_PLACES = ("Sutton", "Morden", "Croydon", "Mitcham", "Cheam", "Carshalton",
                    "Wallington", "Merton", "Wimbledon", "Worcester Park")
REGION_PLACES = ("Thames", "Holborn", "Bloomsbury", "Kingsway", "Capital", "City", "Metro",
                 "Covent Garden", "Fleet", "Strand", "London", "Westminster")
REST_PLACES = {"HG": ("Harrogate", "Knaresborough", "Ripon", "Nidd", "Yorkshire", "Pennine",
                      "Dales"),
               "TF": ("Telford", "Wrekin", "Shropshire", "Ironbridge", "Severn", "Wellington",
                      "Midland")}
ADJECTIVES = (
    "Premier", "Apex", "Summit", "Keystone", "Meridian", "Crown", "Sovereign", "Phoenix",
    "Albion", "Britannia", "Regal", "Pinnacle", "Horizon", "Evergreen", "Oak", "Cedar",
    "Kingfisher", "Compass", "Beacon", "Unity", "Sterling", "Vanguard", "Atlas", "Orbit",
    "Vertex", "Northern", "Southern", "Eastern", "Western", "Central", "National",
)
SURNAMES = (
    "Smith", "Jones", "Patel", "Okafor", "Williams", "Brown", "Taylor", "Khan", "Ahmed",
    "Adeyemi", "Mensah", "Nguyen", "Kowalski", "O'Brien", "O'Neill", "Murphy", "Campbell",
    "Clarke", "Evans", "Hughes", "Walker", "Wright", "Hall", "Green", "Baker", "Shah", "Singh",
    "Begum", "Hussain", "Osei", "Boateng", "Thompson", "Robinson", "Edwards", "Davies",
    "Wilson", "Johnson", "Martin", "Lewis", "Harris", "Cooper", "Ward", "Morris", "Turner",
    "Phillips", "Mitchell", "Carter", "Bennett", "Gray", "Allen", "King", "Scott", "Adams",
    "D'Souza", "Fernandes", "Kaur", "Mahmood", "Yilmaz", "Popescu", "Silva", "Santos", "Chen",
    "Wong", "Lam", "Demir", "Ogunleye", "Asante", "Nowak", "Müller", "Léger",
)
SECTOR_WORDS = {
    "catering": ("Catering", "Catering Services", "Foods", "Kitchens", "Hospitality",
                 "Fine Foods", "Bakery"),
    "concessions": ("Coffee Co", "Café", "Vending", "Retail", "Newsagents", "Florists",
                    "Coffee House", "Crêperie"),
    "cleaning": ("Cleaning Services", "Cleaning", "Hygiene", "Facilities Services",
                 "Window Cleaning"),
    "construction": ("Building Services", "Construction", "Builders", "Roofing",
                     "Plumbing & Heating", "Electrical Contractors", "Decorators", "Scaffolding",
                     "Joinery", "Property Maintenance", "Gas Services"),
    "agency": ("Recruitment", "Staffing", "Personnel", "Locums", "Healthcare Staffing",
               "Nursing Agency"),
    "it": ("IT Solutions", "Software", "Systems", "Digital", "Technology", "Data Services",
           "Networks"),
    "consultancy": ("Consulting", "Associates", "Advisory", "Management Consultants",
                    "Partners"),
    "clinical": ("Medical", "Healthcare", "Surgical", "Diagnostics", "Medical Supplies",
                 "Orthopaedics"),
    "drugs": ("Pharma", "Pharmaceuticals", "Pharmacy", "Life Sciences"),
    "care": ("Care", "Home Care", "Care Services", "Support Services", "Care Homes",
             "Supported Living"),
    "transport": ("Transport", "Coaches", "Cars", "Logistics", "Travel", "Minicabs"),
    "security": ("Security", "Security Services", "Guarding", "Locksmiths"),
    "grounds": ("Landscapes", "Gardens", "Grounds Maintenance", "Tree Surgeons",
                "Horticulture"),
    "education": ("Training", "Learning", "Education", "Tuition", "Skills"),
    "utilities": ("Energy", "Power", "Water", "Utilities"),
    "legal": ("Solicitors", "Legal", "Law"),
    "office": ("Office Supplies", "Stationers", "Print", "Printing", "Furniture"),
    "waste": ("Waste Management", "Recycling", "Environmental Services", "Skip Hire"),
    "community": ("Community Services",),
}
VCSE_CAUSES = (
    "Youth", "Community", "Food Bank", "Mental Health", "Carers", "Refugee", "Arts",
    "Older People's", "Families", "Women's Aid", "Play", "Sports", "Tenants'", "Disability",
    "Advice", "Befriending", "Homeless", "Music", "Gardening", "Reading",
)
VCSE_ORGS = ("Trust", "Foundation", "Association", "CIC", "Project", "Network", "Centre",
             "Society", "Forum", "Partnership")
TA_FIRST = ("Tasty", "Sparkle", "Swift", "Bright", "Happy", "Golden", "Green", "Urban", "Fresh",
            "Prime", "Smart", "Speedy", "Little", "Big")
TA_SECOND = {"catering": ("Food", "Bites", "Kitchen"), "concessions": ("Beans", "Cuppa", "Bites"),
             "cleaning": ("Clean", "Shine"), "construction": ("Build", "Fix", "Spaces"),
             "it": ("Tech", "Bytes"), "care": ("Care", "Hands"), "transport": ("Cars", "Wheels"),
             "office": ("Print", "Desk"), "grounds": ("Gardens", "Leaf"), "security": ("Guard",),
             "agency": ("Staff", "People"), "education": ("Learning", "Minds")}
FOREIGN = (  # country, legal suffix, sample postcodes
    ("Ireland", "Limited", ("D02 X285", "D04 T6F4", "T12 R9CK", "H91 E2K3")),
    ("Germany", "GmbH", ("10115", "80331", "20095")),
    ("United States", "Inc.", ("10001", "94105", "02110")),
    ("Netherlands", "B.V.", ("1017 AB", "3011 AD")),
    ("France", "SAS", ("75008", "69002")),
)


@dataclass
class Universe:
    """Arrays and lists describing every fictional supplier."""

    kind: np.ndarray
    sector: np.ndarray
    band: np.ndarray
    weight: np.ndarray
    core: list[str]
    suffix: list[str]
    initials: list[str]
    trading_as: list[str]
    postcode: list[str]
    country: list[str]
    company_no: list[str]
    charity_no: list[str]
    vat_no: list[str]

    @property
    def n(self) -> int:
        """Number of suppliers."""
        return len(self.core)


def _read_csv(name: str) -> list[dict[str, str]]:
    """Read one shipped reference CSV into dicts."""
    with open(REFERENCE_DIR / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_postcode_pools() -> dict[str, tuple[list[str], np.ndarray]]:
    """Live postcodes per pool with sampling weights (local pool skewed to deprivation)."""
    imd = {r["lsoa_code"]: int(r["IMD_decile"]) for r in _read_csv("imd2019_lsoa11.csv")}
    local = [r for r in _read_csv("lewisham_postcodes.csv") if not r["TerminationDate"]]
    local_w = np.array([(11 - imd.get(r["LSOA11CD"], 5)) ** 0.7 for r in local], dtype=float)
    pools: dict[str, tuple[list[str], np.ndarray]] = {
        "local": ([r["PostcodeNatural"] for r in local], local_w / local_w.sum()),
    }
    for area in ("SM", "WC", "HG", "TF"):
        live = [r["pcds"] for r in _read_csv(f"nspl_{area}.csv") if not r["doterm"]]
        pools[area] = (live, np.full(len(live), 1.0 / len(live)))
    return pools


def _company_number(u: float, v: int) -> str:
    """A plausible Companies House number from two random draws."""
    if u < 0.06:
        return f"SC{v % 1_000_000:06d}"
    if u < 0.08:
        return f"NI{v % 1_000_000:06d}"
    if u < 0.45:
        return f"0{v % 10_000_000:07d}"
    return f"{10_000_000 + v % 5_900_000:08d}"


def build_universe(seed: int, n: int = 6000) -> Universe:
    """Build the shared supplier universe deterministically from a seed."""
    rng = np.random.default_rng([seed, 9001])
    kind = rng.choice(3, size=n, p=(0.65, 0.27, 0.08)).astype(np.int8)
    sector = rng.choice(len(SECTORS), size=n, p=np.array(_BUSINESS_SECTOR_SHARE) / 1.0)
    vcse_idx = np.flatnonzero(kind == VCSE)
    vs = list(_VCSE_SECTOR_SHARE)
    sector[vcse_idx] = [SECTOR_INDEX[s] for s in
                        rng.choice(vs, size=len(vcse_idx), p=list(_VCSE_SECTOR_SHARE.values()))]
    band = np.empty(n, dtype=np.int8)
    for k, probs in _BAND_PROBS.items():
        idx = np.flatnonzero(kind == k)
        band[idx] = rng.choice(6, size=len(idx), p=np.array(probs) / sum(probs))
    weight = rng.lognormal(0.0, 1.3, size=n)
    large = np.flatnonzero(kind == LARGE)
    weight[large] = 5.0 * (rng.pareto(1.2, size=len(large)) + 1.0)
    weight[vcse_idx] = rng.lognormal(-0.7, 1.0, size=len(vcse_idx))
    # A handful of big national firms take a large share of everything.
    top = large[np.argsort(-weight[large])[:12]]
    weight[top] = np.maximum(weight[top], np.linspace(400.0, 150.0, len(top)))
    # Suppliers abroad sell software, drugs, equipment and advice, not repairs.
    abroad = np.flatnonzero(band == ABROAD)
    sector[abroad] = [SECTOR_INDEX[s] for s in rng.choice(_ABROAD_SECTORS, size=len(abroad))]

    pools = load_postcode_pools()
    rest_area = np.where(rng.random(n) < 0.5, "HG", "TF")
    r = rng.integers(0, 2**31 - 1, size=(n, 12))
    u = rng.random((n, 6))
    pc_draw = {
        "local": rng.choice(len(pools["local"][0]), size=n, p=pools["local"][1]),
        **{a: rng.integers(0, len(pools[a][0]), size=n) for a in ("SM", "WC", "HG", "TF")},
    }
    names: set[str] = set()
    out: dict[str, list[str]] = {k: [] for k in (
        "core", "suffix", "initials", "trading_as", "postcode", "country", "company_no",
        "charity_no", "vat_no")}
    for i in range(n):
        k, b, sec = int(kind[i]), int(band[i]), SECTORS[sector[i]]
        ri, ui = r[i], u[i]
        country, postcode, foreign_suffix = "United Kingdom", "", ""
        places: tuple[str, ...]
        if b == LOCAL:
            postcode, places = pools["local"][0][pc_draw["local"][i]], LEWISHAM_PLACES
        elif b == SUBREGION:
            postcode, places = pools["SM"][0][pc_draw["SM"][i]], SUBREGION_PLACES
        elif b == REGION:
            postcode, places = pools["WC"][0][pc_draw["WC"][i]], REGION_PLACES
        elif b == REST_UK:
            area = str(rest_area[i])
            postcode, places = pools[area][0][pc_draw[area][i]], REST_PLACES[area]
        elif b == ABROAD:
            country, foreign_suffix, pcs = FOREIGN[ri[0] % len(FOREIGN)]
            postcode = pcs[ri[1] % len(pcs)] if ui[0] < 0.7 else ""
            places = ADJECTIVES
        else:
            country, places = "", LEWISHAM_PLACES + REGION_PLACES + ADJECTIVES
        place = places[ri[2] % len(places)]
        word = SECTOR_WORDS[sec][ri[3] % len(SECTOR_WORDS[sec])]
        surname = SURNAMES[ri[4] % len(SURNAMES)]
        adj = ADJECTIVES[ri[5] % len(ADJECTIVES)]
        initials, trading_as, company_no, charity_no, vat_no = "", "", "", "", ""
        if k == VCSE:
            cause = VCSE_CAUSES[ri[6] % len(VCSE_CAUSES)]
            org = VCSE_ORGS[ri[7] % len(VCSE_ORGS)]
            core = (f"{surname} Foundation" if ui[1] < 0.08 else
                    f"{'The ' if ui[2] < 0.15 else ''}{place} {cause} {org}")
            suffix = ""
            if org == "CIC":
                company_no = f"{11_000_000 + ri[8] % 4_000_000:08d}"
            else:
                charity_no = (f"{1_000_000 + ri[8] % 210_000}" if ui[3] < 0.8
                              else f"{200_000 + ri[8] % 100_000}")
                if ui[4] < 0.4:
                    company_no = _company_number(0.5, int(ri[9]))
        else:
            pattern = ri[6] % 10
            if k == LARGE:
                core = (f"{adj} {word}" if pattern < 6 else f"{place} {word}" if pattern < 8
                        else f"{surname} {word}")
                core += (" Group" if pattern % 3 == 0 else
                         " UK" if pattern % 3 == 1 and b != ABROAD else "")
            elif pattern < 3:
                core = f"{place} {word}"
            elif pattern < 5:
                core = f"{surname} {word}"
            elif pattern < 6:
                core = f"{surname} & Sons"
            elif pattern < 7:
                initials = "".join(chr(65 + (int(ri[7]) >> s) % 26) for s in (0, 5, 10))
                core = f"{initials} {word}"
            elif pattern < 8 and sec in ("legal", "consultancy"):
                core = f"{surname} & {SURNAMES[ri[7] % len(SURNAMES)]}"
            else:
                core = f"{adj} {word}"
            has_co = ui[1] < (0.95 if k == LARGE else 0.66) and b != ABROAD
            if has_co:
                company_no = _company_number(ui[2], int(ri[8]))
                if core.count(" & ") and sec in ("legal", "consultancy") and k == SME:
                    company_no, suffix = f"OC{ri[8] % 1_000_000:06d}", "LLP"
                else:
                    suffix = "plc" if k == LARGE and ui[3] < 0.3 else (
                        "Ltd" if ui[4] < 0.6 else "Limited")
            else:
                suffix = foreign_suffix
            if k == SME and ui[5] < 0.12:
                nouns = TA_SECOND.get(sec, ("Solutions", "Services"))
                trading_as = f"{TA_FIRST[ri[9] % len(TA_FIRST)]} {nouns[ri[10] % len(nouns)]}"
            if b != ABROAD and ui[0] < (0.95 if k == LARGE else 0.6):
                vat_no = f"{100_000_000 + ri[11] % 900_000_000}"
        full = f"{core} {suffix}".strip()
        bump = 0
        while full.upper() in names:  # keep canonical names unique
            bump += 1
            core = f"{core} ({LEWISHAM_PLACES[(ri[11] + bump) % len(LEWISHAM_PLACES)]})" \
                if bump == 1 else f"{core.rsplit(' (', 1)[0]} ({bump})"
            full = f"{core} {suffix}".strip()
        names.add(full.upper())
        for key, val in (("core", core), ("suffix", suffix), ("initials", initials),
                         ("trading_as", trading_as), ("postcode", postcode),
                         ("country", country), ("company_no", company_no),
                         ("charity_no", charity_no), ("vat_no", vat_no)):
            out[key].append(val)
    return Universe(kind=kind, sector=sector, band=band, weight=weight, **out)


# Name variant styles: 0 canonical, 1 UPPER LIMITED, 2 UPPER LTD., 3 dotted initials,
# 4 "(t/a ...)", 5 no suffix, 6 "and"/double space, 7 mixed case "Limited".
N_STYLES = 8
_LONG = {"Ltd": "Limited", "plc": "PLC", "LLP": "LLP", "CIC": "CIC"}
_SHORT = {"Limited": "Ltd", "plc": "PLC"}


def variant_name(u: Universe, i: int, style: int) -> str:
    """One anchor's spelling of supplier i's name in the given variant style."""
    core, suffix = u.core[i], u.suffix[i]
    if style == 1:
        return f"{core} {_LONG.get(suffix, suffix)}".strip().upper()
    if style == 2:
        s = _SHORT.get(suffix, suffix)
        return f"{core} {s}{'.' if s == 'Ltd' else ''}".strip().upper()
    if style == 3:
        if u.initials[i]:
            dotted = ".".join(u.initials[i]) + "."
            return f"{core.replace(u.initials[i], dotted, 1)} {_LONG.get(suffix, suffix)}" \
                .strip().upper()
        return f"{core} {suffix}".strip().upper()
    if style == 4:
        if u.trading_as[i]:
            return f"{core.title()} (t/a {u.trading_as[i]})"
        return core
    if style == 5:
        return core
    if style == 6:
        c = core.replace(" & ", " and ") if " & " in core else core.replace(" ", "  ", 1)
        return f"{c} {suffix}".strip()
    if style == 7:
        return f"{core} {_LONG.get(suffix, suffix)}".strip()
    return f"{core} {suffix}".strip()


def format_postcode(pc: str, style: int) -> str:
    """Postcode written the way one anchor's system stores it."""
    if not pc or style == 0:
        return pc
    if style == 1:
        return pc.replace(" ", "")
    if style == 2:
        return pc.lower()
    out, inward = pc.rsplit(" ", 1) if " " in pc else (pc, "")
    return f"{out:<4} {inward}".strip() if inward else pc
