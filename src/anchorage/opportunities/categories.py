"""The plain-language categories suppliers register under and notices are filed by, each with the CPV
divisions or groups it covers (a notice's CPV code is matched by prefix; the longest prefix wins)."""

from __future__ import annotations

import re

CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {  # slug: (label, CPV prefixes)
    "catering": ("Catering and food", ("55", "15")),
    "cleaning": ("Cleaning and facilities", ("909", "907", "98341")),
    "construction": ("Building, repairs and maintenance", ("45", "50700", "507")),
    "grounds": ("Grounds, gardening and landscaping", ("77",)),
    "waste": ("Waste and recycling", ("905",)),
    "transport": ("Transport and vehicles", ("60", "34", "50100")),
    "care": ("Care, health and social services", ("85", "33")),
    "education": ("Education and training", ("80",)),
    "it": ("IT, software and digital", ("72", "48", "30")),
    "professional": ("Professional and business services", ("79", "66", "71")),
    "security": ("Security", ("7971",)),
    "events": ("Arts, culture, events and sport", ("92",)),
    "supplies": ("Supplies and equipment", ("39", "18", "22", "44", "31", "37")),
    "energy": ("Energy and utilities", ("09", "65")),
}
OTHER = "other"
LABELS = {slug: label for slug, (label, _) in CATEGORIES.items()} | {OTHER: "Other"}
_WORDS = {  # free-text category words → slug, for register entries without a CPV code
    "catering": "catering", "food": "catering", "cleaning": "cleaning", "facilities": "cleaning",
    "building": "construction", "construction": "construction", "repairs": "construction",
    "maintenance": "construction", "grounds": "grounds", "landscaping": "grounds", "waste": "waste",
    "transport": "transport", "fleet": "transport", "care": "care", "health": "care", "training": "education",
    "education": "education", "it": "it", "software": "it", "digital": "it", "consultancy": "professional",
    "legal": "professional", "security": "security", "events": "events", "supplies": "supplies",
    "stationery": "supplies", "equipment": "supplies", "energy": "energy", "utilities": "energy",
}


def category_of(cpv: str | None, category: str | None = None) -> str:
    """The category slug of a CPV code (longest matching prefix), else of a free-text category, else 'other'."""
    code = re.sub(r"\D", "", cpv or "")
    best, best_len = OTHER, 0
    for slug, (_, prefixes) in CATEGORIES.items():
        for p in prefixes:
            if code.startswith(p) and len(p) > best_len:
                best, best_len = slug, len(p)
    if best_len:
        return best
    for word in re.findall(r"[a-z]+", (category or "").lower()):
        if word in _WORDS:
            return _WORDS[word]
    return OTHER
