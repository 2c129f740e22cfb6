"""Whose releases are these? Each buyer named in an OCDS file is mapped to an anchor, or kept as the area's
public notices (a buyer that is not an anchor), never guessed silently (docs/pipeline.md).

A buyer is an anchor when, in this order:
1. the uploader confirmed it (`--buyer "Lewisham Council=lewisham"`, or `=public` for "not an anchor");
2. one of its identifiers (e.g. GB-LAC-E09000023) or its name is in the anchor's `buyers` list in the config;
3. its name, normalised, is the anchor's name or slug;
4. the file was loaded for one anchor (`--org`) and names one buyer only, none of the above: that anchor.
Releases that name no buyer belong to the `--org` anchor, and without one they cannot be placed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from anchorage.config import Config
from anchorage.core.errors import AnchorageError

PUBLIC = ""  # the org of the area's public notices: releases of buyers that are not anchors
NOT_ANCHOR_WORDS = ("public", "public notice", "public notices", "not an anchor", "none", "-")


def norm(text: str) -> str:
    """A buyer's name or identifier compared loosely: case, punctuation, "&"/"and" and a leading "the"."""
    t = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")).strip()
    return re.sub(r"^the ", "", t)


def parse_confirmed(cfg: Config, options: list[str] | None) -> dict[str, str]:
    """`--buyer "NAME OR ID=ANCHOR"` options → {normalised buyer: anchor slug, or PUBLIC}."""
    confirmed: dict[str, str] = {}
    for text in options or []:
        buyer, sep, anchor = text.rpartition("=")
        if not sep or not buyer.strip() or not anchor.strip():
            raise AnchorageError(
                f'--buyer "{text}" does not say which anchor the buyer is.',
                web_fix='Choose an anchor (or "publish") for each buyer on the preview page.',
                fix='Write it as --buyer "Buyer name=anchor", e.g. --buyer "Lewisham Council=lewisham",'
                ' or --buyer "Buyer name=public" for a buyer that is not an anchor.',
            )
        target = anchor.strip()
        confirmed[norm(buyer)] = (
            PUBLIC if target.lower() in NOT_ANCHOR_WORDS else cfg.anchor(target).slug
        )
    return confirmed


@dataclass(frozen=True)
class Placed:
    """Where one buyer's releases go: an anchor's slug, PUBLIC, or None (no buyer and no --org)."""

    org: str | None
    how: str  # plain words: "confirmed", "identifier", "name", "the anchor the file was loaded for", ...


def _keys(name: str | None, ids: str | None) -> list[str]:
    return [
        norm(k) for k in [*(ids.split("|") if ids else []), *([name] if name else [])] if norm(k)
    ]


def place_buyers(
    cfg: Config,
    buyers: list[tuple[str | None, str | None]],
    org: str | None,
    confirmed: dict[str, str],
) -> dict[tuple[str | None, str | None], Placed]:
    """Each (buyer name, buyer ids) of a file → where its releases go."""
    known: dict[str, tuple[str, str]] = {}  # normalised name or id -> (slug, how)
    for a in cfg.anchors:
        known[norm(a.slug)] = known[norm(a.name)] = (a.slug, "name")
        for alias in a.buyers:
            known[norm(alias)] = (
                a.slug,
                "identifier" if re.search(r"\d", alias) else "name in the config",
            )
    out: dict[tuple[str | None, str | None], Placed] = {}
    for name, ids in buyers:
        keys = _keys(name, ids)
        if not keys:
            out[(name, ids)] = Placed(
                org or None, "the anchor the file was loaded for" if org else "no buyer"
            )
            continue
        hit = next((Placed(confirmed[k], "confirmed") for k in keys if k in confirmed), None)
        hit = hit or next((Placed(*known[k]) for k in keys if k in known), None)
        out[(name, ids)] = hit or Placed(PUBLIC, "not an anchor")
    named = [k for k in out if _keys(*k)]
    if (
        org
        and len({k[0] or k[1] for k in named}) == 1
        and all(out[k].how == "not an anchor" for k in named)
    ):
        for k in named:  # a single-buyer file loaded for one anchor: the uploader said whose it is
            out[k] = Placed(org, "the anchor the file was loaded for")
    return out
