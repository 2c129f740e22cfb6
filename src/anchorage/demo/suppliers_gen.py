"""Shared fictional supplier universe for the demo collaborative."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from anchorage.demo.vocabulary import (
    _ABROAD_SECTORS,
    _BAND_PROBS,
    _BUSINESS_SECTOR_SHARE,
    _VCSE_SECTOR_SHARE,
    ABROAD,
    ADJECTIVES,
    FOREIGN,
    LARGE,
    LEWISHAM_PLACES,
    LOCAL,
    REGION,
    REGION_PLACES,
    REST_PLACES,
    REST_UK,
    SECTOR_INDEX,
    SECTOR_WORDS,
    SECTORS,
    SME,
    SUBREGION,
    SUBREGION_PLACES,
    SURNAMES,
    TA_FIRST,
    TA_SECOND,
    VCSE,
    VCSE_CAUSES,
    VCSE_ORGS,
)

REFERENCE_DIR = Path(__file__).parent / "reference"


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
    sector[vcse_idx] = [
        SECTOR_INDEX[s]
        for s in rng.choice(vs, size=len(vcse_idx), p=list(_VCSE_SECTOR_SHARE.values()))
    ]
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
    out: dict[str, list[str]] = {
        k: []
        for k in (
            "core",
            "suffix",
            "initials",
            "trading_as",
            "postcode",
            "country",
            "company_no",
            "charity_no",
            "vat_no",
        )
    }
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
            core = (
                f"{surname} Foundation"
                if ui[1] < 0.08
                else f"{'The ' if ui[2] < 0.15 else ''}{place} {cause} {org}"
            )
            suffix = ""
            if org == "CIC":
                company_no = f"{11_000_000 + ri[8] % 4_000_000:08d}"
            else:
                charity_no = (
                    f"{1_000_000 + ri[8] % 210_000}"
                    if ui[3] < 0.8
                    else f"{200_000 + ri[8] % 100_000}"
                )
                if ui[4] < 0.4:
                    company_no = _company_number(0.5, int(ri[9]))
        else:
            pattern = ri[6] % 10
            if k == LARGE:
                core = (
                    f"{adj} {word}"
                    if pattern < 6
                    else f"{place} {word}"
                    if pattern < 8
                    else f"{surname} {word}"
                )
                core += (
                    " Group"
                    if pattern % 3 == 0
                    else " UK"
                    if pattern % 3 == 1 and b != ABROAD
                    else ""
                )
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
                    suffix = (
                        "plc"
                        if k == LARGE and ui[3] < 0.3
                        else ("Ltd" if ui[4] < 0.6 else "Limited")
                    )
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
            core = (
                f"{core} ({LEWISHAM_PLACES[(ri[11] + bump) % len(LEWISHAM_PLACES)]})"
                if bump == 1
                else f"{core.rsplit(' (', 1)[0]} ({bump})"
            )
            full = f"{core} {suffix}".strip()
        names.add(full.upper())
        for key, val in (
            ("core", core),
            ("suffix", suffix),
            ("initials", initials),
            ("trading_as", trading_as),
            ("postcode", postcode),
            ("country", country),
            ("company_no", company_no),
            ("charity_no", charity_no),
            ("vat_no", vat_no),
        ):
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
            return f"{core.replace(u.initials[i], dotted, 1)} {_LONG.get(suffix, suffix)}".strip().upper()
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
