"""The probabilistic linkage model (Splink): features, blocking rules, comparison levels and weights.

The m and u probabilities are set, not trained: every supplier list is small and unlabelled, so training
on it would be unstable, and fixed weights make every match explainable in the same terms. They were
chosen from what the levels mean (Companies House names are unique, postcodes are shared by a few
dozen firms) and checked against the labelled gold set (BENCHMARKS.md).
"""

from __future__ import annotations

import math
from typing import Any

# Prior: the chance that a supplier and one register entity picked at random are the same firm.
PRIOR = 1e-6
LINK_THRESHOLD = 0.9  # at or above: linked automatically
REVIEW_THRESHOLD = 0.5  # between this and LINK_THRESHOLD: linked, and put in the review queue
CANDIDATE_THRESHOLD = 0.3  # kept as a candidate a reviewer can accept


def features_sql(select: str) -> str:
    """Add the linkage features to a SELECT that yields uid, name_norm, postcode and town (DuckDB SQL)."""
    return f"""
        SELECT *, left(name_squash, 12) AS name_pre,
               left(name_squash, length(name_squash) // 2) AS name_half,
               left(name_squash, 1) AS name_initial,
               split_part(name_norm, ' ', 1) AS name_first, split_part(name_norm, ' ', -1) AS name_last,
               left(split_part(name_norm, ' ', 2), 1) AS name_second_initial,
               nullif(substr(name_squash, length(split_part(name_norm, ' ', 1)) + 1), '') AS name_rest
        FROM (
            SELECT uid, name_norm, replace(name_norm, ' ', '') AS name_squash,
                   array_to_string(list_sort(string_split(name_norm, ' ')), '') AS name_key,
                   nullif(postcode, '') AS postcode,
                   CASE WHEN postcode LIKE '% %' THEN left(postcode, length(postcode) - 2) END AS pc_sector,
                   CASE WHEN postcode LIKE '% %' THEN split_part(postcode, ' ', 1) END AS pc_district,
                   nullif(upper(trim(town)), '') AS town
            FROM (
                -- A last word one or two typing errors from LIMITED/LTD is a mistyped legal suffix.
                SELECT * REPLACE (CASE WHEN name_norm LIKE '% %' AND length(split_part(name_norm, ' ', -1)) >= 3
                                        AND (levenshtein(split_part(name_norm, ' ', -1), 'LIMITED') <= 2
                                             OR levenshtein(split_part(name_norm, ' ', -1), 'LTD') <= 1)
                                       THEN regexp_replace(name_norm, ' [^ ]+$', '') ELSE name_norm END AS name_norm)
                FROM ({select})
            )
        )
    """


FEATURES = [
    "uid",
    "name_norm",
    "name_squash",
    "name_key",
    "postcode",
    "pc_sector",
    "pc_district",
    "town",
    "name_pre",
    "name_half",
    "name_initial",
    "name_first",
    "name_last",
    "name_second_initial",
    "name_rest",
]

# Each rule is an equi-join, so 100k suppliers against 5M companies stays tractable; together they
# catch exact names, reordered words, a typo in the first word (same initial and the rest), in a middle
# word (same first and last words and second initial), in the second half of the name (same first half)
# or after the 12th letter, and same-postcode firms. Every rule keeps blocks small at 5M companies; the
# looser "same first 8 letters" gave 50 times the candidate pairs for 0.1% more recall (BENCHMARKS.md).
BLOCKING_RULES = [
    "l.name_norm = r.name_norm",
    "l.name_key = r.name_key",
    "l.name_pre = r.name_pre",
    "l.name_half = r.name_half",
    "l.name_first = r.name_first AND l.name_last = r.name_last AND l.name_second_initial = r.name_second_initial",
    "l.name_rest = r.name_rest AND l.name_initial = r.name_initial",
    "l.postcode = r.postcode AND l.name_initial = r.name_initial",
]
# A looser rule, run only for the records the rules above found no likely match for (probability below
# REVIEW_THRESHOLD, mostly firms not on the register): a typo early in a middle word. Run for every record
# it made blocks of ~1,000 companies for common pairs (SMITH ... SERVICES) at 5M companies.
FALLBACK_KEYS = ["name_first", "name_last"]
FALLBACK_RULES = [" AND ".join(f"l.{k} = r.{k}" for k in FALLBACK_KEYS)]


def _level(
    sql: str, label: str, m: float | None = None, u: float | None = None, null: bool = False
) -> dict[str, Any]:
    lv: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if null:
        lv["is_null_level"] = True
    else:
        lv["m_probability"], lv["u_probability"] = m, u
    return lv


