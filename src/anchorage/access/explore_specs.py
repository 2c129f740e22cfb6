"""The explore pages' tables as specs (access/table.py): their columns, sorts and filters, and which filters
each stored table can answer (access/explore_queries.py reads them)."""

from __future__ import annotations

from dataclasses import replace

from anchorage.access.table import YES_NO_UNKNOWN, Column, TableSpec, yes_no_sql
from anchorage.config import TIERS

TIER_CHOICES = tuple((t, t) for t in TIERS)  # the web shows them in words (web/table.py)
COUNTED_CHOICES = (("yes", "Counted in the figures"), ("no", "Left out by an exclusion rule"))


def _common_filters(prefix: str) -> tuple[Column, ...]:
    return (
        Column(
            "year", "Financial year", sql=f"{prefix}financial_year", sortable=False, filter="year"
        ),
        Column("ward", "Ward", sql=f"{prefix}ward", sortable=False, filter="equals"),
        Column(
            "counted",
            "Counted",
            sql=f"CASE WHEN {prefix}counted THEN 'yes' ELSE 'no' END",
            sortable=False,
            filter="equals",
            choices=COUNTED_CHOICES,
        ),
        Column(
            "supplier_key",
            "Supplier",
            sql=f"{prefix}supplier_name_norm",
            sortable=False,
            filter="equals",
        ),
    )


def _profile_filters(prefix: str) -> tuple[Column, ...]:
    """The dashboard's deprivation, SME and VCSE figures, as filters (their drill-downs): as the analysis
    counts them (procurement/analysis.py), e.g. "20% most deprived" is IMD decile 1 or 2."""
    return (
        Column(
            "decile",
            "Deprivation decile of the supplier's area",
            sql=f"{prefix}imd_decile",
            sortable=False,
            filter="equals",
        ),
        Column(
            "deprived",
            "In the 20% most deprived areas",
            sql=yes_no_sql(f"{prefix}imd_decile <= 2"),
            sortable=False,
            filter="equals",
            choices=YES_NO_UNKNOWN,
        ),
        Column(
            "sme",
            "SME",
            sql=yes_no_sql(f"{prefix}is_sme"),
            sortable=False,
            filter="equals",
            choices=YES_NO_UNKNOWN,
        ),
        Column(
            "vcse",
            "VCSE",
            sql=yes_no_sql(f"{prefix}is_vcse"),
            sortable=False,
            filter="equals",
            choices=YES_NO_UNKNOWN,
        ),
    )


PAYMENTS = TableSpec(
    name="Payments",
    columns=(
        Column("payment_date", "Date", "date"),
        Column("supplier", "Supplier", sql="supplier_name", filter="contains"),
        Column("amount", "Amount", "money"),
        Column("category", "Category", filter="equals"),
        Column("service", "Service", filter="contains"),
        Column("transaction_id", "Reference", sortable=False),
        Column("tier", "Where the supplier is", "tier", filter="equals", choices=TIER_CHOICES),
        Column("excluded_by", "Left out by rule", sortable=True),
    ),
    default_sort="-payment_date",
    tie=("upload_id", "row_no"),
    search=("supplier_name", "category", "service", "description"),
    hidden_filters=(*_common_filters(""), *_profile_filters("")),
)

SUPPLIERS = TableSpec(
    name="Suppliers",
    columns=(
        Column("supplier", "Supplier", sql="any_value(n.supplier_name)", filter=None),
        Column("anchor", "Anchor", "anchor", sql="s.org", filter="equals"),
        Column(
            "tier",
            "Where the supplier is",
            "tier",
            sql="any_value(s.tier)",
            where="s.tier",
            filter="equals",
            choices=TIER_CHOICES,
        ),
        Column("spend", "Spend", "money", sql="sum(s.spend)"),
        Column("payments", "Payments", "int", sql="sum(s.payments)"),
        Column("last_paid", "Last paid", "date", sql="max(s.last_paid)"),
    ),
    default_sort="-spend",
    tie=("s.supplier_name_norm", "s.org"),
    search=("n.supplier_name",),
    hidden_filters=(
        *_common_filters("s."),
        *_profile_filters("s."),
        Column("category", "Category", sql="s.category", sortable=False, filter="equals"),
    ),
    group_by="s.org, s.supplier_name_norm",
)


# The explorer without a category or exclusion filter reads one row per supplier and anchor (and year).
SUPPLIERS_FLAT = TableSpec(
    name="Suppliers",
    columns=(
        Column("supplier", "Supplier", sql="supplier_name"),
        Column("anchor", "Anchor", "anchor", sql="org", filter="equals"),
        Column("tier", "Where the supplier is", "tier", filter="equals", choices=TIER_CHOICES),
        Column("spend", "Spend", "money"),
        Column("payments", "Payments", "int"),
        Column("last_paid", "Last paid", "date"),
    ),
    default_sort="-spend",
    tie=("supplier_name_norm", "org"),
    search=("supplier_name",),
    hidden_filters=(
        *(c for c in _common_filters("") if c.key != "counted"),
        *_profile_filters(""),
    ),
)
FLAT_FILTERS = frozenset(c.key for c in SUPPLIERS_FLAT.filters)

# The explorer filtered on a category or the exclusion rules reads one row per supplier and anchor of that
# category (NULL: every one) and those payments counted or left out (NULL: either), in a year or every year.
SUPPLIERS_BY_CATEGORY = replace(
    SUPPLIERS_FLAT,
    hidden_filters=(
        *SUPPLIERS_FLAT.hidden_filters,
        Column(
            "counted",
            "Counted",
            sql="CASE WHEN counted THEN 'yes' WHEN NOT counted THEN 'no' END",  # NULL: not a value
            sortable=False,
            filter="equals",
            choices=COUNTED_CHOICES,
        ),
        Column("category", "Category", sortable=False, filter="equals"),
    ),
)
CATEGORY_FILTERS = frozenset(c.key for c in SUPPLIERS_BY_CATEGORY.filters)

# Payments filters that are the same for every payment of a group (procurement/explore_payments.py).
GROUP_FILTERS = frozenset(c.key for c in PAYMENTS.filters) - {"service"}
