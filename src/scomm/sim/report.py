"""The run report: one self-contained HTML page with the figures a reader would look at.

Plots are inline SVG (matplotlib), so the page needs no server and no network to open.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Connection, select

from scomm.adapters.tables import bookings, cases, criminal_searches, detainers
from scomm.oversight.plots import plt, svg
from scomm.oversight.statistics import COLUMNS, CountyStats
from scomm.sim.scenario import Scenario

TEMPLATES = Path(__file__).parent / "templates"


def _monthly(conn: Connection) -> str:
    def series(column: Any, where: Any = None) -> Counter[str]:
        stmt = select(column)
        if where is not None:
            stmt = stmt.where(where)
        return Counter(f"{t:%Y-%m}" for (t,) in conn.execute(stmt) if t is not None)

    booked = series(bookings.c.booked_at)
    submitted = series(criminal_searches.c.at, criminal_searches.c.shared_with_ident.is_(True))
    matched = series(cases.c.booked_at)
    detained = series(detainers.c.issued_at)
    months = sorted(set(booked) | set(submitted))
    fig, ax = plt.subplots(figsize=(10, 3.2))
    x = np.array([f"{m}-01" for m in months], dtype="datetime64[D]")
    for counts, label in ((booked, "bookings"), (submitted, "submissions to IDENT"),
                          (matched, "IDENT matches"), (detained, "detainers")):
        ax.plot(x, [counts.get(m, 0) for m in months], label=label)
    ax.set_yscale("symlog")
    ax.set_ylabel("per month")
    ax.legend(frameon=False, ncol=4, loc="upper left")
    ax.grid(alpha=0.3)
    return svg(fig)


def _calibration(rows: Sequence[Mapping[str, Any]]) -> str:
    fig, ax = plt.subplots(figsize=(5, 4))
    for key, label, marker in (("submissions", "submissions", "o"), ("matches", "matches", "s")):
        real = [r[f"real_{key}"] for r in rows if r[f"real_{key}"] > 0]
        sim = [r[f"sim_{key}"] for r in rows if r[f"real_{key}"] > 0]
        ax.scatter(real, sim, label=label, marker=marker, alpha=0.7)
    top = max([1.0] + [r["real_submissions"] for r in rows] + [r["sim_submissions"] for r in rows])
    ax.plot([0.5, top * 1.5], [0.5, top * 1.5], color="grey", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("real × scale")
    ax.set_ylabel("simulated")
    ax.set_title("per county")
    ax.legend(frameon=False)
    return svg(fig)


def _outcomes(metrics: Mapping[str, Any]) -> str:
    fig, axes = plt.subplots(1, 2, figsize=(6.5, 4))
    det = metrics.get("detainers_by_state", {})
    axes[0].barh(list(det), list(det.values()), color="#3b6ea5")
    axes[0].set_title("detainers by end state")
    rem = metrics.get("removals_by_category", {})
    axes[1].barh(list(rem), list(rem.values()), color="#a5503b")
    axes[1].set_title("removals by category")
    fig.tight_layout()
    return svg(fig)


def _kpis(m: Mapping[str, Any]) -> list[dict[str, Any]]:
    share = m.get("decisions_consistent_with_policy")
    return [
        {"label": "bookings", "value": m["bookings"]},
        {"label": "submissions to IDENT", "value": m["submissions"]},
        {"label": "IDENT matches", "value": m["ident_matches"]},
        {"label": "detainers", "value": m["detainers"]},
        {"label": "U.S. citizens detained", "value": m["uscs_detained"],
         "warn": m["uscs_detained"] > 0},
        {"label": "holds past the 48-hour limit", "value": m["detainers_past_limit"],
         "warn": m["detainers_past_limit"] > 0},
        {"label": "matches undocumented at close", "value": m["matches_undocumented_at_close"],
         "warn": m["matches_undocumented_at_close"] > 0},
        {"label": "decisions consistent with policy",
         "value": "n/a" if share is None else f"{share:.1%}",
         "warn": not m["targets"]["decisions_consistent_with_policy"]["met"]},
        {"label": "hotline reviews overdue", "value": m["hotline_reviews_overdue"],
         "warn": m["hotline_reviews_overdue"] > 0},
    ]


def render(path: Path, conn: Connection, scenario: Scenario, metrics: Mapping[str, Any],
           statistics: Sequence[CountyStats], comparison: Sequence[Mapping[str, Any]],
           seconds: float) -> None:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
    html = env.get_template("report.html").render(
        scenario=scenario, metrics=metrics, kpis=_kpis(metrics),
        statistics=[vars(s) for s in statistics], stat_columns=COLUMNS,
        comparison=comparison, seconds=seconds,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        plots={"monthly": _monthly(conn), "calibration": _calibration(comparison),
               "outcomes": _outcomes(metrics)})
    path.write_text(html, encoding="utf-8")