_NEAR_LENGTH = "abs(length(name_squash_l) - length(name_squash_r)) <= {k}"
COMPARISONS: list[dict[str, Any]] = [
    {
        "output_column_name": "name",
        "comparison_description": "name",
        "comparison_levels": [
            _level("name_norm_l IS NULL OR name_norm_r IS NULL", "name missing", null=True),
            _level("name_norm_l = name_norm_r", "same name", 0.80, 2.4e-8),
            _level("name_squash_l = name_squash_r", "same name, other spacing", 0.04, 1.2e-9),
            _level("name_key_l = name_key_r", "same words, other order", 0.02, 1.2e-9),
            # The length test is cheap and implied by the distance: most blocked pairs fail it, so the
            # Levenshtein distance is computed only for names that could be that close.
            _level(
                f"{_NEAR_LENGTH.format(k=1)} AND levenshtein(name_squash_l, name_squash_r) <= 1",
                "name one letter different",
                0.07,
                6e-8,
            ),
            _level(
                f"length(name_squash_l) >= 15 AND {_NEAR_LENGTH.format(k=2)} "
                "AND levenshtein(name_squash_l, name_squash_r) <= 2",
                "long name two letters different",
                0.04,
                3e-8,
            ),
            _level(
                f"length(name_squash_l) >= 10 AND {_NEAR_LENGTH.format(k=2)} "
                "AND levenshtein(name_squash_l, name_squash_r) <= 2",
                "name two letters different",
                0.02,
                2e-7,
            ),
            _level(
                "length(name_squash_l) >= 8 AND (left(name_squash_r, length(name_squash_l)) = name_squash_l "
                "OR left(name_squash_l, length(name_squash_r)) = name_squash_r)",
                "one name starts with the other",
                0.02,
                1e-6,
            ),
            _level("ELSE", "different names", 0.03, 0.99999),
        ],
    },
    {
        "output_column_name": "postcode",
        "comparison_description": "postcode",
        "comparison_levels": [
            _level("postcode_l IS NULL OR postcode_r IS NULL", "postcode missing", null=True),
            _level("postcode_l = postcode_r", "same postcode", 0.75, 1e-5),
            _level("pc_sector_l = pc_sector_r", "same postcode sector", 0.06, 1e-4),
            _level("pc_district_l = pc_district_r", "same postcode district", 0.05, 1e-3),
            _level("ELSE", "different postcode area", 0.14, 0.999),
        ],
    },
    {
        "output_column_name": "town",
        "comparison_description": "town",
        "comparison_levels": [
            _level("town_l IS NULL OR town_r IS NULL", "town missing", null=True),
            _level("town_l = town_r", "same town", 0.85, 0.02),
            _level("ELSE", "different town", 0.15, 0.98),
        ],
    },
]


def settings(rules: list[str] | None = None) -> dict[str, Any]:
    """The Splink settings for linking supplier records (left) to register entities (right)."""
    return {
        "link_type": "link_only",
        "unique_id_column_name": "uid",
        "probability_two_random_records_match": PRIOR,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": r} for r in rules or BLOCKING_RULES
        ],
        "comparisons": COMPARISONS,
        "retain_intermediate_calculation_columns": True,
        "retain_matching_columns": False,
        "additional_columns_to_retain": [],
    }


def _level_weights() -> dict[str, list[tuple[float, str]]]:
    out: dict[str, list[tuple[float, str]]] = {}
    for c in COMPARISONS:
        out[c["output_column_name"]] = [
            (
                0.0
                if lv.get("is_null_level")
                else math.log2(lv["m_probability"] / lv["u_probability"]),
                lv["label_for_charts"],
            )
            for lv in c["comparison_levels"]
        ]
    return out


LEVEL_WEIGHTS = _level_weights()


def explain(weights: dict[str, float]) -> str:
    """'same name (+25.0); same postcode (+16.2); town missing (0)': each comparison's level and weight."""
    parts = []
    for name, levels in LEVEL_WEIGHTS.items():
        w = float(weights[name])
        label = min(levels, key=lambda lv: abs(lv[0] - w))[1]
        parts.append(f"{label} ({w:+.1f})" if abs(w) >= 0.05 else f"{label} (0)")
    return "; ".join(parts)


def explain_sql(prefix: str = "mw_") -> str:
    """`explain` as one DuckDB SQL expression over the mw_* columns, so predictions never pass through Python."""
    parts = []
    for name, levels in LEVEL_WEIGHTS.items():
        w = f"{prefix}{name}"
        # The nearest level wins, the first of equals (as `min` does in explain).
        cases = " ".join(
            "WHEN "
            + " AND ".join(
                [
                    f"abs({w} - ({wi!r})) <= abs({w} - ({wj!r}))"
                    for j, (wj, _) in enumerate(levels)
                    if j != i
                ]
                or ["TRUE"]
            )
            + f" THEN '{label}'"
            for i, (wi, label) in enumerate(levels)
        )
        parts.append(
            f"(CASE {cases} END) || ' (' || "
            f"(CASE WHEN abs({w}) >= 0.05 THEN printf('%+.1f', {w}) ELSE '0' END) || ')'"
        )
    return " || '; ' || ".join(parts)
