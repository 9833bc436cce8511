"""What the rollout did, and whether its order was fair: staggered DiD and activation equity.

Secure Communities reached counties one after another from October 2008 to January 2013, which
is what let Miles & Cox (2014) and Treyger, Chalfin & Loeffler (2014) estimate its effects by
difference-in-differences. With staggered adoption and effects that grow or differ by cohort,
the two-way fixed-effects regression is biased (it uses already-treated counties as controls),
so the estimate here is Callaway & Sant'Anna's group-time ATT with not-yet-treated counties as
controls (``csdid``, the Python port of the R ``did`` package; reference §4.3), aggregated to
one ATT and to an event study. TWFE is reported beside it only as the contrast.

The outcome is the Hispanic share (recorded on the booking) of the county's bookings charged
only with minor traffic offences: the arrests officers have most discretion over, whose shift
after activation is what Gardner & Kohli found in Irving and what Treyger et al. looked for
nationally. The panel is county by quarter, balanced: counties with at least ``MIN_PER_CELL``
such bookings in every quarter of the window.

The activation-equity check (Cox & Miles 2013) asks whether the schedule itself loads on
ethnicity: an OLS of the activation day on the county's Hispanic share of bookings, controlling
for its booking volume (a crime-rate proxy the data allow) and for lying in a border state, with
heteroskedasticity-robust errors. Cox & Miles found that early activation "correlates strongly"
with a large Hispanic population; a significantly negative coefficient is flagged.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from sqlalchemy import Connection, func, select

from scomm.adapters.tables import bookings, criminal_searches, jurisdictions
from scomm.domain.errors import InvalidInput
from scomm.oversight.monitor import Unit, by_county

MIN_PER_CELL = 10
MIN_COUNTIES = 20
BORDER_STATES = frozenset({"AZ", "CA", "NM", "TX"})
ALPHA = 0.05


@dataclass(frozen=True)
class EventTime:
    e: int  # quarters since activation (negative: before)
    att: float
    se: float


@dataclass(frozen=True)
class RolloutEstimate:
    outcome: str
    counties: int
    treated: int
    quarters: int
    att: float
    se: float
    low: float
    high: float
    events: tuple[EventTime, ...]
    pretrend_chi2: float
    pretrend_p: float
    twfe: float
    twfe_se: float


def _quarter_index(quarters: Iterable[str]) -> dict[str, int]:
    return {q: i + 1 for i, q in enumerate(sorted(set(quarters)))}


def panel(units: Mapping[tuple[str, str], Unit]) -> pd.DataFrame:
    """County-quarter rows: ``id``, ``t`` (1..T), ``g`` (the quarter of activation, the first
    with a booking shared with IDENT; 0 = not activated in the window) and ``y``."""
    index = _quarter_index(q for _, q in units)
    first_after: dict[str, int] = {}
    for (fips5, quarter), u in units.items():
        if u.phase != "before":
            t = index[quarter]
            first_after[fips5] = min(first_after.get(fips5, t), t)
    rows = [{"fips5": f, "t": index[q], "g": first_after.get(f, 0),
             "y": u.discretionary_hispanic / u.discretionary if u.discretionary else np.nan,
             "n": u.discretionary} for (f, q), u in units.items()]
    df = pd.DataFrame(rows)
    full = df.groupby("fips5")["n"].agg(["min", "size"])
    keep = full[(full["min"] >= MIN_PER_CELL) & (full["size"] == len(index))].index
    df = df[df["fips5"].isin(keep)].copy()
    df["id"] = df["fips5"].astype("category").cat.codes + 1
    return df.sort_values(["id", "t"]).reset_index(drop=True)


def staggered_did(df: pd.DataFrame, outcome: str = "hispanic_share_discretionary"
                  ) -> RolloutEstimate:
    """Callaway-Sant'Anna ATT (not-yet-treated controls), its event study, and TWFE."""
    from csdid.att_gt import ATTgt

    counties = df["id"].nunique()
    treated = df.loc[df["g"] > 1, "id"].nunique()
    if counties < MIN_COUNTIES or treated == 0:
        raise InvalidInput("panel", f"{counties} counties with {MIN_PER_CELL}+ minor-traffic "
                           f"bookings every quarter, {treated} activated inside the window; "
                           f"the estimate needs {MIN_COUNTIES}+ and some activated")
    data = df[df["g"] != 1]  # activated before the window: no quarter before it to compare
    with contextlib.redirect_stdout(io.StringIO()):  # csdid prints its tables
        model = ATTgt(yname="y", tname="t", idname="id", gname="g", data=data,
                      control_group="notyettreated").fit(est_method="reg", bstrap=False)
        model.aggte(typec="simple", bstrap=False)
        att, se = float(model.atte["overall_att"]), float(model.atte["overall_se"])
        model.aggte(typec="dynamic", bstrap=False)
    egt = np.asarray(model.atte["egt"], dtype=int).ravel()
    atts = np.asarray(model.atte["att_egt"], dtype=float).ravel()
    ses = np.asarray(model.atte["se_egt"], dtype=float).ravel()
    events = tuple(EventTime(int(e), float(a), float(s))
                   for e, a, s in zip(egt, atts, ses, strict=True) if math.isfinite(a))
    pre = [(ev.att / ev.se) ** 2 for ev in events if ev.e < -1 and ev.se > 0]
    chi2 = float(sum(pre))
    twfe, twfe_se = _twfe(data)
    z = stats.norm.ppf(1 - ALPHA / 2)
    return RolloutEstimate(
        outcome=outcome, counties=int(data["id"].nunique()), treated=treated,
        quarters=int(df["t"].nunique()), att=att, se=se, low=att - z * se, high=att + z * se,
        events=events, pretrend_chi2=chi2,
        pretrend_p=float(stats.chi2.sf(chi2, len(pre))) if pre else 1.0,
        twfe=twfe, twfe_se=twfe_se)


