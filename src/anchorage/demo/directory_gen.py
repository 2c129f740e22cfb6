"""The demo's local supplier directory: some of the fictional local small firms and VCSEs, registered as a
supplier would register (the same form checks, opportunities/registration.py) and confirmed, so the public
opportunities pages show a directory to search."""

from __future__ import annotations

import datetime as dt

import numpy as np

from anchorage.demo.suppliers_gen import Universe
from anchorage.demo.vocabulary import LOCAL, SECTORS, SME, SUBREGION, VCSE
from anchorage.opportunities.registration import registration_of, supplier_categories, validate
from anchorage.public_forms.protection import FormLimits
from anchorage.workspace import Workspace

# The universe's sectors a small supplier would register under, as the collaborative's shared categories.
SECTOR_CATEGORY = {
    "catering": "Catering",
    "concessions": "Concessions",
    "cleaning": "Cleaning",
    "construction": "Construction",
    "agency": "Temporary staff",
    "it": "ICT",
    "care": "Health and social care",
    "community": "Health and social care",
    "transport": "Transport",
    "security": "Security",
    "grounds": "Grounds maintenance",
    "waste": "Waste",
    "office": "Facilities management",
}
DESCRIPTIONS = {
    "Catering": "Fresh meals and event catering, cooked locally.",
    "Concessions": "Cafés and kiosks in public buildings.",
    "Cleaning": "Office and site cleaning, day or night.",
    "Construction": "Repairs, refurbishment and small building works.",
    "Temporary staff": "Local people placed in short-term roles.",
    "ICT": "IT support, devices and networks for small sites.",
    "Health and social care": "Care and support in people's homes and the community.",
    "Transport": "Minibus, courier and patient transport.",
    "Security": "Manned guarding and key holding.",
    "Grounds maintenance": "Parks, gardens and estate grounds.",
    "Waste": "Collection and recycling for businesses.",
    "Facilities management": "Office supplies and building services.",
}


def load_demo_directory(ws: Workspace, universe: Universe, *, seed: int, count: int = 40) -> int:
    """Register and confirm up to `count` of the universe's local and sub-regional small suppliers and VCSEs;
    returns how many joined the directory."""
    rng = np.random.default_rng([seed, 4242])
    categories = supplier_categories(ws)
    candidates = [
        i
        for i in range(universe.n)
        if universe.kind[i] in (SME, VCSE)
        and universe.band[i] in (LOCAL, SUBREGION)
        and universe.postcode[i]
        and SECTOR_CATEGORY.get(SECTORS[universe.sector[i]]) in categories
    ]
    chosen = sorted(rng.choice(candidates, size=min(count, len(candidates)), replace=False))
    now = dt.datetime.now(dt.UTC)
    joined = 0
    with ws.warehouse(read_only=True) as con, ws.session() as s:
        for n, i in enumerate(chosen):
            name = f"{universe.core[i]} {universe.suffix[i]}".strip()
            category = SECTOR_CATEGORY[SECTORS[universe.sector[i]]]
            vcse = universe.kind[i] == VCSE
            org_type = (
                ("cic" if universe.suffix[i] == "CIC" or not universe.charity_no[i] else "charity")
                if vcse
                else ("company" if universe.company_no[i] else "sole-trader")
            )
            email = f"hello{n + 1}@directory.demo.invalid"
            form = {
                "name": name,
                "contact_email": email,
                "postcode": universe.postcode[i],
                "size": "micro" if rng.random() < 0.6 else "small",
                "org_type": org_type,
                "charity_number": universe.charity_no[i] if org_type == "charity" else "",
                "company_number": universe.company_no[i] if org_type != "charity" else "",
                "description": DESCRIPTIONS[category],
                "categories": [category],
            }
            entered = validate(form, FormLimits(), categories, con)  # the form's own checks
            s.add(
                registration_of(
                    entered, email, status="confirmed", created_at=now, confirmed_at=now
                )
            )
            joined += 1
        s.commit()
    return joined
