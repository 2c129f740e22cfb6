"""The demo's land and buildings: registers, occupancy, spaces, needs, an ACV and a transfer (fictional assets
at real Lewisham postcodes; each placed at its postcode's LSOA, using the shipped LSOA boundaries)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np

from anchorage.assets.community import decide_nomination, nominate, propose_transfer
from anchorage.assets.geo import latlon_to_bng
from anchorage.assets.register import import_assets
from anchorage.assets.synthetic import Location, write_eric_sites, write_transparency_register
from anchorage.assets.utilisation import import_utilisation
from anchorage.store.assets_records import Need, Space
from anchorage.workspace import Workspace

REFERENCE = Path(__file__).parent / "reference"
ACTIVITIES = [
    ("Youth football training", 30, "Sat 10:00-12:00", "parking"),
    ("Seniors' lunch club", 25, "Wed 11:00-14:00", "kitchen"),
    ("Homework club", 15, "Mon-Thu 16:00-18:00", "wifi"),
    ("Choir rehearsal", 40, "Tue 19:00-21:00", "av"),
    ("Parent and toddler group", 20, "Fri 10:00-12:00", "kitchen"),
    ("ESOL conversation class", 12, "Thu 18:00-20:00", "wifi"),
    ("Chess club", 10, "Mon 18:00-21:00", ""),
    ("Food bank sorting", 8, "Sat 09:00-13:00", "parking"),
]
SPACE_TIMES = [
    "Mon-Fri 09:00-21:00",
    "weekends 09:00-17:00",
    "daily 08:00-22:00",
    "Mon-Fri 16:00-22:00",
]


def lewisham_locations() -> list[Location]:
    """Live Lewisham postcodes, each at the centre of its LSOA 2011 polygon (BNG metres)."""
    centres = {}
    for f in json.loads((REFERENCE / "lewisham_lsoa11.geojson").read_text(encoding="utf-8"))[
        "features"
    ]:
        ring = np.asarray(
            f["geometry"]["coordinates"][0]
            if f["geometry"]["type"] == "Polygon"
            else f["geometry"]["coordinates"][0][0],
            float,
        )
        code = next(v for k, v in f["properties"].items() if str(v).startswith("E01"))
        centres[code] = ring[:, 1].mean(), ring[:, 0].mean()
    out = []
    with (REFERENCE / "lewisham_postcodes.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if not r["TerminationDate"] and r["LSOA11CD"] in centres:
                lat, lon = centres[r["LSOA11CD"]]
                e, n = latlon_to_bng(np.array([lat]), np.array([lon]))
                out.append(Location(r["PostcodeNatural"], float(e[0]), float(n[0]), "London"))
    return out


def load_demo_assets(
    ws: Workspace, inputs: Path, *, seed: int, say: Callable[[str], None] = print
) -> None:
    """Generate and load every anchor's register, the council's occupancy survey, spaces and needs."""
    rng = random.Random(seed)
    places = lewisham_locations()
    by_type = {a.type: a for a in ws.config.anchors}
    trusts = [a for a in ws.config.anchors if a.type == "nhs-trust"]
    files = []
    for i, anchor in enumerate(ws.config.anchors):
        path = inputs / f"{anchor.slug}-assets.csv"
        if anchor.type == "nhs-trust":
            write_eric_sites(
                path,
                12 + 6 * i,
                places,
                trust_code=f"R{i}X",
                trust_name=anchor.name,
                seed=seed + i,
                with_coordinates=True,
            )
        else:
            # The college's register shares a few UPRNs with the council's (joint sites), to show de-duplication.
            base = 100_150 if anchor.type == "college" else 100_000 + 10_000 * i
            n = {"council": 300, "college": 30}.get(anchor.type, 120)
            write_transparency_register(
                path, n, places, org_name=anchor.name, seed=seed + i, uprn_base=base
            )
        files.append((anchor, path))
    for anchor, path in files:
        s = import_assets(ws, path, anchor.slug)
        say(
            f"  {anchor.name}: {path.name}: {s.rows_read:,} assets read, {s.rows_loaded:,} loaded, "
            f"{s.rows_quarantined:,} quarantined"
        )
    council = by_type.get("council")
    if council is None:
        return
    with ws.warehouse(read_only=True) as con:
        assets = con.execute(
            "SELECT org, asset_ref, name, easting, northing, postcode, asset_key FROM assets "
            "WHERE easting IS NOT NULL ORDER BY org, row_no"
        ).fetchall()
    util = inputs / f"{council.slug}-occupancy.csv"
    with util.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "Asset ID",
                "Period",
                "Occupied floor area",
                "Hours used per week",
                "Vacancy %",
                "Surplus",
            ]
        )
        for org, ref, *_ in assets:
            if org == council.slug and rng.random() < 0.7:
                w.writerow(
                    [
                        ref,
                        "2024-25",
                        rng.randrange(20, 3000),
                        rng.choice([8, 15, 30, 45, 60]),
                        rng.choice([0, 5, 10, 35, 60]),
                        "Y" if rng.random() < 0.06 else "N",
                    ]
                )
    s = import_utilisation(ws, util, council.slug)
    say(f"  {council.name}: occupancy survey: {s.rows_loaded:,} rows loaded")
    spaces = [a for a in assets if a[0] != (trusts[0].slug if trusts else "")][:400:16]
    needs_at = rng.sample(places, 40)
    with ws.session() as sess:
        for k, (org, ref, name, e, n, postcode, _key) in enumerate(spaces):
            sess.add(
                Space(
                    org=org,
                    ref=f"S{k:03d}",
                    name=f"{name} main room",
                    asset_key=f"ID:{ref}",
                    postcode=postcode,
                    easting=e,
                    northing=n,
                    capacity=rng.choice([15, 30, 50, 120]),
                    times=[rng.choice(SPACE_TIMES)],
                    facilities=sorted(rng.sample(["kitchen", "wifi", "av", "parking"], 2)),
                    accessibility=["step-free"] if rng.random() < 0.7 else [],
                    hourly_cost=Decimal(rng.choice([0, 0, 12, 20, 35])),
                    active=True,
                )
            )
        for k, loc in enumerate(needs_at):
            activity, people, times, facility = ACTIVITIES[k % len(ACTIVITIES)]
            sess.add(
                Need(
                    ref=f"N{k:03d}",
                    group_name=f"Lewisham group {k + 1}",
                    contact_email=f"group{k + 1}@example.org",
                    activity=activity,
                    people=people,
                    times=[times],
                    accessibility=["step-free"] if k % 3 == 0 else [],
                    facilities=[facility] if facility else [],
                    area=loc.postcode,
                    easting=loc.easting,
                    northing=loc.northing,
                    max_distance_m=rng.choice([1500, 3000]),
                    budget_per_hour=Decimal(rng.choice([0, 15, 30])),
                    status="published",
                )
            )
        sess.commit()
    say(f"  {len(spaces)} spaces offered and {len(needs_at)} community needs posted")
    acv = nominate(
        ws,
        "The Fellowship Inn",
        nominated_by="Bellingham Community Forum",
        nominated_on=dt.date(2024, 9, 2),
        address="Randlesdown Road, London SE6",
    )
    decide_nomination(ws, acv.id, listed=True, decided_on=dt.date(2024, 10, 21))
    if assets:
        propose_transfer(
            ws,
            assets[0][0],
            assets[0][6],
            recipient="Bellingham Community Trust",
            terms="long-lease",
        )
