"""Funnel-plot statistics for comparing thousands of small jurisdictions fairly.

Ranking counties by a raw rate rewards and punishes small ones for chance alone. A funnel
compares each unit with a target rate at its own precision (Spiegelhalter, *Stat Med* 2005);
because real units differ for reasons no target captures (case mix, a border), the spread is
corrected for over-dispersion, multiplicatively or with an additive random effect (the
DerSimonian-Laird form; Spiegelhalter, *QSHC* 2005); and because thousands of units are
tested at once, flags for in-depth review are controlled for the false-discovery rate
(Benjamini-Hochberg; Jones, Ohlssen & Spiegelhalter 2008). These are a few lines of numpy and
scipy each; no maintained Python library packages the combination.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from scomm.domain.errors import InvalidInput

Z_ALARM = 3.09  # two-sided 99.8%


def binomial_limit(p: float, n: int, theta: float) -> float:
    """The exact interpolated binomial control limit at probability ``p`` for a unit of size
    ``n`` around ``theta`` (Spiegelhalter 2005, appendix), clipped to [0, 1]."""
    r = float(stats.binom.ppf(p, n, theta))
    f_r, f_below = float(stats.binom.cdf(r, n, theta)), float(stats.binom.cdf(r - 1, n, theta))
    alpha = (f_r - p) / (f_r - f_below) if f_r > f_below else 0.0
    return min(1.0, max(0.0, (r - alpha) / n))


@dataclass(frozen=True)
class Funnel:
    """One indicator across units: z-scores naive and corrected, and who is flagged."""

    theta: float
    phi: float
    tau: float
    z_naive: NDArray[np.float64]
    z_multiplicative: NDArray[np.float64]
    z_additive: NDArray[np.float64]
    q_additive: NDArray[np.float64]

    def flags(self, method: str, z_limit: float = Z_ALARM) -> NDArray[np.bool_]:
        z = {"naive": self.z_naive, "multiplicative": self.z_multiplicative,
             "additive": self.z_additive}[method]
        return np.asarray(np.abs(z) > z_limit)

    def fdr_flags(self, q: float = 0.05) -> NDArray[np.bool_]:
        return np.asarray(self.q_additive < q)


def funnel(events: NDArray[np.int64] | list[int], trials: NDArray[np.int64] | list[int],
           theta: float | NDArray[np.float64] | None = None, winsor: float = 0.10) -> Funnel:
    """Proportions ``events / trials`` against ``theta``: the pooled rate by default, one
    target for all, or each unit's own expected rate (indirect standardisation)."""
    x, n = np.asarray(events, dtype=float), np.asarray(trials, dtype=float)
    if x.shape != n.shape or x.size < 2:
        raise InvalidInput("events", "events and trials need the same length, at least 2")
    if (n <= 0).any() or (x < 0).any() or (x > n).any():
        raise InvalidInput("trials", "every unit needs 0 <= events <= trials and trials > 0")
    t = np.full(x.shape, x.sum() / n.sum()) if theta is None else np.broadcast_to(
        np.asarray(theta, dtype=float), x.shape)
    if ((t <= 0.0) | (t >= 1.0)).any():
        raise InvalidInput("theta", "the target rate must be strictly between 0 and 1")
    y = x / n
    s2 = t * (1 - t) / n
    d = _dispersion(y - t, s2, winsor)
    return Funnel(theta=float(np.average(t, weights=n)), phi=d.phi, tau=d.tau,
                  z_naive=d.z_naive, z_multiplicative=d.z_naive / np.sqrt(max(d.phi, 1.0)),
                  z_additive=d.z_additive, q_additive=d.q_additive)


@dataclass(frozen=True)
class Dispersion:
    """Estimates screened against zero: naive and random-effect z-scores and BH q-values."""

    phi: float
    tau: float
    z_naive: NDArray[np.float64]
    z_additive: NDArray[np.float64]
    q_additive: NDArray[np.float64]


def screen_estimates(estimates: NDArray[np.float64] | list[float],
                     se: NDArray[np.float64] | list[float],
                     covariates: NDArray[np.float64] | None = None,
                     winsor: float = 0.10) -> Dispersion:
    """Unit estimates (a difference in log-odds, say) with their standard errors, screened
    like a funnel against what their peers lead one to expect: the precision-weighted mean
    of all units, or with ``covariates`` (one row per unit) a weighted meta-regression on
    them — a peer model, so that a unit is compared with units like it. The spread beyond
    chance becomes an additive random effect before any unit is called an outlier."""
    e, s = np.asarray(estimates, dtype=float), np.asarray(se, dtype=float)
    if e.shape != s.shape or e.size < 2:
        raise InvalidInput("estimates", "estimates and se need the same length, at least 2")
    if not (np.isfinite(e).all() and np.isfinite(s).all() and (s > 0).all()):
        raise InvalidInput("se", "every estimate needs a finite value and a positive error")
    x = np.ones((e.size, 1)) if covariates is None else np.column_stack(
        [np.ones(e.size), np.asarray(covariates, dtype=float).reshape(e.size, -1)])
    if x.shape[1] >= e.size:
        raise InvalidInput("covariates", f"{x.shape[1] - 1} covariates for {e.size} units")
    w = 1 / s ** 2
    beta = np.linalg.lstsq(x * np.sqrt(w)[:, None], e * np.sqrt(w), rcond=None)[0]
    first = _dispersion(e - x @ beta, s ** 2, winsor)
    # The peers are the units that are not outliers: a few large outlying units would
    # otherwise pull the expectation toward themselves and push everyone else away from it.
    peers = np.abs(first.z_additive) <= Z_ALARM
    if peers.all() or peers.sum() <= x.shape[1]:
        return first
    sw = np.sqrt(w[peers])[:, None]
    beta = np.linalg.lstsq(x[peers] * sw, e[peers] * sw[:, 0], rcond=None)[0]
    return _dispersion(e - x @ beta, s ** 2, winsor)


def _dispersion(resid: NDArray[np.float64], s2: NDArray[np.float64],
                winsor: float) -> Dispersion:
    z = resid / np.sqrt(s2)
    low, high = np.quantile(z, [winsor, 1 - winsor])
    units = z.size
    phi = float(np.mean(np.clip(z, low, high) ** 2))
    w = 1 / s2
    tau2 = max(0.0, (units * phi - (units - 1)) / (w.sum() - (w ** 2).sum() / w.sum()))
    z_add = resid / np.sqrt(s2 + tau2)
    p_add = 2 * stats.norm.sf(np.abs(z_add))
    return Dispersion(phi=phi, tau=float(np.sqrt(tau2)), z_naive=z, z_additive=z_add,
                      q_additive=np.asarray(stats.false_discovery_control(p_add, method="bh")))
