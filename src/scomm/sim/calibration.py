"""Per-county rates that let the simulator reproduce ICE's real county table, and the real
counts the statistics report compares a simulation against.

Why rates and not the table itself: a scenario replays any period at any scale, so the simulator
needs "how many bookings a day, what share match IDENT, how matches split by level and end in
removals" rather than one cumulative total. The rates are read off ICE's county table
(19,858,457 submissions through 2012-08-31):

* ``bookings_per_day`` = the county's submissions / its days active (activation through
  2012-08-31, both inclusive). Every booking is fingerprinted and sent to the FBI whether or not
  the county is activated — activation only adds the IDENT check — so the simulator books people
  at this rate on *every* day of a scenario, before activation too.
* ``ident_match_rate`` = matches / submissions; ``level1_share`` = Level 1 matches / matches;
  ``removal_rate_per_match`` = removals / matches; ``removal_mix`` = the six removal categories'
  shares of removals.

A ratio whose denominator is zero in the county's own row (560 counties had no match, 1,409 no
removal) says nothing about the county, so it falls back to the pooled ratio of the county's
state, then of the nation. A county whose row shows *zero submissions* after months of activation
(39 small counties, which probably book in a neighbour's or a regional jail) keeps
``bookings_per_day = 0`` with ``source='county'``: the real table counts no bookings there, and
inventing some would push the simulated totals above the real ones the simulator is calibrated
to (Mississippi alone has 19 such counties).

Counties with no usable row are **imputed** (``source='imputed'``): the 122 not activated by
2012-08-31 or not listed separately by ICE (e.g. Cook County IL, activated only in January 2013,
and the NYC boroughs, which ICE counted in one "New York City" row on 36085), and any county
active fewer than 30 days, where a per-day rate is noise (none in the 2012-08-31 table).
The data has no population, so an imputed county books at the *median* ``bookings_per_day`` of
its state's counties with submissions (the national median where the state has none, i.e. DC),
and its ratios are the state's pooled ratios (national where the state has none). That makes
large imputed counties (Cook) much too small; it is the best the county-level data allows, and
the flag lets the report say so.
"""

from __future__ import annotations

import functools
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeVar

from scomm.domain.errors import InvalidInput
from scomm.sim.jurisdictions import (
    ICE_STATS_THROUGH,
    IceCountyStats,
    Jurisdiction,
    load_jurisdictions,
)

STATS_END: date = ICE_STATS_THROUGH
"""Last day (inclusive) counted in ICE's county table."""

MIN_DAYS_ACTIVE = 30
"""Below this many days active a county's per-day booking rate is too noisy to use."""

RateSource = Literal["county", "imputed"]

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class RemovalMix:
    """Shares of a county's removals by ICE category; they sum to 1."""

    convicted_level1: float
    convicted_level2: float
    convicted_level3: float
    ice_fugitives: float
    prior_removals_returns: float
    ewi_visa_violators_overstays: float

    @classmethod
    def of(cls, stats: IceCountyStats) -> RemovalMix | None:
        """The mix in ``stats``, or None when it has no removals to take shares of."""
        total = stats.removals_total
        if total == 0:
            return None
        return cls(
            convicted_level1=stats.removals_convicted_level1 / total,
            convicted_level2=stats.removals_convicted_level2 / total,
            convicted_level3=stats.removals_convicted_level3 / total,
            ice_fugitives=stats.removals_ice_fugitives / total,
            prior_removals_returns=stats.removals_prior_removals_returns / total,
            ewi_visa_violators_overstays=stats.removals_ewi_visa_violators_overstays / total,
        )


@dataclass(frozen=True, slots=True)
class CountyRates:
    """What the simulator draws from for one county (derivation: module docstring)."""

    fips5: str
    bookings_per_day: float
    ident_match_rate: float
    level1_share: float
    removal_rate_per_match: float
    removal_mix: RemovalMix
    source: RateSource


@dataclass(frozen=True, slots=True)
class ExpectedCounts:
    """ICE's real counts for one county over a window, pro-rated and scaled.

    ``first_day``/``last_day`` bound the part of the requested window that ICE's table covers for
    the county (from activation through 2012-08-31); ``days`` is its length, 0 when the window
    misses it. ``has_real_stats`` is False when ICE published no row for the county: then every
    count is 0 because the real table says nothing, not because nothing happened.
    """

    fips5: str
    first_day: date | None
    last_day: date | None
    days: int
    submissions: float
    ident_matches_level1: float
    ident_matches_level2_3: float
    ident_matches_total: float
    removals_total: float
    has_real_stats: bool

    @property
    def matches(self) -> float:
        """Total IDENT matches (``ident_matches_total``), the figure compared most often."""
        return self.ident_matches_total


def days_active(j: Jurisdiction) -> int:
    """Days from activation through 2012-08-31, both inclusive; 0 if activated later."""
    return max(0, (STATS_END - j.activation_date).days + 1)


def _usable(j: Jurisdiction) -> IceCountyStats | None:
    """The county's own row when it can give a per-day booking rate."""
    if j.ice_stats is None or days_active(j) < MIN_DAYS_ACTIVE:
        return None
    return j.ice_stats


