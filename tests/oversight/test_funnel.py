"""Funnel limits, over-dispersion and FDR: published check values, and ICE's own county table
where naive limits flag most counties and the corrected ones a few."""

from __future__ import annotations

import numpy as np
import pytest

from scomm.domain.errors import InvalidInput
from scomm.oversight.funnel import binomial_limit, funnel
from scomm.oversight.transparency import published
from scomm.sim.jurisdictions import ice_table_path


@pytest.mark.parametrize(("n", "limits"), [(100, (0.0015, 0.0217, 0.1246, 0.1607)),
                                           (1000, (0.0492, 0.0577, 0.0901, 0.1003))])
def test_exact_binomial_limits(n: int, limits: tuple[float, ...]) -> None:
    got = tuple(round(binomial_limit(p, n, 0.074), 4) for p in (0.001, 0.025, 0.975, 0.999))
    assert got == limits


def test_real_county_match_rates_naive_and_corrected() -> None:
    rows = [r for r in published(ice_table_path()) if r.submissions > 0]
    f = funnel([r.ident_matches_total for r in rows], [r.submissions for r in rows])
    assert (len(rows), round(f.theta, 4), round(f.phi, 1), round(f.tau, 4)) == (
        2982, 0.0547, 41.1, 0.0177)
    assert [int(f.flags(m).sum()) for m in ("naive", "multiplicative", "additive")] == [
        1907, 171, 56]
    fdr = f.fdr_flags()
    assert int(fdr.sum()) == 52 and bool((f.z_additive[fdr] > 0).all())


def test_no_dispersion_no_correction() -> None:
    rng = np.random.default_rng(1)
    n = rng.integers(200, 5000, size=500)
    f = funnel(rng.binomial(n, 0.1), n)
    assert 0.7 < f.phi < 1.3 and f.tau < 0.005
    assert int(f.fdr_flags().sum()) <= 2


def test_bad_units_are_refused() -> None:
    with pytest.raises(InvalidInput, match="trials"):
        funnel([1, 5], [10, 4])
