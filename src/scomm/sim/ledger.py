"""The monitor's inputs at full booking volume, drawn without running the pipeline.

The profiling monitor has to be judged the way its users would judge it: over thousands of
jurisdictions at their real volume, over many seeds, with and without injected profiling.
Running fingerprints through the whole system for that (tens of millions of bookings a seed)
is out of reach, and unnecessary: the monitor reads only counts per jurisdiction and quarter
(``oversight.monitor.Unit``) — bookings, their recorded ethnicity, whether they were charged
only with minor traffic offences, whether they were shared with IDENT, matched, and at which
offence level. This ledger draws exactly those counts from the same synthetic nation the world
books from:

* a county's arrestees are the mixture of person classes ``nation.class_weights`` gives its
  rates (the same draw ``NationBuilder`` makes person by person), and each class's bookings are
  measured on a sample of its people, each booked several times with the world's own charge
  model (``ChargeModel.booking_codes``) and levelled as the support center levels them;
* bookings arrive at the county's calibrated rate times the scenario's scale; a booking after
  the county's activation is shared with IDENT, and matches when the person has an IDENT record
  (the 1:N search's measured error at this gallery size is nil, docs/benchmarks.md);
* the scenario's ``pretextual_arrests`` add the group's extra minor-traffic bookings at the
  rate the world adds them (``PretextualArrests.extra_per_day``).

Other behaviours (participation elections, officers' documentation) do not change these
counts and are not drawn here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scomm.domain.errors import InvalidInput
from scomm.oversight.complaints import quarter_of
from scomm.oversight.monitor import HISPANIC, Unit
from scomm.policy.catalog import OffenseCatalog, load_catalog
from scomm.policy.evaluator import sc_offense_level
from scomm.sim.calibration import CountyRates, rates_for
from scomm.sim.jurisdictions import Jurisdiction, select
from scomm.sim.nation import (
    ChargeModel,
    NationBuilder,
    PersonClass,
    class_weights,
    load_params,
    rng_for,
)
from scomm.sim.scenario import PretextualArrests, Scenario

STREAM_LEDGER = 7
PEOPLE_PER_CLASS = 2000
BOOKINGS_PER_PERSON = 4
CLASSES: tuple[PersonClass, ...] = ("ident_level1", "ident_other", "never_encountered",
                                    "citizen")

# A booking's type is four bits: (Hispanic, in IDENT, discretionary, Level 3).
HISP, IDENT, DISC, L3 = 8, 4, 2, 1
TYPES = np.arange(16)


@dataclass(frozen=True)
class ClassMix:
    """Per person class: the shares of its bookings by type, and of the extra minor-traffic
    bookings of its Hispanic members by type (with their share of the class)."""

    bookings: dict[PersonClass, NDArray[np.float64]]
    pretext: dict[PersonClass, NDArray[np.float64]]
    group_share: dict[PersonClass, float]


@cache
def _level(codes: tuple[str, ...], on: date) -> int:
    return sc_offense_level(codes, on) or 3


def class_mix(seed: int, start: date, end: date, catalog: OffenseCatalog) -> ClassMix:
    """Measure each class's booking types on ``PEOPLE_PER_CLASS`` of its people."""
    params = load_params()
    builder = NationBuilder(seed, start, end, catalog, params)
    charges = ChargeModel(catalog, params)
    on = start + (end - start) / 2
    rng = rng_for(seed, STREAM_LEDGER)
    bookings, pretext, share = {}, {}, {}
    for kind in CLASSES:
        counts, extra = np.zeros(16), np.zeros(16)
        members = 0
        for _ in range(PEOPLE_PER_CLASS):
            person = builder.of_class("00000", kind)
            base = HISP * (person.ethnicity == HISPANIC) + IDENT * (person.ident_id is not None)
            for _ in range(BOOKINGS_PER_PERSON):
                codes = charges.booking_codes(rng, person)
                disc = all(catalog.get(c).minor_traffic for c in codes)
                counts[base + DISC * disc + L3 * (_level(codes, on) == 3)] += 1
            if person.ethnicity == HISPANIC:
                members += 1
                code = charges.draw_minor_traffic(rng)
                extra[base + DISC + L3 * (_level((code,), on) == 3)] += 1
        bookings[kind] = counts / counts.sum()
        pretext[kind] = extra / extra.sum() if members else extra
        share[kind] = members / PEOPLE_PER_CLASS
    return ClassMix(bookings, pretext, share)