@dataclass(frozen=True, slots=True)
class _Pool:
    """Pooled ratios and the median booking rate over a set of counties."""

    median_bookings_per_day: float | None
    ident_match_rate: float | None
    level1_share: float | None
    removal_rate_per_match: float | None
    removal_mix: RemovalMix | None

    @classmethod
    def over(cls, counties: Iterable[Jurisdiction]) -> _Pool:
        rows: list[IceCountyStats] = []
        per_day: list[float] = []
        for j in counties:
            stats = _usable(j)
            if stats is None or stats.submissions == 0:
                continue
            rows.append(stats)
            per_day.append(stats.submissions / days_active(j))
        total = IceCountyStats.total(rows)
        matches = total.ident_matches_total
        return cls(
            median_bookings_per_day=statistics.median(per_day) if per_day else None,
            ident_match_rate=matches / total.submissions if total.submissions else None,
            level1_share=total.ident_matches_level1 / matches if matches else None,
            removal_rate_per_match=total.removals_total / matches if matches else None,
            removal_mix=RemovalMix.of(total),
        )


@dataclass(frozen=True, slots=True)
class _Pools:
    national: _Pool
    by_state: Mapping[str, _Pool]


@functools.cache
def _pools() -> _Pools:
    """State and national pools over all 3,143 counties, so that a county's imputed rate does
    not depend on which other counties a scenario happens to select."""
    by_state: dict[str, list[Jurisdiction]] = defaultdict(list)
    everyone = list(load_jurisdictions().values())
    for j in everyone:
        by_state[j.state_abbr].append(j)
    return _Pools(
        national=_Pool.over(everyone),
        by_state={state: _Pool.over(js) for state, js in by_state.items()},
    )


def _first(*candidates: _T | None) -> _T:
    for value in candidates:
        if value is not None:
            return value
    raise AssertionError("the national pool always has every ratio")


def county_rates(j: Jurisdiction) -> CountyRates:
    """Rates for one county: its own where its row supports them, else pooled (module doc)."""
    pools = _pools()
    state = pools.by_state.get(j.state_abbr, pools.national)
    national = pools.national
    stats = _usable(j)
    if stats is None:
        return CountyRates(
            fips5=j.fips5,
            bookings_per_day=_first(
                state.median_bookings_per_day, national.median_bookings_per_day
            ),
            ident_match_rate=_first(state.ident_match_rate, national.ident_match_rate),
            level1_share=_first(state.level1_share, national.level1_share),
            removal_rate_per_match=_first(
                state.removal_rate_per_match, national.removal_rate_per_match
            ),
            removal_mix=_first(state.removal_mix, national.removal_mix),
            source="imputed",
        )
    subs, matches = stats.submissions, stats.ident_matches_total
    return CountyRates(
        fips5=j.fips5,
        bookings_per_day=subs / days_active(j),
        ident_match_rate=_first(
            matches / subs if subs else None, state.ident_match_rate, national.ident_match_rate
        ),
        level1_share=_first(
            stats.ident_matches_level1 / matches if matches else None,
            state.level1_share,
            national.level1_share,
        ),
        removal_rate_per_match=_first(
            stats.removals_total / matches if matches else None,
            state.removal_rate_per_match,
            national.removal_rate_per_match,
        ),
        removal_mix=_first(RemovalMix.of(stats), state.removal_mix, national.removal_mix),
        source="county",
    )


def rates_for(jurisdictions: Iterable[Jurisdiction]) -> dict[str, CountyRates]:
    """Rates for each of ``jurisdictions`` by fips5 (pools always use the whole nation)."""
    return {j.fips5: county_rates(j) for j in jurisdictions}


def expected_counts(j: Jurisdiction, start: date, end: date, scale: float) -> ExpectedCounts:
    """ICE's real counts for ``j`` over [start, end] ∩ [activation, 2012-08-31], times ``scale``.

    ICE published only cumulative totals, so the window's share is pro-rated by days: a county
    active 1,000 days that the window covers for 250 is expected to show a quarter of its totals.
    ``scale`` is the simulation's sampling fraction (0.01 simulates 1 in 100 bookings). These are
    the "real (scaled)" numbers the simulator prints next to its own. An empty window (``end``
    before ``start``, e.g. a scenario that starts after 2012-08-31 clipped to ``STATS_END``)
    yields zero days and zero counts rather than an error.
    """
    if not scale > 0:
        raise InvalidInput("scale", f"must be a positive fraction, got {scale!r}")
    first = max(start, j.activation_date)
    last = min(end, STATS_END)
    days = max(0, (last - first).days + 1)
    stats = j.ice_stats
    if stats is None or days == 0:
        return ExpectedCounts(
            fips5=j.fips5,
            first_day=first if days else None,
            last_day=last if days else None,
            days=days,
            submissions=0.0,
            ident_matches_level1=0.0,
            ident_matches_level2_3=0.0,
            ident_matches_total=0.0,
            removals_total=0.0,
            has_real_stats=stats is not None,
        )
    factor = days / days_active(j) * scale
    return ExpectedCounts(
        fips5=j.fips5,
        first_day=first,
        last_day=last,
        days=days,
        submissions=stats.submissions * factor,
        ident_matches_level1=stats.ident_matches_level1 * factor,
        ident_matches_level2_3=stats.ident_matches_level2_3 * factor,
        ident_matches_total=stats.ident_matches_total * factor,
        removals_total=stats.removals_total * factor,
        has_real_stats=True,
    )


def national_totals() -> IceCountyStats:
    """Sums of ICE's county table over all counties; equal to ``ICE_NATIONAL_TOTALS`` (checked
    when the data is loaded)."""
    return IceCountyStats.total(
        j.ice_stats for j in load_jurisdictions().values() if j.ice_stats is not None
    )
