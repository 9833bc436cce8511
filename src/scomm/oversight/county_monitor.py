"""The monitor's screen on ICE's own county table: what the naive comparison would have flagged.

ICE's published table (cumulative from each county's activation through 2012-08-31) has no
quarters and no ethnicity, so only the screen's cross-sectional core can run on it: three
proportions per county against a target, flagged naively (binomial limits), with the
multiplicative and the additive over-dispersion corrections, and by Benjamini-Hochberg on the
corrected z. Two targets: the national rate, and the county's state rate (the nearest peer
model the table allows: counties of one state share a border or not, a state's laws and its
immigrant population far more than counties across the nation do).

The point of the run (issue #6, acceptance 4) is the contrast: the naive comparison flags most
counties, the corrected one a small, documented number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from scomm.oversight.funnel import funnel
from scomm.oversight.statistics import CountyStats

Q_FLAG = 0.05
MIN_PEERS = 3

#: indicator -> (events, trials) of a county row
INDICATORS: dict[str, Callable[[CountyStats], tuple[int, int]]] = {
    "identification_rate": lambda r: (r.ident_matches_total, r.submissions),
    "level2_3_share_of_matches": lambda r: (r.ident_matches_level2_3, r.ident_matches_total),
    "nonconvicted_share_of_removals": lambda r: (
        r.removals_total - r.removals_convicted_level1 - r.removals_convicted_level2
        - r.removals_convicted_level3, r.removals_total),
}


@dataclass(frozen=True)
class CountyFlag:
    fips5: str
    state: str
    indicator: str
    target: str
    events: int
    trials: int
    value: float
    expected: float
    z_naive: float
    z_additive: float
    q: float
    flagged_naive: bool
    flagged_multiplicative: bool
    flagged_additive: bool
    flagged_fdr: bool


@dataclass(frozen=True)
class Summary:
    indicator: str
    target: str
    counties: int
    theta: float
    phi: float
    tau: float
    naive: int
    multiplicative: int
    additive: int
    fdr: int
    fdr_high: int


def screen_counties(rows: Iterable[CountyStats]) -> tuple[list[Summary], list[CountyFlag]]:
    """Every indicator against both targets: the flag counts, and every county's row."""
    rows = list(rows)
    summaries, flags = [], []
    for indicator, counts in INDICATORS.items():
        units = [(r, *counts(r)) for r in rows if counts(r)[1] > 0]
        for target in ("national", "state"):
            kept = units if target == "national" else _with_peers(units)
            s, f = _screen(indicator, target, kept)
            summaries.append(s)
            flags += f
    return summaries, flags


def _with_peers(units: list[tuple[CountyStats, int, int]]) -> list[tuple[CountyStats, int, int]]:
    """Counties whose state has enough other counties and whose state rate is not 0 or 1."""
    per_state: dict[str, list[tuple[CountyStats, int, int]]] = defaultdict(list)
    for u in units:
        per_state[u[0].state].append(u)
    return [u for group in per_state.values() if len(group) >= MIN_PEERS
            and 0 < sum(e for _, e, _ in group) < sum(n for _, _, n in group) for u in group]


def _screen(indicator: str, target: str, units: list[tuple[CountyStats, int, int]]
            ) -> tuple[Summary, list[CountyFlag]]:
    events = np.array([e for _, e, _ in units])
    trials = np.array([n for _, _, n in units])
    theta = None
    if target == "state":
        rate: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
        for r, e, n in units:
            rate[r.state] = (rate[r.state][0] + e, rate[r.state][1] + n)
        theta = np.array([rate[r.state][0] / rate[r.state][1] for r, _, _ in units])
    f = funnel(events, trials, theta)
    expected = theta if theta is not None else np.full(len(units), f.theta)
    naive, mult, add = (f.flags(m) for m in ("naive", "multiplicative", "additive"))
    fdr = f.fdr_flags(Q_FLAG)
    out = [CountyFlag(r.fips5, r.state, indicator, target, int(e), int(n), e / n,
                      float(expected[i]), float(f.z_naive[i]), float(f.z_additive[i]),
                      float(f.q_additive[i]), bool(naive[i]), bool(mult[i]), bool(add[i]),
                      bool(fdr[i])) for i, (r, e, n) in enumerate(units)]
    summary = Summary(indicator, target, len(units), round(f.theta, 4), round(f.phi, 1),
                      round(f.tau, 4), int(naive.sum()), int(mult.sum()), int(add.sum()),
                      int(fdr.sum()), int((fdr & (f.z_additive > 0)).sum()))
    return summary, out



def funnel_svg(flags: list[CountyFlag], summary: Summary) -> str:
    """One indicator's counties against the target with the naive and the corrected 99.8%
    limits, so the reader sees why the naive screen flags most of them."""
    from scomm.oversight.plots import plt, svg

    mine = [f for f in flags if (f.indicator, f.target) == (summary.indicator, summary.target)]
    n = np.geomspace(max(1, min(f.trials for f in mine)), max(f.trials for f in mine), 200)
    t = summary.theta
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.scatter([f.trials for f in mine], [f.value for f in mine], s=6, alpha=0.5,
               c=["#cf222e" if f.flagged_fdr and f.z_additive > 0 else "#57606a" for f in mine])
    for spread, style, label in ((t * (1 - t) / n, ":", "naive 99.8%"),
                                 (t * (1 - t) / n + summary.tau ** 2, "-", "corrected 99.8%")):
        for sign in (1, -1):
            ax.plot(n, np.clip(t + sign * 3.09 * np.sqrt(spread), 0, 1), style, color="#0969da",
                    lw=1, label=label if sign == 1 else None)
    ax.axhline(t, color="#0969da", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("trials (log scale)")
    ax.set_ylabel(summary.indicator.replace("_", " "))
    ax.set_title(f"{summary.counties:,} counties: {summary.naive:,} outside the naive limits, "
                 f"{summary.fdr_high} flagged high (BH)", fontsize=9)
    ax.legend(fontsize=8)
    return svg(fig)
