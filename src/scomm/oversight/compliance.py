"""The compliance report OIG-12-64 recommendation 2 asked for: matches left undocumented.

Per field office and month of the match: how many IDENT matches, how many still lack an
encounter or a disposition at the report date, the share with its Wilson interval, and the
cases themselves, so a supervisor can act on each; and how many were documented only after
their deadline had passed and the match was escalated (an escalation closes the gap, not the
lapse, so the report keeps it). A funnel plot sets every office's share
against its volume with binomial control limits around the national share: small offices
scatter widely by chance, and the funnel shows which offices are outside what chance allows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from scipy import stats
from sqlalchemy import Connection, and_, case, extract, func, or_, select

from scomm.adapters.tables import alerts, cases, dispositions, encounters
from scomm.oversight.funnel import binomial_limit
from scomm.oversight.plots import plt, svg


@dataclass
class ComplianceRow:
    aor: str
    month: str
    matches: int = 0
    undocumented: int = 0
    cases: list[str] = field(default_factory=list)
    late: int = 0

    @property
    def share(self) -> float:
        return self.undocumented / self.matches if self.matches else 0.0

    @property
    def wilson(self) -> tuple[float, float]:
        ci = stats.binomtest(self.undocumented, self.matches).proportion_ci(0.95, "wilson")
        return float(ci.low), float(ci.high)


def compliance(conn: Connection, as_of: datetime, start: datetime | None = None,
               end: datetime | None = None) -> list[ComplianceRow]:
    """Matches opened in [start, end) by office and month, undocumented as of ``as_of``.

    Counted in the database in one grouped pass that also gathers each group's undocumented
    case ids (case ids hold no line breaks), so the report runs at the scale of a national
    store or snapshot (bench/reports.py) without a second join to list the cases."""
    enc = select(encounters.c.case_id).where(encounters.c.at <= as_of).distinct().subquery()
    disp = select(dispositions.c.case_id).where(dispositions.c.at <= as_of).distinct(
        ).subquery()
    esc = select(alerts.c.ref_id).where(alerts.c.kind == "match_undocumented",
                                        alerts.c.at <= as_of).distinct().subquery()
    missing = or_(enc.c.case_id.is_(None), disp.c.case_id.is_(None))
    year, month = extract("year", cases.c.opened_at), extract("month", cases.c.opened_at)
    joined = (cases.outerjoin(enc, enc.c.case_id == cases.c.case_id)
              .outerjoin(disp, disp.c.case_id == cases.c.case_id))
    where = [cases.c.opened_at <= as_of]
    if start is not None:
        where.append(cases.c.opened_at >= start)
    if end is not None:
        where.append(cases.c.opened_at < end)
    counts = select(cases.c.aor, year, month, func.count(),
                    func.sum(case((missing, 1), else_=0)),
                    func.sum(case((and_(~missing, esc.c.ref_id.is_not(None)), 1), else_=0)),
                    func.aggregate_strings(case((missing, cases.c.case_id)), "\n")
                    ).select_from(joined.outerjoin(esc, esc.c.ref_id == cases.c.case_id)
                                  ).where(*where).group_by(cases.c.aor, year, month)
    rows: dict[tuple[str, str], ComplianceRow] = {}
    for aor, y, m, n, undocumented, late, ids in conn.execute(counts):
        key = (aor, f"{int(y):04d}-{int(m):02d}")
        rows[key] = ComplianceRow(*key, matches=int(n), undocumented=int(undocumented or 0),
                                  cases=sorted(ids.split("\n")) if ids else [],
                                  late=int(late or 0))
    return [rows[k] for k in sorted(rows)]


def by_office(rows: list[ComplianceRow]) -> list[ComplianceRow]:
    """The same figures summed over months, one row per office."""
    out: dict[str, ComplianceRow] = defaultdict(lambda: ComplianceRow("", "all"))
    for r in rows:
        o = out[r.aor]
        o.aor = r.aor
        o.matches += r.matches
        o.undocumented += r.undocumented
        o.cases += r.cases
        o.late += r.late
    return [out[k] for k in sorted(out)]


def _national(offices: list[ComplianceRow]) -> float:
    total = sum(o.matches for o in offices)
    return sum(o.undocumented for o in offices) / total if total else 0.0


def funnel_svg(offices: list[ComplianceRow]) -> str:
    """Share undocumented against matches, with 95% and 99.8% binomial limits."""
    p = _national(offices)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    top = max((o.matches for o in offices), default=1)
    ns = [max(1, round(1 + i * (top * 1.1) / 200)) for i in range(201)]
    for q, style in ((0.975, "--"), (0.999, ":")):
        upper = [binomial_limit(q, n, p) for n in ns]
        lower = [binomial_limit(1 - q, n, p) for n in ns]
        ax.plot(ns, upper, style, color="#57606a", lw=1)
        ax.plot(ns, lower, style, color="#57606a", lw=1)
    ax.axhline(p, color="#1f6feb", lw=1)
    for o in offices:
        ax.scatter(o.matches, o.share, color="#b42318" if _outside(o, p) else "#1b1f24", s=18)
        ax.annotate(o.aor, (o.matches, o.share), fontsize=7, xytext=(3, 3),
                    textcoords="offset points")
    ax.set_xlabel("IDENT matches")
    ax.set_ylabel("share undocumented")
    ax.set_title(f"Undocumented matches by field office (national {p:.1%}; "
                 "dashed 95%, dotted 99.8%)", fontsize=9)
    return svg(fig)


def _outside(o: ComplianceRow, p: float) -> bool:
    """Above the 99.8% limit: more undocumented matches than chance allows at this volume."""
    return o.matches > 0 and o.undocumented > stats.binom.ppf(0.999, o.matches, p)


def outside_limits(offices: list[ComplianceRow]) -> list[str]:
    p = _national(offices)
    return [o.aor for o in offices if _outside(o, p)]
