"""The profiling monitor: per jurisdiction and quarter, indicators screened as CRCL proposed.

ICE and CRCL promised to compare, for every activated jurisdiction and every quarter, the
people the program identified with the jurisdiction's arrests, and to review the outliers in
depth; the method was never published (../shared/reference/oversight.md §1). This monitor
makes one explicit, with four indicators:

- ``identification_rate``: IDENT matches per booking shared with IDENT, against the
  jurisdiction's own rate over its four previous quarters. A county's level is set by who
  lives there (a border county matches more), which no funnel should call an outlier; a
  jump against its own baseline is what a change in arrest practice produces.
- ``minor_offense_share``: the share of matches whose booking offence is Level 3 (the 2008
  levels: misdemeanours and minor offences), against the same baseline — the pretext marker.
- ``hispanic_share_discretionary``: among bookings charged only with minor traffic offences
  (the arrests an officer has most discretion over), the share recorded Hispanic, against the
  same jurisdiction's share among its other bookings that quarter (Gardner & Kohli's
  comparison; it needs no population benchmark). Screened as a log odds ratio against a peer
  model: the ratio expected of a jurisdiction with its Hispanic share of the other bookings
  (arrests a pretext does not inflate) and its identification rate (a weighted
  meta-regression across the quarter's jurisdictions), since
  who is arrested for what differs with immigration status, and a county with many
  immigrants shows a standing difference without anyone profiling.
- ``arrest_shift`` (F2): that log odds ratio in the quarter minus the one before the county
  was activated — the difference-in-differences in log-odds of Gardner & Kohli's logistic
  model ``hispanic ~ post * discretionary``, whose saturated form has this closed form.

Each indicator goes through the same screen: z-scores about the peers' expectation (their
precision-weighted mean, or the peer model above) with the additive random-effect correction
for over-dispersion (funnel.py) among the quarter's jurisdictions, then
Benjamini-Hochberg over the quarter's whole review list (every indicator of every
jurisdiction: at most 5% of a quarter's flags are expected to be false), a flag only for an
excess, a minimum volume, a data-quality gate (the booking's
own ethnicity field must be filled for most bookings; it is never derived from nationality),
and persistence: flagged in this quarter and the one before. Ethnicity is read from the
booking's monitoring fields only, which no decision can read (invariant 2).

The screen works on counts per jurisdiction and quarter (``Unit``), read from a store by
``units_from_store`` or drawn at full volume by the simulation's ledger (sim/ledger.py) for the
monitor's own acceptance runs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from scipy import stats
from sqlalchemy import Connection, select

from scomm.adapters.tables import booking_monitoring, bookings, cases, criminal_searches
from scomm.oversight.complaints import quarter_of
from scomm.oversight.funnel import screen_estimates
from scomm.policy.catalog import OffenseCatalog

MIN_TRIALS = 30
MIN_ETHNICITY_COVERAGE = 0.5
BASELINE_QUARTERS = 4
Q_FLAG = 0.05
HISPANIC = "Hispanic"

INDICATORS = ("identification_rate", "minor_offense_share", "hispanic_share_discretionary",
              "arrest_shift")


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
class Unit:
    """One jurisdiction's quarter, in counts. Discretionary and other bookings count only
    bookings whose ethnicity was recorded."""

    bookings: int = 0
    with_ethnicity: int = 0
    shared: int = 0
    matches: int = 0
    minor_matches: int = 0
    discretionary: int = 0
    discretionary_hispanic: int = 0
    other: int = 0
    other_hispanic: int = 0

    @property
    def phase(self) -> Literal["before", "after", "activating"]:
        """Before activation no booking is shared with IDENT, after it every one is."""
        if self.shared == 0:
            return "before"
        return "after" if self.shared >= self.bookings else "activating"

    def __iadd__(self, other: Unit) -> Unit:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


Units = Mapping[tuple[str, str], Unit]


def units_from_store(conn: Connection, catalog: OffenseCatalog) -> dict[tuple[str, str], Unit]:
    """(fips5, quarter) -> counts, from the bookings, IDENT searches and cases of a store."""
    units: dict[tuple[str, str], Unit] = defaultdict(Unit)
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
    return dict(units)


def monitor(conn: Connection, catalog: OffenseCatalog) -> list[MonitorRow]:
    """Every jurisdiction, quarter and indicator of a store, screened; persistence marked."""
    return screen(units_from_store(conn, catalog))


def previous_quarter(quarter: str) -> str:
    year, n = int(quarter[:4]), int(quarter[-1])
    return f"{year - 1}Q4" if n == 1 else f"{year}Q{n - 1}"


@dataclass(frozen=True)
class _Estimate:
    """One unit's log odds ratio with its standard error (Woolf, with a half added to every
    cell so that an empty cell does not make it infinite)."""

    value: float
    se: float

    @classmethod
    def of(cls, d_hit: int, d_all: int, o_hit: int, o_all: int) -> _Estimate:
        cells = np.array([d_hit, d_all - d_hit, o_hit, o_all - o_hit], dtype=float) + 0.5
        a, b, c, d = cells
        return cls(float(np.log(a * d / (b * c))), float(np.sqrt((1 / cells).sum())))


@dataclass(frozen=True)
class _Candidate:
    """A unit's indicator before the screen: counts, the comparison, and why it may not be
    screened (empty when it may)."""

    fips5: str
    events: int
    trials: int
    value: float
    expected: float
    gate: str
    estimate: _Estimate | None = None  # None only where the gate is set
    peers: tuple[float, ...] = ()  # what the peer model compares it on


def screen(units: Units) -> list[MonitorRow]:
    """Screen every indicator of every quarter across the quarter's jurisdictions."""
    by_quarter: dict[str, list[str]] = defaultdict(list)
    for fips5, quarter in sorted(units):
        by_quarter[quarter].append(fips5)
    before = by_county(units, before_activation=True)
    rows: list[MonitorRow] = []
    for quarter, keys in sorted(by_quarter.items()):
        baseline = _baseline(units, quarter)
        found: dict[str, list[_Candidate]] = {i: [] for i in INDICATORS}
        for k in keys:
            u = units[(k, quarter)]
            found["identification_rate"].append(
                _rate(k, u.matches, u.shared, baseline(k, "matches", "shared")))
            found["minor_offense_share"].append(
                _rate(k, u.minor_matches, u.matches, baseline(k, "minor_matches", "matches")))
            found["hispanic_share_discretionary"].append(_discretionary(k, u))
            found["arrest_shift"].append(_shift(k, u, before.get(k)))
        rows += _quarter_rows(quarter, found)
    return _persistence(rows)


