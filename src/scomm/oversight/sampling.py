"""Attribute sampling for compliance audits: plan a sample, draw it, evaluate what it found.

The OIG judged Secure Communities on a sample (OIG-12-64: 766 FY2011 cases, 43 without
records, 698 of 723 consistent with policy). An oversight analyst repeating that audit needs
the same three steps an auditor uses (AICPA *Audit Sampling*, Appendix A): the smallest sample
that would reveal a deviation rate above the tolerable one at the chosen risk; a reproducible
draw from a frozen population (optionally stratified by field office); and the evaluation of
what the sample found, with the incomplete files reported as their own outcome and never
silently dropped. scipy supplies the distributions; the auditor's rules around them are here
because no maintained library implements them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from scomm.domain.errors import InvalidInput

#: Above this sampling fraction the finite population matters (hypergeometric, not binomial).
FINITE_FRACTION = 0.05


@dataclass(frozen=True)
class SamplePlan:
    n: int
    expected_deviations: int
    tolerable_rate: float
    risk: float
    expected_rate: float
    population: int | None
    method: str


def _check_share(name: str, value: float, low: float = 0.0, high: float = 1.0) -> None:
    if not low < value < high:
        raise InvalidInput(name, f"must be between {low} and {high} (exclusive), got {value}")


def plan(tolerable_rate: float, risk: float = 0.05, expected_rate: float = 0.0,
         population: int | None = None) -> SamplePlan:
    """The smallest n whose acceptable deviations (expected rate x n, rounded up) would be seen
    with probability at most ``risk`` if the true rate were the tolerable one; the rule behind
    AICPA Table A-1 (5% risk, 0% expected, 5% tolerable: 59)."""
    _check_share("tolerable_rate", tolerable_rate)
    _check_share("risk", risk, 0.0, 0.5)
    if not 0.0 <= expected_rate < tolerable_rate:
        raise InvalidInput("expected_rate", "must be at least 0 and below the tolerable rate")
    if population is not None and population < 1:
        raise InvalidInput("population", "must be a positive count")
    limit = population or 100_000
    for n in range(1, limit + 1):
        k = math.ceil(round(expected_rate * n, 9))
        finite = population is not None and n / population > FINITE_FRACTION
        if population is not None and finite:
            defects = math.ceil(tolerable_rate * population)
            p = float(stats.hypergeom.cdf(k, population, defects, n))
        else:
            p = float(stats.binom.cdf(k, n, tolerable_rate))
        if p <= risk:
            return SamplePlan(n=n, expected_deviations=k, tolerable_rate=tolerable_rate,
                              risk=risk, expected_rate=expected_rate, population=population,
                              method="hypergeometric" if finite else "binomial")
    raise InvalidInput("tolerable_rate", "no sample of the population can reach that risk")


def draw(population: Sequence[str], n: int, seed: int,
         strata: Mapping[str, str] | None = None) -> list[str]:
    """A simple random sample without replacement, reproducible from ``seed``; with ``strata``
    (unit -> stratum), allocated to strata in proportion to their size (largest remainder).

    The population is sorted first, so the same frozen population and seed give the same
    sample whatever order it was read in."""
    units = sorted(set(population))
    if len(units) != len(population):
        raise InvalidInput("population", "the sampling units must be distinct")
    if not 0 < n <= len(units):
        raise InvalidInput("n", f"must be between 1 and the population size {len(units)}")
    rng = np.random.default_rng(seed)
    if strata is None:
        return sorted(units[i] for i in rng.choice(len(units), size=n, replace=False))
    missing = [u for u in units if u not in strata]
    if missing:
        raise InvalidInput("strata", f"no stratum for {missing[:3]}")
    groups: dict[str, list[str]] = defaultdict(list)
    for u in units:
        groups[strata[u]].append(u)
    shares = {g: n * len(m) / len(units) for g, m in sorted(groups.items())}
    take = {g: int(s) for g, s in shares.items()}
    for g in sorted(shares, key=lambda g: (int(shares[g]) - shares[g], g))[:n - sum(take.values())]:
        take[g] += 1
    out: list[str] = []
    for g, members in sorted(groups.items()):
        out += [members[i] for i in rng.choice(len(members), size=take[g], replace=False)]
    return sorted(out)


@dataclass(frozen=True)
class Evaluation:
    sampled: int
    incomplete: int
    assessed: int
    deviations: int
    deviation_rate: float
    compliance_rate: float
    #: two-sided intervals of the compliance rate, by method
    intervals: dict[str, tuple[float, float]]
    upper_deviation_limit: float
    deviation_limit_counting_incomplete: float
    incomplete_rate: float
    exceeds_tolerable: bool | None


def _intervals(k: int, n: int, confidence: float) -> dict[str, tuple[float, float]]:
    a = 1 - confidence
    test = stats.binomtest(k, n)
    exact, wilson = (test.proportion_ci(confidence, method=m) for m in ("exact", "wilson"))
    z = float(stats.norm.ppf(1 - a / 2))
    n_ac = n + z * z
    p_ac = (k + z * z / 2) / n_ac
    half = z * math.sqrt(p_ac * (1 - p_ac) / n_ac)
    jeffreys = (float(stats.beta.ppf(a / 2, k + 0.5, n - k + 0.5)) if k > 0 else 0.0,
                float(stats.beta.ppf(1 - a / 2, k + 0.5, n - k + 0.5)) if k < n else 1.0)
    return {"clopper_pearson": (exact.low, exact.high), "wilson": (wilson.low, wilson.high),
            "agresti_coull": (max(0.0, p_ac - half), min(1.0, p_ac + half)),
            "jeffreys": jeffreys}


def _upper(k: int, n: int, risk: float) -> float:
    return 1.0 if k >= n else float(stats.beta.ppf(1 - risk, k + 1, n - k))


def evaluate(sampled: int, incomplete: int, deviations: int, risk: float = 0.05,
             tolerable_rate: float | None = None, confidence: float = 0.95) -> Evaluation:
    """What a sample found: rates, two-sided intervals of compliance, the one-sided upper
    deviation limit at ``risk`` (AICPA Table A-3 style) and the same limit if every incomplete
    file were a deviation."""
    if sampled < 1 or not 0 <= incomplete < sampled:
        raise InvalidInput("incomplete", "must be at least 0 and fewer than the cases sampled")
    assessed = sampled - incomplete
    if not 0 <= deviations <= assessed:
        raise InvalidInput("deviations", f"must be between 0 and the {assessed} assessed cases")
    _check_share("risk", risk, 0.0, 0.5)
    upper = _upper(deviations, assessed, risk)
    return Evaluation(
        sampled=sampled, incomplete=incomplete, assessed=assessed, deviations=deviations,
        deviation_rate=deviations / assessed, compliance_rate=1 - deviations / assessed,
        intervals=_intervals(assessed - deviations, assessed, confidence),
        upper_deviation_limit=upper,
        deviation_limit_counting_incomplete=_upper(deviations + incomplete, sampled, risk),
        incomplete_rate=incomplete / sampled,
        exceeds_tolerable=None if tolerable_rate is None else upper > tolerable_rate)
