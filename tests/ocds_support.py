"""A whole area's OCDS file built from the real Open Contracting sample (one process, six releases, buyer
London Borough of Barnet): the same process published again by other buyers, under their own ocids."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from anchorage import config as cfgmod
from anchorage.workspace import Workspace

SAMPLE = "ocds/fictional/ocds-213czf-000-00001.json"
# (ocid suffix, buyer id, buyer name, legal identifier): who publishes each copy of the process.
BUYERS = [
    ("lbl", "GB-LAC-E09000023", "Lewisham Council", ("GB-LAC", "E09000023")),
    (
        "lgt",
        "GB-NHS-RJ2",
        "LGT",
        ("GB-NHS", "RJ2"),
    ),  # an anchor only by identifier (the config's buyers)
    (
        "gold",
        "GB-EDU-133874",
        "Goldsmiths, University of London",
        ("GB-EDU", "133874"),
    ),  # confirmed or public
]


def area_workspace(root: Path) -> Workspace:
    """Lewisham's collaborative: the council, the trust (known by its NHS identifier) and the university."""
    cfg = cfgmod.Config(collaborative="Lewisham anchors", place=cfgmod.Place(local=["E09000023"]))
    cfg.add_anchor("Lewisham Council", "council")
    cfg.add_anchor("Lewisham and Greenwich NHS Trust", "nhs-trust").buyers = ["GB-NHS-RJ2"]
    cfg.add_anchor("Goldsmiths", "university")
    return Workspace.create(root, cfg)


def _rebuy(
    release: dict[str, Any], suffix: str, buyer_id: str, name: str, ident: tuple[str, str]
) -> dict[str, Any]:
    r = copy.deepcopy(release)
    r["ocid"] = f"{r['ocid']}-{suffix}"
    r["id"] = f"{r['id']}-{suffix}"
    old = r["buyer"]["id"]
    r["buyer"] = {"id": buyer_id, "name": name}
    for p in r.get("parties", []):
        if p.get("id") == old:
            p.update(
                id=buyer_id,
                name=name,
                identifier={"scheme": ident[0], "id": ident[1], "legalName": name},
            )
    return r


def write_area_file(
    shared: Path,
    path: Path,
    buyers: list[tuple[str, str, str, tuple[str, str]]] | None = None,
    barnet: bool = True,
    no_buyer: bool = True,
) -> Path:
    """Barnet's six real releases (not an anchor: public notices), six for each of `buyers`, and one release
    that names no buyer."""
    package = json.loads((shared / SAMPLE).read_text(encoding="utf-8"))
    real = package["releases"]
    releases = list(real) if barnet else []
    for b in BUYERS if buyers is None else buyers:
        releases += [_rebuy(r, *b) for r in real]
    if no_buyer:
        orphan = copy.deepcopy(real[1])
        orphan.update(ocid=orphan["ocid"] + "-nobuyer", id=orphan["id"] + "-nobuyer")
        del orphan["buyer"]
        for p in orphan.get("parties", []):
            p["roles"] = [x for x in p.get("roles", []) if x != "buyer"]
        releases.append(orphan)
    package["releases"] = releases
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(package, indent=1), encoding="utf-8")
    return path


__all__ = ["BUYERS", "area_workspace", "write_area_file"]