def _baseline(units: Units, quarter: str) -> Callable[[str, str, str], tuple[int, int]]:
    """A jurisdiction's events and trials pooled over its previous quarters."""
    quarters = [quarter]
    for _ in range(BASELINE_QUARTERS):
        quarters.append(previous_quarter(quarters[-1]))

    def counts(fips5: str, events: str, trials: str) -> tuple[int, int]:
        past = [units[(fips5, q)] for q in quarters[1:] if (fips5, q) in units]
        return sum(getattr(u, events) for u in past), sum(getattr(u, trials) for u in past)

    return counts


def by_county(units: Units, before_activation: bool = False) -> dict[str, Unit]:
    """Each jurisdiction's quarters pooled (only those before its activation, if asked)."""
    out: dict[str, Unit] = defaultdict(Unit)
    for (fips5, _), u in units.items():
        if not before_activation or u.phase == "before":
            out[fips5] += u
    return dict(out)


def _ethnicity_gate(u: Unit) -> str:
    if u.bookings and u.with_ethnicity / u.bookings < MIN_ETHNICITY_COVERAGE:
        return f"ethnicity recorded for {u.with_ethnicity}/{u.bookings} bookings"
    return ""


def _rate(fips5: str, events: int, trials: int, base: tuple[int, int]) -> _Candidate:
    base_events, base_trials = base
    expected = base_events / base_trials if base_trials else 0.0
    gate = (f"fewer than {MIN_TRIALS}" if trials < MIN_TRIALS
            else f"baseline of fewer than {MIN_TRIALS}" if base_trials < MIN_TRIALS
            else "baseline rate of 0 or 1" if not 0 < expected < 1 else "")
    return _Candidate(fips5, events, trials, _share(events, trials), expected, gate,
                      _Estimate.of(events, trials, base_events, base_trials))


