"""The enriched spend relation: each payment with its supplier's tier, IMD decile and exclusion rule.

Written as Ibis expressions so the same code runs on DuckDB (default) and Spark (national scale).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import ibis
import ibis.expr.types as ir

from anchorage.config import UK_COUNTRY_CODES, Config

UK_COUNTRY_NAMES = (
    "UK",
    "GB",
    "GBR",
    "UNITED KINGDOM",
    "GREAT BRITAIN",
    "ENGLAND",
    "SCOTLAND",
    "WALES",
    "NORTHERN IRELAND",
)


@dataclass
class AnalysisOptions:
    """Filters a user can set; the defaults follow CLES (exclusions on, every supplier, every payment)."""

    orgs: list[str] | None = None
    min_amount: Decimal | None = None
    top_n: int | None = None
    apply_exclusions: bool = True
    top_suppliers: int = 20
    financial_years: tuple[int, ...] | None = (
        None  # starting years (2024 = 2024-25); None = every year
    )


def tier_expr(
    cfg: Config,
    lad: ir.StringValue,
    rgn: ir.StringValue,
    ctry: ir.StringValue,
    country: ir.StringValue,
    redacted: ir.BooleanValue,
) -> ir.StringValue:
    """local → sub-region → region → uk → abroad → unknown, innermost tier first."""
    place = cfg.place
    cases = [(redacted, "unknown"), (lad.isin(place.local), "local")]
    if place.sub_region:
        cases.append((lad.isin(place.sub_region), "sub-region"))
    if place.region:
        cases.append((rgn == place.region, "region"))
    cases += [
        (ctry.isin(UK_COUNTRY_CODES), "uk"),
        (country.notnull() & ~country.upper().strip().isin(UK_COUNTRY_NAMES), "abroad"),
    ]
    return ibis.cases(*cases, else_="unknown")


def _rule_index(rules: list[tuple[int, ir.BooleanValue]]) -> ir.IntegerValue:
    """The config-order index of the first rule that matches, else a number past every rule."""
    if not rules:
        return ibis.literal(_NO_RULE)
    return ibis.cases(*[(cond.fill_null(False), i) for i, cond in rules], else_=_NO_RULE)


_NO_RULE = 1_000_000


def _supplier_rule(cfg: Config, supplier: ir.StringValue) -> ir.IntegerValue:
    rules = [r for r in cfg.exclusions if r.enabled]
    return _rule_index(
        [(i, supplier.re_search(r.pattern)) for i, r in enumerate(rules) if r.field == "supplier"]
    )


def _category_rule(cfg: Config, category: ir.StringValue) -> ir.IntegerValue:
    rules = [r for r in cfg.exclusions if r.enabled]
    return _rule_index(
        [
            (i, category.upper().re_search(r.pattern))
            for i, r in enumerate(rules)
            if r.field != "supplier"
        ]
    )


def _rule_name(rules: list, idx: ir.IntegerValue) -> ir.StringValue:
    if not rules:
        return ibis.null().cast("string")
    return ibis.cases(
        *[(idx == i, r.name) for i, r in enumerate(rules)], else_=ibis.null().cast("string")
    )


def spend_grain(con: ibis.BaseBackend, opts: AnalysisOptions) -> ir.Table:
    """Spend summed per anchor, supplier, category, financial year and redaction: one pass over payments."""
    spend = con.table("spend")
    if opts.orgs:
        spend = spend.filter(spend.org.isin(opts.orgs))
    if opts.min_amount is not None:
        spend = spend.filter(spend.amount >= opts.min_amount)
    d = spend.payment_date
    grain = spend.group_by(
        "org",
        "supplier_name_norm",
        "category",
        "is_redacted",
        financial_year=(d.year() - ibis.ifelse(d.month() < 4, 1, 0)).cast("int32"),
    ).agg(
        amount=spend.amount.sum(),
        transactions=spend.count(),
        credit_notes=spend.amount.sum(where=spend.amount < 0),
    )
    if opts.financial_years:
        grain = grain.filter(grain.financial_year.isin(list(opts.financial_years)))
    return grain


def supplier_places(
    con: ibis.BaseBackend, cfg: Config, suppliers: ir.Table, orgs: list[str] | None = None
) -> ir.Table:
    """Each (anchor, supplier) once: tier (before redaction), ward, IMD decile, SME/VCSE, register match
    and the index of the first supplier exclusion rule it matches (`orgs`: the suppliers' anchors)."""
    prof = con.table("supplier_profile")
    pc = con.table("postcodes")
    imd = con.table("imd")
    imd = imd.filter(imd.version == cfg.imd_version)
    lsoa_col = "lsoa11" if cfg.imd_version == "2019" else "lsoa21"

    # What any anchor knows of a supplier (by normalised name) fills gaps in what this anchor knows.
    known = prof.group_by("supplier_name_norm").agg(
        any_postcode=prof.postcode.max(),
        any_country=prof.country.max(),
        any_sme=prof.is_sme.cast("int8").max(),
        any_vcse=prof.is_vcse.cast("int8").max(),
    )
    # The supplier register (issue 5) fills what no anchor knows: registered office, SME, VCSE.
    reg = con.table("supplier_resolution")
    own = prof  # these anchors' own rows (what any anchor knows is still read from all of them)
    if orgs:
        own, reg = prof.filter(prof.org.isin(orgs)), reg.filter(reg.org.isin(orgs))
    reg = reg.select(
        reg_org=reg.org,
        reg_name=reg.supplier_name_norm,
        reg_postcode=reg.registered_postcode,
        reg_sme=reg.register_sme,
        reg_vcse=reg.register_vcse,
        reg_id=reg.register_id,
    )
    o = suppliers
    anchor_postcode = own.postcode.fill_null(known.any_postcode)
    pcd_key = anchor_postcode.fill_null(reg.reg_postcode).replace(" ", "")
    s = (
        o.left_join(own, [o.org == own.org, o.supplier_name_norm == own.supplier_name_norm])
        .left_join(known, o.supplier_name_norm == known.supplier_name_norm)
        .left_join(reg, [o.org == reg.reg_org, o.supplier_name_norm == reg.reg_name])
        .left_join(pc, pcd_key == pc.pcd_key)
        .left_join(imd, pc[lsoa_col] == imd.lsoa)
        .select(
            o.org,
            o.supplier_name_norm,
            country=own.country.fill_null(known.any_country),
            is_sme=own.is_sme.fill_null(known.any_sme == 1).fill_null(reg.reg_sme),
            is_vcse=own.is_vcse.fill_null(known.any_vcse == 1).fill_null(reg.reg_vcse),
            matched=reg.reg_id.notnull(),
            placed_by_registered_office=anchor_postcode.isnull() & reg.reg_postcode.notnull(),
            lad=pc.lad,
            ward=pc.ward,
            rgn=pc.rgn,
            ctry=pc.ctry,
            imd_decile=imd.imd_decile,
        )
    )
    return s.mutate(
        place_tier=tier_expr(cfg, s.lad, s.rgn, s.ctry, s.country, ibis.literal(False)),
        supplier_rule=_supplier_rule(cfg, s.supplier_name_norm),
    ).drop("lad", "rgn", "ctry", "country")


def enriched_spend(
    con: ibis.BaseBackend, cfg: Config, opts: AnalysisOptions, grain: ir.Table | None = None
) -> ir.Table:
    """Spend summed per anchor, supplier, category, financial year and redaction, with tier, ward, IMD
    decile, SME/VCSE and exclusion rule attached.

    Every published figure is a sum (or a distinct count of suppliers), so aggregating first is exact; each
    supplier is then placed once and each category matched against the rules once, and only the results
    are joined back (pass `grain`, e.g. spend_grain(...) cached, to reuse one pass over the payments).
    """
    g = grain if grain is not None else spend_grain(con, opts)
    sup = supplier_places(con, cfg, g.select("org", "supplier_name_norm").distinct(), opts.orgs)
    cats = g.select("category").distinct()
    cats = cats.mutate(category_rule=_category_rule(cfg, cats.category))
    rules = [r for r in cfg.exclusions if r.enabled]
    j = g.inner_join(
        sup, ["org", "supplier_name_norm"]
    ).left_join(  # the name is never NULL (store/spend_store.py)
        cats, g.category.identical_to(cats.category)
    )
    j = j.select(
        g.org,
        g.supplier_name_norm,
        g.category,
        g.is_redacted,
        g.financial_year,
        g.amount,
        g.transactions,
        g.credit_notes,
        sup.is_sme,
        sup.is_vcse,
        sup.matched,
        sup.placed_by_registered_office,
        sup.ward,
        sup.imd_decile,
        tier=ibis.ifelse(g.is_redacted, "unknown", sup.place_tier),
        excluded_by=_rule_name(
            rules, ibis.least(sup.supplier_rule, cats.category_rule.fill_null(_NO_RULE))
        ),
    )
    return j


def in_scope(base: ir.Table, opts: AnalysisOptions) -> ir.Table:
    """Apply the exclusion rules and the CLES top-N supplier filter to the enriched relation."""
    s = base.filter(base.excluded_by.isnull()) if opts.apply_exclusions else base
    if opts.top_n:
        totals = s.group_by(["org", "supplier_name_norm"]).agg(supplier_total=s.amount.sum())
        totals = totals.mutate(
            rank=ibis.row_number().over(
                group_by=totals.org,
                order_by=[ibis.desc(totals.supplier_total), totals.supplier_name_norm],
            )
        )
        keep = totals.filter(totals["rank"] < opts.top_n).select("org", "supplier_name_norm")
        s = s.semi_join(keep, ["org", "supplier_name_norm"])
    return s
