"""Transparency statistics in the columns of ICE's IDENT/IAFIS Interoperability Statistics.

ICE published, per county, cumulative since activation: fingerprint submissions checked against
IDENT, IDENT matches by the support center's offense level (Level 1, Level 2/3), and removals by
category (convicted Levels 1-3, ICE fugitives, prior removals/returns, EWI/visa violators/
overstays). ``county_table`` computes the same columns from a run's store so the two tables can
be compared line by line (../shared/data/sc_ident_iafis_county_stats_thru_2012-08-31.csv).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date

from sqlalchemy import Connection, case, func, select

from scomm.adapters.tables import (
    cases,
    criminal_searches,
    custody,
    jurisdictions,
)

REMOVAL_COLUMNS = {
    "convicted_level1": "removals_convicted_level1",
    "convicted_level2": "removals_convicted_level2",
    "convicted_level3": "removals_convicted_level3",
    "ice_fugitive": "removals_ice_fugitives",
    "prior_removal_return": "removals_prior_removals_returns",
    "ewi_visa_overstay": "removals_ewi_visa_violators_overstays",
}


@dataclass
class CountyStats:
    fips5: str
    state: str
    county: str
    ice_aor: str
    activation_date: date | None
    submissions: int = 0
    ident_matches_level1: int = 0
    ident_matches_level2_3: int = 0
    ident_matches_total: int = 0
    removals_convicted_level1: int = 0
    removals_convicted_level2: int = 0
    removals_convicted_level3: int = 0
    removals_ice_fugitives: int = 0
    removals_prior_removals_returns: int = 0
    removals_ewi_visa_violators_overstays: int = 0
    removals_total: int = 0


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(CountyStats))
COUNT_COLUMNS: tuple[str, ...] = COLUMNS[5:]


def county_table(conn: Connection, fips5s: Sequence[str] | None = None,
                 until: date | None = None) -> list[CountyStats]:
    """Cumulative statistics per county (only counties with any booking, unless listed)."""
    subs = select(criminal_searches.c.fips5, func.count().label("n")).where(
        criminal_searches.c.shared_with_ident.is_(True))
    matches = select(cases.c.fips5,
                     func.sum(case((cases.c.offense_level == 1, 1), else_=0)).label("l1"),
                     func.count().label("n"))
    removals = select(custody.c.fips5, custody.c.removal_category, func.count().label("n")).where(
        custody.c.outcome == "removed")
    if until is not None:
        subs = subs.where(func.date(criminal_searches.c.at) <= until)
        matches = matches.where(func.date(cases.c.booked_at) <= until)
        removals = removals.where(func.date(custody.c.concluded_at) <= until)
    out: dict[str, CountyStats] = {}
    wanted = set(fips5s or ())
    booked = {r[0] for r in conn.execute(select(criminal_searches.c.fips5).distinct())}
    for j in conn.execute(select(jurisdictions).order_by(jurisdictions.c.fips5)):
        if j.fips5 in wanted or j.fips5 in booked:
            out[j.fips5] = CountyStats(fips5=j.fips5, state=j.state_abbr,
                                       county=j.county_name, ice_aor=j.aor or "",
                                       activation_date=j.activation_date)
    for fips5, n in conn.execute(subs.group_by(criminal_searches.c.fips5)):
        if fips5 in out:
            out[fips5].submissions = int(n)
    for fips5, l1, n in conn.execute(matches.group_by(cases.c.fips5)):
        if fips5 in out:
            s = out[fips5]
            s.ident_matches_level1 = int(l1 or 0)
            s.ident_matches_total = int(n)
            s.ident_matches_level2_3 = int(n) - int(l1 or 0)
    for fips5, category, n in conn.execute(
            removals.group_by(custody.c.fips5, custody.c.removal_category)):
        if fips5 in out and category in REMOVAL_COLUMNS:
            s = out[fips5]
            setattr(s, REMOVAL_COLUMNS[category], getattr(s, REMOVAL_COLUMNS[category]) + int(n))
            s.removals_total += int(n)
    return list(out.values())


def totals(rows: Sequence[CountyStats]) -> dict[str, int]:
    return {c: sum(int(getattr(r, c)) for r in rows) for c in COUNT_COLUMNS}


def as_rows(rows: Sequence[CountyStats]) -> list[dict[str, object]]:
    return [asdict(r) for r in rows]

