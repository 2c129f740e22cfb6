"""Deterministic generator of a realistic demo anchor collaborative's transactions (files.py writes them)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anchorage.demo.anchors import VCSE_GRANT, AnchorSpec
from anchorage.demo.suppliers_gen import N_STYLES, Universe, variant_name
from anchorage.demo.vocabulary import SECTOR_INDEX, SECTORS, VCSE

N_DAYS = 1096  # 1 April 2022 .. 31 March 2025 inclusive
FIRST_DAY = np.datetime64("2022-04-01")
REDACTED_NAMES = ("REDACTED", "Redacted - personal data")
# Bad-row kinds: 1 amount "TBC", 2 missing date, 3 impossible date, 4 empty supplier.
BAD_KINDS = 4
ACUTE_THRESHOLD = 25_000.0


@dataclass
class AnchorTxns:
    """One anchor's generated transactions (sorted by payment day) plus lookups."""

    spec: AnchorSpec
    day: np.ndarray  # int days since 1 April 2022
    amount: np.ndarray  # float pounds
    payee: np.ndarray  # >=0 supplier index; -1/-2 redacted; <=-3 special payee -3-k
    label: np.ndarray  # index into labels
    area: np.ndarray  # index into spec.areas (or 0 if none)
    bad: np.ndarray  # 0 ok, else bad-row kind
    pick: np.ndarray  # per-row uniform draw for writer-side format choices
    labels: list[str]
    names: list[str]  # supplier index -> this anchor's name variant
    rng_seed: int

    def payee_names(self) -> list[str]:
        """Per-row supplier name as this anchor spells it (empty for bad kind 4)."""
        special = [p for p, _, _ in self.spec.non_procurement]
        out = []
        for p, b in zip(self.payee.tolist(), self.bad.tolist(), strict=True):
            if b == 4:
                out.append("")
            elif p >= 0:
                out.append(self.names[p])
            elif p >= -2:
                out.append(REDACTED_NAMES[-1 - p])
            else:
                out.append(special[-3 - p])
        return out


