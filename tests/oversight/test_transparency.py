"""Transparency statistics: ICE's national sums reproduced exactly, the small-cell rule, and
monthly figures that add up to the cumulative table."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from scomm.adapters import db
from scomm.domain.errors import InvalidInput
from scomm.oversight.statistics import COUNT_COLUMNS, county_table
from scomm.oversight.transparency import by_state, monthly, national, published, suppress
from scomm.sim.jurisdictions import ice_table_path


def test_the_published_table_reproduces_ices_national_sums() -> None:
    rows = published(ice_table_path())
    total = national(rows)
    assert (total["submissions"], total["ident_matches_total"], total["removals_total"]) == (
        19_858_457, 1_087_109, 220_301)
    assert national(by_state(rows)) == total
    for r in rows:  # the published table is internally additive
        assert r.ident_matches_level1 + r.ident_matches_level2_3 == r.ident_matches_total


def test_small_cells_are_hidden_in_pairs() -> None:
    counts = dict.fromkeys(COUNT_COLUMNS, 0) | {
        "submissions": 500, "ident_matches_level1": 3, "ident_matches_level2_3": 40,
        "ident_matches_total": 43, "removals_convicted_level1": 12,
        "removals_ice_fugitives": 30, "removals_total": 42}
    shown = suppress(counts)
    assert shown["ident_matches_level1"] == "<10"
    assert shown["ident_matches_level2_3"] == "<10"  # else 43 - 40 reveals the 3
    assert shown["ident_matches_total"] == 43 and shown["submissions"] == 500
    assert shown["removals_convicted_level1"] == 12 and shown["removals_convicted_level2"] == 0
    with pytest.raises(InvalidInput, match="min_cell"):
        suppress(counts, 0)


def test_monthly_adds_up_to_the_cumulative_table(tiny_run: Any) -> None:
    engine: Engine = db.make_engine(db.default_url(tiny_run.out_dir))
    with engine.connect() as conn:
        months = monthly(conn)
        cumulative = {r.fips5: r for r in county_table(conn)}
    engine.dispose()
    last: dict[str, dict[str, Any]] = {}
    for m in months:
        last[str(m["fips5"])] = m
    for fips5, m in last.items():
        for c in COUNT_COLUMNS:
            assert m[f"cumulative_{c}"] == getattr(cumulative[fips5], c), (fips5, c)
    assert sum(int(str(m["submissions"])) for m in months) == sum(
        r.submissions for r in cumulative.values())
