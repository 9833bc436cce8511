"""The audit sampler reproduces the AICPA tables and the OIG-12-64 figures."""

from __future__ import annotations

import pytest

from scomm.domain.errors import InvalidInput
from scomm.oversight.sampling import draw, evaluate, plan


@pytest.mark.parametrize(("tdr", "n"), [(0.02, 149), (0.03, 99), (0.04, 74), (0.05, 59),
                                        (0.06, 49), (0.07, 42), (0.08, 36), (0.09, 32),
                                        (0.10, 29), (0.15, 19), (0.20, 14)])
def test_table_a1_zero_expected(tdr: float, n: int) -> None:
    assert plan(tdr, risk=0.05).n == n


@pytest.mark.parametrize(("tdr", "risk", "expected", "n", "k"), [
    (0.05, 0.05, 0.01, 93, 1), (0.04, 0.05, 0.01, 156, 2), (0.06, 0.05, 0.015, 103, 2),
    (0.05, 0.05, 0.02, 181, 4), (0.05, 0.10, 0.0, 45, 0), (0.02, 0.10, 0.0, 114, 0),
])
def test_table_a1_a2_other_cells(tdr: float, risk: float, expected: float, n: int,
                                 k: int) -> None:
    p = plan(tdr, risk=risk, expected_rate=expected)
    assert (p.n, p.expected_deviations) == (n, k)


def test_a_small_population_needs_fewer_cases() -> None:
    small = plan(0.05, population=200)
    assert small.method == "hypergeometric" and small.n < 59


def test_oig_12_64_replicated() -> None:
    e = evaluate(sampled=766, incomplete=43, deviations=25)
    assert e.assessed == 723 and round(e.compliance_rate * 100, 2) == 96.54
    low, high = e.intervals["clopper_pearson"]
    assert (round(low * 100, 2), round(high * 100, 2)) == (94.94, 97.75)
    low, high = e.intervals["wilson"]
    assert (round(low * 100, 2), round(high * 100, 2)) == (94.95, 97.65)
    assert round(e.upper_deviation_limit * 100, 2) == 4.80
    assert round(e.incomplete_rate * 100, 2) == 5.61


@pytest.mark.parametrize(("n", "k", "limit"), [(50, 0, 5.8), (50, 1, 9.1), (50, 2, 12.1),
                                               (100, 0, 3.0), (100, 4, 8.9), (200, 2, 3.1)])
def test_table_a3_upper_limits(n: int, k: int, limit: float) -> None:
    assert round(evaluate(n, 0, k).upper_deviation_limit * 100, 1) == limit


def test_the_draw_is_reproducible_and_stratified_in_proportion() -> None:
    units = [f"C-{i:04d}" for i in range(1000)]
    assert draw(units, 50, seed=7) == draw(list(reversed(units)), 50, seed=7)
    assert draw(units, 50, seed=7) != draw(units, 50, seed=8)
    strata = {u: ("ELP" if i < 700 else "PHI") for i, u in enumerate(units)}
    sample = draw(units, 50, seed=7, strata=strata)
    assert sum(strata[u] == "ELP" for u in sample) == 35 and len(set(sample)) == 50


@pytest.mark.parametrize(("call", "field"), [
    (lambda: plan(0.0), "tolerable_rate"), (lambda: plan(0.05, expected_rate=0.06),
                                            "expected_rate"),
    (lambda: evaluate(10, 10, 0), "incomplete"), (lambda: evaluate(10, 2, 9), "deviations"),
    (lambda: draw(["a", "a"], 1, 0), "population"), (lambda: draw(["a"], 2, 0), "n"),
])
def test_bad_input_names_the_field(call: object, field: str) -> None:
    with pytest.raises(InvalidInput, match=field):
        call()  # type: ignore[operator]