def _day_weights() -> np.ndarray:
    """Payment-day weights: weekdays only, March year-end peak, August/December dips."""
    days = FIRST_DAY + np.arange(N_DAYS)
    weekday = (days.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
    month = days.astype("datetime64[M]").astype(int) % 12 + 1
    month_mult = np.ones(13)
    month_mult[[3, 4, 8, 12]] = (1.4, 0.8, 0.85, 0.9)
    year = np.arange(N_DAYS) // 365
    w = np.where(weekday < 5, 1.0, 0.0) * month_mult[month] * (1.0 + 0.05 * year)
    return w / w.sum()


def _anchor_names(u: Universe, spec: AnchorSpec, rng: np.random.Generator) -> list[str]:
    """Each anchor's own spelling of every supplier name."""
    house = np.array(spec.house_styles)[rng.integers(0, len(spec.house_styles), u.n)]
    styles = np.where(rng.random(u.n) < 0.65, house, rng.integers(0, N_STYLES, u.n))
    names = [variant_name(u, i, int(s)) for i, s in enumerate(styles.tolist())]
    if spec.key == "community":  # typographic apostrophes and dashes from a Windows system
        names = [n.replace("'", "’").replace(" - ", " – ") for n in names]
    return names


def _amounts(u: Universe, sup: np.ndarray, acute: bool, rng: np.random.Generator) -> np.ndarray:
    """Invoice amounts: mostly £500–£50k with a long tail to £2m, scaled by supplier size."""
    scale = (u.weight / np.median(u.weight)) ** 0.3
    base, sigma = (7_000.0, 1.1) if acute else (2_200.0, 1.05)
    a = base * scale[sup] * rng.lognormal(0.0, sigma, len(sup))
    low = a < 500.0
    a[low] = 500.0 + rng.exponential(400.0, int(low.sum()))
    return np.round(np.minimum(a, 2_000_000.0), 2)


def _sector_rows(
    u: Universe, p: np.ndarray, sector: str, k: int, rng: np.random.Generator
) -> np.ndarray:
    """k suppliers from one sector, drawn with the anchor's own weights."""
    in_sector = u.sector == SECTOR_INDEX[sector]
    q = np.where(in_sector, p, 0.0)
    if q.sum() == 0:
        q = in_sector.astype(float)
    return rng.choice(u.n, size=k, p=q / q.sum())


def make_transactions(u: Universe, spec: AnchorSpec, n: int, seed: int, index: int) -> AnchorTxns:
    """Generate one anchor's transactions with numpy, sorted by payment date."""
    rng = np.random.default_rng([seed, index, 17])
    labels = [lab for s in SECTORS for lab in spec.categories.get(s, (0.0, ()))[1]]
    sec_rel = np.array([spec.categories.get(s, (0.0, ()))[0] for s in SECTORS])
    n_lab = np.array([len(spec.categories.get(s, (0.0, ()))[1]) for s in SECTORS])
    offset = np.concatenate(([0], np.cumsum(n_lab)[:-1]))
    labels += [cat for _, cat, _ in spec.non_procurement]

    mask = rng.random(u.n) < spec.coverage
    boost = np.where(u.band == 0, spec.local_boost, 1.0)
    p = u.weight**0.7 * sec_rel[u.sector] * mask * rng.lognormal(0.0, 0.6, u.n) * boost
    p /= p.sum()
    sup = rng.choice(u.n, size=n, p=p)
    sup[:3] = _sector_rows(u, p, "catering", 3, rng)  # every anchor buys catering ...
    sup[3:6] = _sector_rows(u, p, "concessions", 3, rng)  # ... and has concessions
    sec = u.sector[sup]
    label = offset[sec] + (rng.random(n) * n_lab[sec]).astype(np.int64)
    acute = spec.key == "acute"
    amount = _amounts(u, sup, acute, rng)
    day = rng.choice(N_DAYS, size=n, p=_day_weights())
    if acute:  # the acute trust only publishes payments of £25,000 and over
        amount[:6] = np.maximum(amount[:6], ACUTE_THRESHOLD + 1_000.0)
        keep = amount >= ACUTE_THRESHOLD
        sup, sec, label, amount, day = sup[keep], sec[keep], label[keep], amount[keep], day[keep]
        n = len(sup)
    payee = sup.astype(np.int64)

    # Non-procurement payments (~2%), redactions (~0.5%), credit notes (~1.5%).
    free = rng.permutation(np.arange(10, n))
    n_np, n_red, n_cr = round(0.02 * n), round(0.005 * n), round(0.015 * n)
    n_bad = max(BAD_KINDS, round(0.0005 * n))
    np_rows, red_rows = free[:n_np], free[n_np : n_np + n_red]
    cr_rows = free[n_np + n_red : n_np + n_red + n_cr]
    bad_rows = free[n_np + n_red + n_cr : n_np + n_red + n_cr + n_bad]
    w = np.array([x for _, _, x in spec.non_procurement])
    k = rng.choice(len(w), size=len(np_rows), p=w / w.sum())
    label[np_rows] = len(labels) - len(w) + k
    payee[np_rows] = -3 - k
    big = ACUTE_THRESHOLD if acute else 20_000.0
    amount[np_rows] = np.round(np.maximum(big * rng.lognormal(1.0, 1.0, len(np_rows)), big), 2)
    grant_k = [i for i, (who, _, _) in enumerate(spec.non_procurement) if who == VCSE_GRANT]
    if grant_k:
        g = np_rows[k == grant_k[0]]
        vcse = np.flatnonzero((u.kind == VCSE) & mask)
        payee[g] = rng.choice(vcse, size=len(g))
        amount[g] = np.round(np.maximum(rng.lognormal(8.5, 1.0, len(g)), 500.0), 2)
    payee[red_rows] = -1 - (rng.random(len(red_rows)) < 0.5)
    amount[cr_rows] = -np.abs(amount[cr_rows])
    bad = np.zeros(n, dtype=np.int8)
    bad[bad_rows] = 1 + np.arange(len(bad_rows)) % BAD_KINDS

    area = rng.integers(0, max(len(spec.areas), 1), n)
    care = sec == SECTOR_INDEX["care"]
    if spec.key == "council":
        area[care] = rng.integers(0, 2, int(care.sum()))  # adults' or children's
    order = np.argsort(day, kind="stable")
    return AnchorTxns(
        spec=spec,
        day=day[order],
        amount=amount[order],
        payee=payee[order],
        label=label[order],
        area=area[order],
        bad=bad[order],
        pick=rng.random(n),
        labels=labels,
        names=_anchor_names(u, spec, rng),
        rng_seed=int(rng.integers(2**31)),
    )
