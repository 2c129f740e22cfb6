"""Finding 4: stepping the pipeline's filters one digit at a time, or subtracting an opportunity's combined value,
reveals nothing of another anchor's unpublished contracts."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select
from tests.test_web_pipeline import pipeline_web, shared_data_module  # noqa: F401  (fixtures)
from tests.web_support import signed_in

from anchorage.access import gate
from anchorage.access.pipeline import opportunities_for, pipeline_for
from anchorage.contracts.pipeline import PipelineFilter
from anchorage.store.accounts import User


def _viewer(web, email: str) -> gate.Viewer:
    with web.ws.session() as s:
        return gate.viewer_for(s, s.scalar(select(User).where(User.email == email)))


def _results(html: str) -> str:
    """The page without its filter form (which echoes what was asked)."""
    return re.sub(r"<form.*?</form>", "", html, flags=re.S)


def test_stepping_filters_over_hidden_contracts_finds_nothing(pipeline_web):  # noqa: F811
    college = _viewer(pipeline_web, "viewer@college.org")
    seen = set()
    for org in ("council", "acute-trust", None):
        for cpv in (None, "5", "55", "555", "5552", "55520", "9", "909"):
            for lo in (None, 0, 500, 100_000, 899_999, 900_000, 900_001, 2_999_999, 3_000_000):
                flt = PipelineFilter(
                    orgs=[org] if org else None,
                    cpv_prefix=cpv,
                    min_value=None if lo is None else Decimal(lo),
                )
                v = pipeline_for(pipeline_web.ws, college, flt)
                assert all(r["is_public"] for r in v.rows)  # only what the college may see
                assert all(q.org == "college" for q in v.quarters)
                seen.add(
                    (
                        v.hidden,
                        tuple(
                            (q.quarter, q.org, q.contracts, q.value)
                            for q in v.quarters
                            if org in (None, "college")
                        ),
                    )
                )
    assert (
        len({h for h, _ in seen}) == 1
    )  # the count of hidden contracts does not move with any filter
    c = signed_in(pipeline_web, "viewer@college.org")
    pages = {
        _results(c.get(f"/pipeline?org=council&cpv={cpv}&min_value={lo}").text)
        for cpv in ("", "5", "55", "555", "5552", "909")
        for lo in ("", "500", "899999", "900001")
    }
    assert len(pages) == 1  # byte for byte the same results, whatever is stepped


def test_combined_values_count_only_contracts_the_viewer_sees(pipeline_web):  # noqa: F811
    masked = 0
    for email, orgs in (
        ("admin@council.org", {"council"}),
        ("admin@trust.org", {"acute-trust"}),
        ("viewer@college.org", {"college"}),
    ):
        v = _viewer(pipeline_web, email)
        for o in opportunities_for(pipeline_web.ws, v):
            shown = [c for c in o.contracts if c.get("value") is not None]
            assert all(c["org"] in orgs or c["is_public"] for c in shown)
            assert o.combined_value == sum(
                (c["value"] for c in shown), Decimal(0)
            )  # nothing else inside
            keys = {c["contract_key"] for c in shown}
            assert all(set(lot.contracts) <= keys for lot in o.lots)
            for c in o.contracts:
                if c["title"] == "(not shared with you)":
                    assert (
                        re.fullmatch(r"\d{4}-Q[1-4]", str(c["reprocure_date"]))
                        and c["contract_key"] is None
                    )
                    masked += 1
    assert masked  # the fixture has opportunities across anchors that do not share


def test_opportunity_ids_are_not_hashes_of_contract_keys(pipeline_web):  # noqa: F811
    from anchorage.contracts.finder import find_opportunities

    raw = {o.id for o in find_opportunities(pipeline_web.ws)}
    shown = [
        o.id
        for o in opportunities_for(pipeline_web.ws, _viewer(pipeline_web, "viewer@college.org"))
    ]
    assert shown and not raw & set(shown) and all(re.fullmatch(r"[0-9a-f]{20}", i) for i in shown)
    again = [
        o.id for o in opportunities_for(pipeline_web.ws, _viewer(pipeline_web, "admin@council.org"))
    ]
    assert (
        again == shown
    )  # the same opportunity has the same address for everyone, request after request
