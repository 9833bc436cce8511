"""How often the profiling monitor cries wolf, and how quickly it sees a real wolf.

A monitor is only worth its flags if, where nothing is wrong, almost nothing is flagged, and
where officers do what Irving's officers did (Gardner & Kohli 2009: about 150% more arrests of
Hispanics for petty offences once ICE could be reached from the jail), the county is flagged
soon. Each trial replays the same synthetic nation twice at full booking volume through the
ledger (sim/ledger.py): once as it is, once with pretextual arrests injected in ``k``
Irving-like counties from their activation day, and screens both with the monitor.

An Irving-like county is one big and Hispanic enough for its petty arrests to be counted:
at least ``MIN_BOOKINGS_PER_DAY`` bookings a day (Irving's jail booked some 40) and at least
``MIN_GROUP_SHARE`` of arrestees recorded Hispanic, activated inside the replayed period with
at least two quarters before it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from scomm.oversight.monitor import MonitorRow, Unit, screen
from scomm.policy.catalog import load_catalog
from scomm.sim.calibration import rates_for
from scomm.sim.jurisdictions import Jurisdiction, select
from scomm.sim.ledger import ClassMix, class_mix, draw_units, group_share
from scomm.sim.nation import load_params, rng_for
from scomm.sim.scenario import PretextualArrests, Scenario

MIN_BOOKINGS_PER_DAY = 20.0
MIN_GROUP_SHARE = 0.25
STREAM_TRIALS = 8
PERIOD = (date(2008, 10, 1), date(2012, 9, 30))


@dataclass(frozen=True)
class Trial:
    """One seed: the null replay's flags and the injected replay's detections."""

    seed: int
    screened: int
    null_flags: int
    injected: tuple[str, ...]
    detected: tuple[str, ...]
    detected_persistent: tuple[str, ...]
    true_flags: int
    false_flags: int
    petty_increase: float

    @property
    def null_false_flag_share(self) -> float:
        """Flagged jurisdiction-quarters among those screened, where nothing was injected."""
        return self.null_flags / self.screened if self.screened else 0.0

    @property
    def false_discovery_share(self) -> float:
        """Among the injected replay's flags, the share in counties nobody injected."""
        flags = self.true_flags + self.false_flags
        return self.false_flags / flags if flags else 0.0

    @property
    def recall(self) -> float:
        return len(self.detected) / len(self.injected) if self.injected else 1.0


def quarter_of_day(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def next_quarter(quarter: str) -> str:
    year, n = int(quarter[:4]), int(quarter[-1])
    return f"{year + 1}Q1" if n == 4 else f"{year}Q{n + 1}"


def irving_like(jurisdictions: list[Jurisdiction], mix: ClassMix,
                start: date, end: date) -> list[Jurisdiction]:
    params, rates = load_params(), rates_for(jurisdictions)
    return [j for j in jurisdictions
            if rates[j.fips5].bookings_per_day >= MIN_BOOKINGS_PER_DAY
            and group_share(mix, params, rates[j.fips5]) >= MIN_GROUP_SHARE
            and start + timedelta(days=183) <= j.activation_date <= end - timedelta(days=183)]


def run_trial(seed: int, states: tuple[str, ...], k: int, multiplier: float,
              mix: ClassMix | None = None) -> Trial:
    start, end = PERIOD
    base = Scenario.model_validate({
        "name": f"monitor-trial-{seed}", "period": {"start": start, "end": end},
        "states": states, "scale": 1.0, "seed": seed})
    mix = mix or class_mix(seed, start, end, load_catalog())
    selected = select(base.states, base.counties)
    pool = irving_like(selected, mix, start, end)
    rng = rng_for(seed, STREAM_TRIALS)
    chosen = [pool[i] for i in sorted(rng.choice(len(pool), size=min(k, len(pool)),
                                                 replace=False))]
    injected = base.model_copy(update={"behaviours": tuple(
        PretextualArrests.model_validate({"kind": "pretextual_arrests", "counties": [j.fips5],
                                          "from": j.activation_date, "multiplier": multiplier})
        for j in chosen)})
    null_units = draw_units(base, mix, selected)
    null_rows = screen(null_units)
    units = draw_units(injected, mix, selected)
    rows = screen(units)
    windows = {j.fips5: {quarter_of_day(j.activation_date),
                         next_quarter(quarter_of_day(j.activation_date))} for j in chosen}
    flagged = _flagged(rows)
    return Trial(
        seed=seed, screened=len({(r.fips5, r.quarter) for r in null_rows if not r.gate}),
        null_flags=len(_flagged(null_rows)), injected=tuple(windows),
        detected=tuple(f for f, w in windows.items() if any((f, q) in flagged for q in w)),
        detected_persistent=tuple(f for f, w in windows.items() if _persistent(rows, f, w)),
        true_flags=sum(1 for f, _ in flagged if f in windows),
        false_flags=sum(1 for f, _ in flagged if f not in windows),
        petty_increase=_petty_increase(units, null_units, chosen, end))


def _flagged(rows: list[MonitorRow]) -> set[tuple[str, str]]:
    return {(r.fips5, r.quarter) for r in rows if r.flagged}


def _persistent(rows: list[MonitorRow], fips5: str, window: set[str]) -> bool:
    return any(r.persistent for r in rows if r.fips5 == fips5 and r.quarter in window)


def _petty_increase(units: dict[tuple[str, str], Unit], null: dict[tuple[str, str], Unit],
                    chosen: list[Jurisdiction], end: date) -> float:
    """The injected counties' Hispanic minor-traffic bookings after activation against the
    same replay without the injection (Gardner & Kohli's about +150%)."""
    after = [(j.fips5, q) for j in chosen for q in _quarters_after(j.activation_date, end)]
    with_ = sum(units[key].discretionary_hispanic for key in after)
    without = sum(null[key].discretionary_hispanic for key in after)
    return with_ / without - 1 if without else float("nan")


def _quarters_after(day: date, end: date) -> list[str]:
    out, q = [], next_quarter(quarter_of_day(day))
    while q <= quarter_of_day(end):
        out.append(q)
        q = next_quarter(q)
    return out


def summarise(trials: list[Trial]) -> dict[str, object]:
    def mean(f: Callable[[Trial], float]) -> float:
        return round(float(np.mean([f(t) for t in trials])), 5)

    return {
        "seeds": len(trials),
        "null": {"jurisdiction_quarters_screened_per_seed": mean(lambda t: t.screened),
                 "false_flags_per_seed": mean(lambda t: t.null_flags),
                 "false_flag_share": mean(lambda t: t.null_false_flag_share),
                 "seeds_with_any_flag": sum(1 for t in trials if t.null_flags)},
        "injected": {"counties_per_seed": mean(lambda t: len(t.injected)),
                     "recall_within_two_quarters": mean(lambda t: t.recall),
                     "min_recall": round(min(t.recall for t in trials), 5),
                     "persistent_by_second_quarter": mean(
                         lambda t: len(t.detected_persistent) / max(1, len(t.injected))),
                     "false_discovery_share": mean(lambda t: t.false_discovery_share),
                     "hispanic_petty_arrest_increase": mean(lambda t: t.petty_increase)},
    }