def _discretionary(fips5: str, u: Unit) -> _Candidate:
    gate = _ethnicity_gate(u) or (
        f"fewer than {MIN_TRIALS}" if min(u.discretionary, u.other) < MIN_TRIALS else "")
    return _Candidate(
        fips5, u.discretionary_hispanic, u.discretionary, _share(u.discretionary_hispanic,
                                                                 u.discretionary),
        _share(u.other_hispanic, u.other), gate,
        _Estimate.of(u.discretionary_hispanic, u.discretionary, u.other_hispanic, u.other),
        (_share(u.other_hispanic, u.other), _share(u.matches, u.shared)))


def _shift(fips5: str, u: Unit, before: Unit | None) -> _Candidate:
    if u.phase != "after" or before is None:
        return _Candidate(fips5, u.discretionary_hispanic, u.discretionary, 0.0, 0.0,
                          "not after activation" if u.phase != "after"
                          else "no bookings before activation")
    now = _Estimate.of(u.discretionary_hispanic, u.discretionary, u.other_hispanic, u.other)
    then = _Estimate.of(before.discretionary_hispanic, before.discretionary,
                        before.other_hispanic, before.other)
    smallest = min(u.discretionary, u.other, before.discretionary, before.other)
    gate = _ethnicity_gate(u) or _ethnicity_gate(before) or (
        f"fewer than {MIN_TRIALS}" if smallest < MIN_TRIALS else "")
    return _Candidate(fips5, u.discretionary_hispanic, u.discretionary,
                      now.value - then.value, 0.0, gate,
                      _Estimate(now.value - then.value, float(np.hypot(now.se, then.se))))


def _share(events: int, trials: int) -> float:
    return events / trials if trials else 0.0


def _scores(found: list[_Candidate]) -> dict[str, float]:
    """The random-effect z-score of every unit that may be screened, among its peers."""
    eligible = [c for c in found if not c.gate and c.estimate]
    if len(eligible) < 3:
        return {}
    d = screen_estimates([c.estimate.value for c in eligible if c.estimate],
                         [c.estimate.se for c in eligible if c.estimate],
                         np.array([c.peers for c in eligible]) if eligible[0].peers else None)
    return {c.fips5: float(z) for c, z in zip(eligible, d.z_additive, strict=True)}


def _quarter_rows(quarter: str, found: dict[str, list[_Candidate]]) -> list[MonitorRow]:
    """One quarter's rows; the false-discovery rate is controlled over the whole quarter's
    review list, every indicator of every jurisdiction together."""
    scores = {indicator: _scores(cs) for indicator, cs in found.items()}
    tested = [(i, f, z) for i, zs in scores.items() for f, z in zs.items()]
    q_values = dict(zip(((i, f) for i, f, _ in tested), stats.false_discovery_control(
        [2 * stats.norm.sf(abs(z)) for _, _, z in tested], method="bh"), strict=True)
        ) if tested else {}
    out = []
    for indicator, candidates in found.items():
        for c in candidates:
            z = scores[indicator].get(c.fips5)
            q = q_values.get((indicator, c.fips5))
            gate = c.gate or ("" if z is not None else "too few comparable jurisdictions")
            flagged = z is not None and q is not None and z > 0 and q < Q_FLAG
            out.append(MonitorRow(c.fips5, quarter, indicator, c.events, c.trials, c.value,
                                  c.expected, z, None if q is None else float(q), flagged,
                                  False, gate))
    return out


def _persistence(rows: list[MonitorRow]) -> list[MonitorRow]:
    flagged = {(r.fips5, r.quarter, r.indicator) for r in rows if r.flagged}
    return [replace(r, persistent=r.flagged and (
        r.fips5, previous_quarter(r.quarter), r.indicator) in flagged) for r in rows]