def _quarters(start: date, end: date) -> Iterator[tuple[str, date, date]]:
    first = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    while first <= end:
        month = first.month + 3
        after = date(first.year + (month > 12), (month - 1) % 12 + 1, 1)
        yield quarter_of(first.month, first.year), max(first, start), min(
            after - timedelta(days=1), end)
        first = after


def _days(first: date, last: date) -> int:
    return max(0, (last - first).days + 1)


def _unit(types: NDArray[np.int64], shared: NDArray[np.int64]) -> Unit:
    """Counts of bookings by type (all, and those shared with IDENT) as a monitor unit."""
    t = TYPES
    hisp, ident, disc, l3 = (t & HISP) > 0, (t & IDENT) > 0, (t & DISC) > 0, (t & L3) > 0
    total = int(types.sum())
    return Unit(bookings=total, with_ethnicity=total, shared=int(shared.sum()),
                matches=int(shared[ident].sum()), minor_matches=int(shared[ident & l3].sum()),
                discretionary=int(types[disc].sum()),
                discretionary_hispanic=int(types[disc & hisp].sum()),
                other=int(types[~disc].sum()), other_hispanic=int(types[~disc & hisp].sum()))


def draw_units(scenario: Scenario, mix: ClassMix | None = None,
               jurisdictions: list[Jurisdiction] | None = None
               ) -> dict[tuple[str, str], Unit]:
    """(fips5, quarter) -> the counts the monitor would read after replaying ``scenario``."""
    start, end = scenario.period.start, scenario.period.end
    catalog = load_catalog()
    mix = mix or class_mix(scenario.seed, start, end, catalog)
    selected = jurisdictions or select(scenario.states, scenario.counties)
    rates = rates_for(selected)
    params = load_params()
    pretextual = [b for b in scenario.behaviours if isinstance(b, PretextualArrests)]
    for i, b in enumerate(pretextual):
        if b.group != HISPANIC:
            raise InvalidInput(f"behaviours[{i}].group",
                               f"the ledger counts {HISPANIC} bookings only, not {b.group}")
    rng = rng_for(scenario.seed, STREAM_LEDGER, 1)
    units: dict[tuple[str, str], Unit] = {}
    for j in selected:
        p, extra_p = _county_mix(mix, params, rates[j.fips5])
        usual = float(p[((TYPES & HISP) > 0) & ((TYPES & DISC) > 0)].sum())
        here = [b for b in pretextual if b.applies_to(j.fips5, j.state_abbr, j.aor or "")]
        per_day = rates[j.fips5].bookings_per_day * scenario.scale
        for label, first, last in _quarters(start, end):
            before = _days(first, min(last, j.activation_date - timedelta(days=1)))
            after = _days(max(first, j.activation_date), last)
            pre = rng.multinomial(rng.poisson(per_day * before), p)
            post = rng.multinomial(rng.poisson(per_day * after), p)
            for b in here:
                days = (first + timedelta(days=d) for d in range(_days(first, last)))
                covered = [d for d in days if b.covers(j.fips5, j.state_abbr, j.aor or "", d)]
                rate = b.extra_per_day(per_day, usual)
                on_after = sum(d >= j.activation_date for d in covered)
                pre += rng.multinomial(rng.poisson(rate * (len(covered) - on_after)), extra_p)
                post += rng.multinomial(rng.poisson(rate * on_after), extra_p)
            units[(j.fips5, label)] = _unit(pre + post, post)
    return units


def _county_mix(mix: ClassMix, params: Mapping[str, Any], rates: CountyRates
                ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A county's booking types, and the types of the injected group's extra bookings."""
    w = class_weights(params, rates)
    p = sum((w[k] * mix.bookings[k] for k in CLASSES), np.zeros(16))
    extra = sum((w[k] * mix.group_share[k] * mix.pretext[k] for k in CLASSES), np.zeros(16))
    return p / p.sum(), extra / extra.sum() if extra.sum() else extra


def group_share(mix: ClassMix, params: Mapping[str, Any], rates: CountyRates) -> float:
    w = class_weights(params, rates)
    return float(sum(w[k] * mix.group_share[k] for k in CLASSES))
