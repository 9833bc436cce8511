"""The profiling monitor: per jurisdiction and quarter, indicators screened as CRCL proposed.

ICE and CRCL promised to compare, for every activated jurisdiction and every quarter, the
people the program identified with the jurisdiction's arrests, and to review the outliers in
depth; the method was never published (../shared/reference/oversight.md §1). This monitor
makes one explicit:

- ``identification_rate``: IDENT matches per booking shared with IDENT, against the pooled
  rate of the quarter;
- ``minor_offense_share``: the share of matches whose booking offence is Level 3 (the 2008
  levels: misdemeanours and minor offences), against the pooled share — the pretext marker;
- ``hispanic_share_discretionary``: among bookings charged only with minor traffic offences
  (the arrests an officer has most discretion over), the share recorded Hispanic on the
  booking, against the same jurisdiction's share among its other bookings (Gardner & Kohli's
  comparison; it needs no population benchmark).

Each indicator goes through the same screen: funnel z-scores with the additive random-effect
correction for over-dispersion, Benjamini-Hochberg over the quarter's jurisdictions, a flag
only above the funnel (an excess), a minimum volume, a data-quality gate (the booking's own
ethnicity field must be filled for most bookings; it is never derived from nationality), and
persistence: flagged in this quarter and the one before. Ethnicity is read from the booking's
monitoring fields only, which no decision can read (invariant 2).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, select

from scomm.adapters.tables import booking_monitoring, bookings, cases, criminal_searches
from scomm.oversight.complaints import quarter_of
from scomm.oversight.funnel import funnel
from scomm.policy.catalog import OffenseCatalog

MIN_TRIALS = 30
MIN_ETHNICITY_COVERAGE = 0.5
Q_FLAG = 0.05
HISPANIC = "Hispanic"


@dataclass(frozen=True)
class MonitorRow:
    fips5: str
    quarter: str
    indicator: str
    events: int
    trials: int
    value: float
    expected: float
    z: float | None
    q: float | None
    flagged: bool
    persistent: bool
    gate: str


@dataclass
class _Unit:
    shared: int = 0
    matches: int = 0
    minor_matches: int = 0
    bookings: int = 0
    with_ethnicity: int = 0
    discretionary: int = 0
    discretionary_hispanic: int = 0
    other: int = 0
    other_hispanic: int = 0


def _units(conn: Connection, catalog: OffenseCatalog) -> dict[tuple[str, str], _Unit]:
    units: dict[tuple[str, str], _Unit] = defaultdict(_Unit)
    for fips5, at in conn.execute(select(criminal_searches.c.fips5, criminal_searches.c.at)
                                  .where(criminal_searches.c.shared_with_ident.is_(True))):
        units[(fips5, quarter_of(at.month, at.year))].shared += 1
    for fips5, at, level in conn.execute(select(cases.c.fips5, cases.c.booked_at,
                                                cases.c.offense_level)):
        u = units[(fips5, quarter_of(at.month, at.year))]
        u.matches += 1
        u.minor_matches += level == 3
    for fips5, at, charges, ethnicity in conn.execute(
            select(bookings.c.fips5, bookings.c.booked_at, bookings.c.charges,
                   booking_monitoring.c.ethnicity)
            .outerjoin(booking_monitoring,
                       booking_monitoring.c.booking_id == bookings.c.booking_id)):
        u = units[(fips5, quarter_of(at.month, at.year))]
        u.bookings += 1
        if not ethnicity:
            continue
        u.with_ethnicity += 1
        hispanic = ethnicity == HISPANIC
        if charges and all(catalog.get(c["ncic_code"]).minor_traffic for c in charges):
            u.discretionary += 1
            u.discretionary_hispanic += hispanic
        else:
            u.other += 1
            u.other_hispanic += hispanic
    return units


def _screen(quarter: str, indicator: str, keys: list[str], events: list[int],
            trials: list[int], expected: list[float] | None, gates: dict[str, str]
            ) -> list[MonitorRow]:
    eligible = [i for i, k in enumerate(keys) if not gates.get(k) and trials[i] >= MIN_TRIALS
                and (expected is None or 0 < expected[i] < 1)]
    scored: dict[int, tuple[float, float, float]] = {}
    if len(eligible) >= 3:
        e = np.array([events[i] for i in eligible])
        n = np.array([trials[i] for i in eligible])
        theta = None if expected is None else np.array([expected[i] for i in eligible])
        f = funnel(e, n, theta)
        t = np.full(len(eligible), f.theta) if theta is None else theta
        for j, i in enumerate(eligible):
            scored[i] = (float(f.z_additive[j]), float(f.q_additive[j]), float(t[j]))
    out = []
    pooled = sum(events) / sum(trials) if sum(trials) else 0.0
    for i, k in enumerate(keys):
        z, q, exp = scored.get(i, (None, None, expected[i] if expected else pooled))
        gate = gates.get(k) or ("" if i in scored else
                                f"fewer than {MIN_TRIALS}" if trials[i] < MIN_TRIALS
                                else "too few comparable jurisdictions")
        flagged = z is not None and q is not None and z > 0 and q < Q_FLAG
        out.append(MonitorRow(k, quarter, indicator, events[i], trials[i],
                              events[i] / trials[i] if trials[i] else 0.0, exp, z, q, flagged,
                              False, gate))
    return out


def monitor(conn: Connection, catalog: OffenseCatalog) -> list[MonitorRow]:
    """Every jurisdiction, quarter and indicator, screened; persistence marked."""
    units = _units(conn, catalog)
    rows: list[MonitorRow] = []
    for quarter in sorted({q for _, q in units}):
        keys = sorted(f for f, q in units if q == quarter)
        us = [units[(k, quarter)] for k in keys]
        gates = {k: f"ethnicity recorded for {u.with_ethnicity}/{u.bookings} bookings"
                 for k, u in zip(keys, us, strict=True)
                 if u.bookings and u.with_ethnicity / u.bookings < MIN_ETHNICITY_COVERAGE}
        rows += _screen(quarter, "identification_rate", keys, [u.matches for u in us],
                        [u.shared for u in us], None, {})
        rows += _screen(quarter, "minor_offense_share", keys, [u.minor_matches for u in us],
                        [u.matches for u in us], None, {})
        rows += _screen(quarter, "hispanic_share_discretionary", keys,
                        [u.discretionary_hispanic for u in us], [u.discretionary for u in us],
                        [u.other_hispanic / u.other if u.other else 0.0 for u in us], gates)
    return _persistence(rows)


def _previous(quarter: str) -> str:
    year, n = int(quarter[:4]), int(quarter[-1])
    return f"{year - 1}Q4" if n == 1 else f"{year}Q{n - 1}"


def _persistence(rows: list[MonitorRow]) -> list[MonitorRow]:
    flagged = {(r.fips5, r.quarter, r.indicator) for r in rows if r.flagged}
    return [MonitorRow(**{**r.__dict__, "persistent": r.flagged and (
        r.fips5, _previous(r.quarter), r.indicator) in flagged}) for r in rows]
