"""The rollout analysis: a known effect recovered, a null covered, an unfair order flagged."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from scomm.entrypoints.cli import app
from scomm.oversight.monitor import Unit
from scomm.oversight.rollout import CountyRollout, activation_equity, panel, staggered_did
from scomm.policy.catalog import load_catalog
from scomm.sim.jurisdictions import select
from scomm.sim.ledger import class_mix, draw_units
from scomm.sim.scenario import PretextualArrests, Scenario

STATES = ("TX", "NM", "AZ", "CO")


def _known_truth(seed: int) -> tuple[pd.DataFrame, float]:
    """600 units over 16 periods, cohorts 6 and 10 and never treated, an effect of 2 growing
    by 0.1 a period (the heterogeneous dynamic effect that biases TWFE)."""
    rng = np.random.default_rng(seed)
    rows, effects = [], []
    for i in range(600):
        g, a = int(rng.choice([6, 10, 0])), rng.normal()
        for t in range(1, 17):
            te = 2.0 + 0.1 * (t - g) if g and t >= g else 0.0
            if te:
                effects.append(te)
            rows.append({"fips5": f"{i:05d}", "id": i + 1, "t": t, "g": g,
                         "y": a + 0.2 * t + te + rng.normal()})
    return pd.DataFrame(rows), float(np.mean(effects))


def test_a_known_staggered_effect_is_recovered() -> None:
    df, truth = _known_truth(1)
    est = staggered_did(df)
    assert est.low < truth < est.high
    assert abs(est.att - truth) < 3 * est.se
    assert est.twfe < est.low  # the two-way fixed-effects contrast is biased down here
    assert est.pretrend_p > 0.01
    assert min(e.e for e in est.events) < 0 < max(e.e for e in est.events)


@pytest.fixture(scope="module")
def replay() -> tuple[Scenario, Any]:
    spec = Scenario.model_validate({"name": "rollout", "period": {
        "start": "2008-10-01", "end": "2012-09-30"}, "states": STATES, "scale": 1.0,
        "seed": 5})
    return spec, class_mix(5, spec.period.start, spec.period.end, load_catalog())


def test_a_null_rollout_covers_zero_and_an_injected_one_does_not(
        replay: tuple[Scenario, Any]) -> None:
    spec, mix = replay
    null = staggered_did(panel(draw_units(spec, mix)))
    assert null.low < 0 < null.high
    injected = spec.model_copy(update={"behaviours": tuple(
        PretextualArrests.model_validate({"kind": "pretextual_arrests", "counties": [j.fips5],
                                          "from": j.activation_date, "multiplier": 1.5})
        for j in select(STATES, ()))})
    shifted = staggered_did(panel(draw_units(injected, mix)))
    assert shifted.low > 0


def _counties(replay: tuple[Scenario, Any]) -> list[CountyRollout]:
    spec, mix = replay
    totals: dict[str, Unit] = {}
    for (fips5, _), u in draw_units(spec, mix).items():
        totals.setdefault(fips5, Unit())
        totals[fips5] += u
    return [CountyRollout(j.fips5, j.state_abbr, j.activation_date,
                          (totals[j.fips5].discretionary_hispanic
                           + totals[j.fips5].other_hispanic) / totals[j.fips5].bookings,
                          totals[j.fips5].bookings / 1461)
            for j in select(STATES, ()) if totals[j.fips5].bookings]


def test_an_ethnicity_driven_schedule_is_flagged_a_shuffled_one_is_not(
        replay: tuple[Scenario, Any]) -> None:
    counties = _counties(replay)
    by_share = sorted(counties, key=lambda c: -c.hispanic_share)
    first = date(2009, 1, 1)
    driven = [CountyRollout(c.fips5, c.state, first + timedelta(days=2 * i), c.hispanic_share,
                            c.bookings_per_day) for i, c in enumerate(by_share)]
    assert activation_equity(driven).flagged
    days = [c.activated_on for c in counties]
    np.random.default_rng(2).shuffle(days)
    shuffled = activation_equity([CountyRollout(c.fips5, c.state, d, c.hispanic_share,
                                                c.bookings_per_day)
                                  for c, d in zip(counties, days, strict=True)])
    assert not shuffled.flagged and shuffled.raw_p > 0.05


def test_a_store_too_small_for_the_estimate_is_refused_clearly(tiny_run: Any,
                                                               tmp_path: Path) -> None:
    url = f"sqlite:///{tiny_run.out_dir / 'scomm.db'}"
    result = CliRunner().invoke(app, ["oversight", "rollout", "--db", url,
                                      "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "panel" in result.output and "counties" in result.output
    assert not list(tmp_path.iterdir())
