"""Record sources answer late or not at all, the same way every time for the same query."""

from __future__ import annotations

import pytest

from scomm.adapters.sources import SourceProfile, attempt, default_profiles
from scomm.domain.errors import InvalidInput
from scomm.sim import scenario as scenarios

BASE = {"name": "s", "period": {"start": "2010-01-01", "end": "2010-02-01"},
        "states": ["NM"], "scale": 0.01}


def test_every_listed_source_has_a_profile() -> None:
    from scomm.agencies.lesc import SOURCES

    assert set(default_profiles().sources) == set(SOURCES)
    assert len(SOURCES) >= 8


def test_an_attempt_is_reproducible_and_retries_cost_time() -> None:
    profile = default_profiles().sources["EOIR"]
    assert attempt(profile, "C-1", "EOIR", "lesc", "0") == attempt(profile, "C-1", "EOIR",
                                                                   "lesc", "0")
    outcomes = [attempt(profile, f"C-{i}", "EOIR", "lesc", "0") for i in range(4000)]
    answered = [o for o in outcomes if o.available]
    assert len(answered) / len(outcomes) > 0.999  # 3 attempts at 97% each
    retried = [o for o in answered if o.attempts > 1]
    assert retried and min(o.latency_ms for o in retried) >= profile.retry_after_ms
    latencies = sorted(o.latency_ms for o in answered if o.attempts == 1)
    median = latencies[len(latencies) // 2]
    assert 0.8 * profile.latency_ms.median < median < 1.2 * profile.latency_ms.median


def test_a_source_that_is_down_gives_no_answer() -> None:
    down = SourceProfile.model_validate({"latency_ms": {"median": 10, "p95": 20},
                                         "availability": 1e-9, "attempts": 2,
                                         "retry_after_ms": 1000})
    outcome = attempt(down, "C-1", "CLAIMS", "lesc", "0")
    assert (outcome.available, outcome.attempts, outcome.latency_ms) == (False, 2, 2000)


@pytest.mark.parametrize(("sources", "where"), [
    ({"MARS": {"availability": 0.5}}, "unknown source"),
    ({"EOIR": {"availability": 1.5}}, "EOIR.availability"),
    ({"EOIR": {"latency": 3}}, "EOIR.latency"),
])
def test_a_scenario_names_the_bad_source_setting(sources: dict[str, object], where: str) -> None:
    with pytest.raises(InvalidInput, match=where):
        scenarios.parse({**BASE, "sources": sources})


def test_a_scenario_can_take_a_source_down() -> None:
    s = scenarios.parse({**BASE, "sources": {"EOIR": {"availability": 0.5}}})
    assert default_profiles().with_overrides(s.sources).sources["EOIR"].availability == 0.5
