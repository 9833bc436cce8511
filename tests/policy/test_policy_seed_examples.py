"""The three people OIG-12-64 (seed 001, "Minor Charges") gives as examples of matches
arrested on minor charges whom ICE asked to detain, decided under the rules in force.

Each is coded with catalog NCIC codes; where the seed says only "drug trafficking" or
"larceny", the code is the catalog's nearest (3560 marijuana sale, 2311 larceny from a bank).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from scomm.policy.evaluator import decide
from scomm.policy.facts import ConvictionRecord, DecisionFacts

Facts = Callable[..., DecisionFacts]
Conv = Callable[..., ConvictionRecord]
FY2011 = date(2011, 9, 1)  # the OIG sample's year: 2011 priorities and discretion
AFTER_MINOR_TRAFFIC = date(2012, 6, 1)


def _fleeing_reentrant(f: Facts, c: Conv) -> DecisionFacts:
    """Fled officers after a traffic violation; served 2 years for illegal reentry; 11
    convictions including drug trafficking and assault."""
    convictions = (c("0399", date(2004, 2, 1), days=730), c("3560", date(2006, 5, 1), days=400),
                   c("1313", date(2007, 1, 1), days=90),
                   *(c("2303", date(2008, 1, 1 + i), days=10) for i in range(8)))
    assert len(convictions) == 11
    return f(status="removed_reentered", charges=("5488",), convictions=convictions,
             prior_removal=True)


def _drug_possessor(f: Facts, c: Conv) -> DecisionFacts:
    """Possessed illegal drugs; prior aggravated felonies including larceny and fraud."""
    return f(status="overstay", charges=("3562",),
             convictions=(c("2311", date(2005, 3, 1), days=730),
                          c("2699", date(2007, 3, 1), days=365, loss=25_000)))


def _unlicensed_driver(f: Facts, c: Conv) -> DecisionFacts:
    """Drove without a license; prior convictions for assault and larceny; removed before."""
    return f(status="removed_reentered", charges=("5481",),
             convictions=(c("1313", date(2006, 1, 1), days=30),
                          c("2399", date(2008, 1, 1), days=30)),
             prior_removal=True)


@pytest.mark.parametrize("on", [FY2011, AFTER_MINOR_TRAFFIC])
@pytest.mark.parametrize("person, level, rule", [
    (_fleeing_reentrant, 1, "CL-1"),
    (_drug_possessor, 1, "CL-1"),
    (_unlicensed_driver, 3, "CL-3"),
])
def test_oig_examples_are_priority_1_detainers(make_facts: Facts, make_conviction: Conv,
                                               person: Any, level: int, rule: str,
                                               on: date) -> None:
    d = decide(person(make_facts, make_conviction), on)
    assert (d.priority, d.conviction_level, d.recommended_action) == (1, level, "detainer")
    assert rule in [t.rule_id for t in d.trace]
    # the minor charge does not lower the priority: the history decides (seed 001 p.3)
    assert "MT-conditional-detainer" not in [t.rule_id for t in d.trace]
