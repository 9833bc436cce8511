"""The ledger draws the counts the monitor would read from a full replay of the same nation."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from scomm.adapters import db
from scomm.domain.errors import InvalidInput
from scomm.oversight.monitor import Unit, units_from_store
from scomm.policy.catalog import load_catalog
from scomm.sim import scenario as scenarios
from scomm.sim.ledger import draw_units
from scomm.sim.monitor_trials import run_trial

TINY = Path(__file__).parents[1] / "data" / "tiny.yaml"


def _total(units: dict[tuple[str, str], Unit]) -> Unit:
    total = Unit()
    for u in units.values():
        total += u
    return total


def test_the_ledger_agrees_with_a_replay_of_the_same_scenario(tiny_run: Any) -> None:
    engine = db.make_engine(db.default_url(tiny_run.out_dir))
    with engine.connect() as conn:
        stored = _total(units_from_store(conn, load_catalog()))
    engine.dispose()
    spec = scenarios.load(TINY)
    drawn = Unit()
    for seed in range(20):
        drawn += _total(draw_units(spec.model_copy(update={"seed": seed})))
    assert abs(drawn.bookings / 20 - stored.bookings) < 4 * math.sqrt(stored.bookings)
    for events, trials in (("matches", "shared"), ("discretionary", "bookings"),
                           ("other_hispanic", "other")):
        p = getattr(stored, events) / getattr(stored, trials)
        q = getattr(drawn, events) / getattr(drawn, trials)
        se = math.sqrt(q * (1 - q) / getattr(stored, trials))
        assert abs(p - q) < 4 * se, (events, p, q)


def test_the_ledger_counts_hispanic_bookings_only() -> None:
    spec = scenarios.parse({**scenarios.load(TINY).model_dump(by_alias=True), "behaviours": [
        {"kind": "pretextual_arrests", "counties": ["35013"], "group": "Not Hispanic",
         "multiplier": 2.0}]})
    with pytest.raises(InvalidInput, match=r"behaviours\[0\]\.group"):
        draw_units(spec)


def test_irving_like_injection_is_found_and_the_null_is_quiet() -> None:
    trial = run_trial(seed=3, states=("AZ", "NM", "CO"), k=3, multiplier=2.5)
    assert len(trial.injected) == 3
    assert trial.recall == 1.0
    assert trial.null_false_flag_share < 0.005
    assert trial.false_discovery_share < 0.2
    assert 1.2 < trial.petty_increase < 1.9  # Gardner & Kohli: about +150%