def _twfe(df: pd.DataFrame) -> tuple[float, float]:
    """``y ~ treated | county + quarter`` on the balanced panel, by two-way demeaning, with
    errors clustered by county — the estimator the staggered design makes biased."""
    d = ((df["g"] > 0) & (df["t"] >= df["g"])).astype(float)
    frame = pd.DataFrame({"id": df["id"], "t": df["t"], "y": df["y"], "d": d})

    def within(col: str) -> pd.Series:
        x = frame[col]
        return (x - frame.groupby("id")[col].transform("mean")
                - frame.groupby("t")[col].transform("mean") + x.mean())

    y, x = within("y"), within("d")
    sxx = float((x * x).sum())
    if sxx == 0:
        return float("nan"), float("nan")
    beta = float((x * y).sum() / sxx)
    score = (x * (y - beta * x)).groupby(frame["id"]).sum()
    return beta, float(np.sqrt((score ** 2).sum()) / sxx)


@dataclass(frozen=True)
class CountyRollout:
    fips5: str
    state: str
    activated_on: date
    hispanic_share: float
    bookings_per_day: float


@dataclass(frozen=True)
class Equity:
    """Days of activation per unit of Hispanic share: with the controls, and alone."""

    counties: int
    coefficient: float
    se: float
    p: float
    raw_coefficient: float
    raw_p: float
    flagged: bool
    note: str


def activation_equity(counties: list[CountyRollout]) -> Equity:
    """OLS of the activation day on the Hispanic share, log volume and border state (HC1)."""
    if len(counties) < MIN_COUNTIES:
        raise InvalidInput("counties", f"{len(counties)} counties; the check needs "
                           f"{MIN_COUNTIES} or more")
    first = min(c.activated_on for c in counties)
    y = np.array([(c.activated_on - first).days for c in counties], dtype=float)
    x = np.column_stack([[c.hispanic_share for c in counties],
                         [math.log1p(c.bookings_per_day) for c in counties],
                         [c.state in BORDER_STATES for c in counties]]).astype(float)
    keep = x.std(axis=0) > 0
    fit = sm.OLS(y, sm.add_constant(x[:, keep], has_constant="add")).fit(cov_type="HC1")
    raw = sm.OLS(y, sm.add_constant(x[:, :1], has_constant="add")).fit(cov_type="HC1")
    coefficient, se, p = float(fit.params[1]), float(fit.bse[1]), float(fit.pvalues[1])
    flagged = coefficient < 0 and p < ALPHA
    raw_p = float(raw.pvalues[1])
    earlier = float(raw.params[1]) < 0 and raw_p < ALPHA
    note = ("counties with more Hispanic arrestees were activated earlier, also with volume "
            "and border state held equal" if flagged else
            "counties with more Hispanic arrestees were activated earlier, but not once volume "
            "and border state are held equal" if earlier else
            "the order does not load on the Hispanic share")
    return Equity(len(counties), coefficient, se, p, float(raw.params[1]), raw_p, flagged, note)


def counties_from_store(conn: Connection, units: Mapping[tuple[str, str], Unit]
                        ) -> list[CountyRollout]:
    """Each county's first day shared with IDENT, its Hispanic share of bookings and its
    bookings a day over the store's span, for the activation-equity check."""
    first = dict(conn.execute(select(criminal_searches.c.fips5, func.min(criminal_searches.c.at))
                              .where(criminal_searches.c.shared_with_ident.is_(True))
                              .group_by(criminal_searches.c.fips5)).all())
    span = conn.execute(select(func.min(bookings.c.booked_at), func.max(bookings.c.booked_at))
                        ).one()
    days = max(1, (span[1] - span[0]).days + 1) if span[0] else 1
    states = dict(conn.execute(select(jurisdictions.c.fips5, jurisdictions.c.state_abbr)).all())
    return [CountyRollout(f, states.get(f, ""), first[f].date(),
                          (u.discretionary_hispanic + u.other_hispanic) / u.with_ethnicity,
                          u.bookings / days)
            for f, u in sorted(by_county(units).items()) if f in first and u.with_ethnicity]


def event_svg(est: RolloutEstimate) -> str:
    """The event study: ATT by quarters since activation with 95% intervals."""
    from scomm.oversight.plots import plt, svg

    fig, ax = plt.subplots(figsize=(7, 3.8))
    e = [ev.e for ev in est.events]
    a = np.array([ev.att for ev in est.events])
    half = 1.96 * np.array([ev.se for ev in est.events])
    for before, colour in ((True, "#57606a"), (False, "#0969da")):
        pick = np.array([(k < 0) == before for k in e])
        if pick.any():
            ax.errorbar(np.array(e)[pick], a[pick], yerr=half[pick], fmt="o", ms=3,
                        color=colour, elinewidth=1)
    ax.axhline(0, color="#8c959f", lw=0.8)
    ax.axvline(-0.5, color="#8c959f", lw=0.8, ls=":")
    ax.set_xlabel("quarters since activation")
    ax.set_ylabel("ATT on the Hispanic share\nof minor-traffic bookings")
    ax.set_title(f"{est.counties:,} counties; ATT {est.att:+.4f} "
                 f"[{est.low:+.4f}, {est.high:+.4f}], TWFE {est.twfe:+.4f}", fontsize=9)
    return svg(fig)

