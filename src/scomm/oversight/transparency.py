"""Transparency statistics: ICE's interoperability columns, by state and county, monthly and
cumulative, with a published small-cell rule.

The same code reads two sources: ICE's own county table as it was published (cumulative
through 2012-08-31), and a run's store, month by month. Both go through one suppression rule
before anything is published:

- a count from 1 to ``min_cell - 1`` is shown as ``<min_cell`` (zero is shown: it reveals
  nobody);
- the parts of an additive group (matches: Level 1 + Levels 2/3 = total; removals: six
  categories = total; the same for the cumulative columns) are suppressed in pairs: if
  exactly one part of a group is hidden while the total is shown, the smallest other non-zero
  part is hidden too, so no hidden cell can be recovered by subtraction;
- totals are computed from the unsuppressed figures, then suppressed by the same rule.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, fields
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, select

from scomm.adapters.tables import cases, criminal_searches, custody, jurisdictions
from scomm.domain.errors import InvalidInput
from scomm.oversight.statistics import COUNT_COLUMNS, REMOVAL_COLUMNS, CountyStats

GROUPS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("ident_matches_level1", "ident_matches_level2_3"), "ident_matches_total"),
    (tuple(REMOVAL_COLUMNS.values()), "removals_total"),
)

Cell = int | str


def published(path: Path) -> list[CountyStats]:
    """ICE's county table as published (one row per county, cumulative)."""
    out = []
    with path.open(newline="", encoding="utf-8") as f:
        for n, row in enumerate(csv.DictReader(f), start=2):
            try:
                out.append(CountyStats(
                    fips5=row["fips5"], state=row["state_abbr"], county=row["county"],
                    ice_aor=row["ice_aor"],
                    activation_date=date.fromisoformat(row["activation_date"])
                    if row["activation_date"] else None,
                    **{c: int(row[c] or 0) for c in COUNT_COLUMNS}))
            except (KeyError, ValueError) as exc:
                raise InvalidInput(f"{path.name}:{n}", f"not a row of ICE's table: {exc}") \
                    from None
    return out


def by_state(rows: Iterable[CountyStats]) -> list[CountyStats]:
    states: dict[str, CountyStats] = {}
    for r in rows:
        s = states.setdefault(r.state, CountyStats(fips5="", state=r.state, county="",
                                                   ice_aor="", activation_date=None))
        for c in COUNT_COLUMNS:
            setattr(s, c, getattr(s, c) + getattr(r, c))
        if r.activation_date and (s.activation_date is None
                                  or r.activation_date < s.activation_date):
            s.activation_date = r.activation_date
    return [states[k] for k in sorted(states)]


def national(rows: Iterable[CountyStats]) -> dict[str, int]:
    return {c: sum(getattr(r, c) for r in rows) for c in COUNT_COLUMNS}


def suppress(counts: Mapping[str, int], min_cell: int = 10) -> dict[str, Cell]:
    """One row's counts as they may be published (the module's rule)."""
    if min_cell < 1:
        raise InvalidInput("min_cell", "must be at least 1")
    hidden = {c for c, v in counts.items() if 0 < v < min_cell}
    for prefix in ("", "cumulative_"):
        for bare, bare_total in GROUPS:
            parts = [prefix + p for p in bare if prefix + p in counts]
            total = prefix + bare_total
            hid = [p for p in parts if p in hidden]
            if len(hid) == 1 and total in counts and total not in hidden:
                others = sorted((counts[p], p) for p in parts
                                if p not in hidden and counts[p] > 0)
                if others:
                    hidden.add(others[0][1])
    return {c: (f"<{min_cell}" if c in hidden else v) for c, v in counts.items()}


def monthly(conn: Connection, until: date | None = None) -> list[dict[str, object]]:
    """Per county and month from a run's store: the month's counts and the cumulative ones
    (since the first month with any), in the published columns."""
    month: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(COUNT_COLUMNS, 0))

    def add(fips5: str, at: date, column: str) -> None:
        if until is None or at <= until:
            month[(fips5, f"{at:%Y-%m}")][column] += 1

    for fips5, at in conn.execute(select(criminal_searches.c.fips5, criminal_searches.c.at)
                                  .where(criminal_searches.c.shared_with_ident.is_(True))):
        add(fips5, at.date(), "submissions")
    for fips5, at, level in conn.execute(select(cases.c.fips5, cases.c.booked_at,
                                                cases.c.offense_level)):
        add(fips5, at.date(), "ident_matches_total")
        add(fips5, at.date(), "ident_matches_level1" if level == 1 else
            "ident_matches_level2_3")
    for fips5, at, category in conn.execute(select(
            custody.c.fips5, custody.c.concluded_at, custody.c.removal_category)
            .where(custody.c.outcome == "removed")):
        if category in REMOVAL_COLUMNS:
            add(fips5, at.date(), REMOVAL_COLUMNS[category])
            add(fips5, at.date(), "removals_total")
    places = {r.fips5: (r.state_abbr, r.county_name) for r in conn.execute(
        select(jurisdictions.c.fips5, jurisdictions.c.state_abbr, jurisdictions.c.county_name))}
    out: list[dict[str, object]] = []
    running: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNT_COLUMNS, 0))
    for fips5, m in sorted(month, key=lambda k: (k[0], k[1])):
        counts = month[(fips5, m)]
        cum = running[fips5]
        for c in COUNT_COLUMNS:
            cum[c] += counts[c]
        state, county = places.get(fips5, ("", ""))
        out.append({"fips5": fips5, "state": state, "county": county, "month": m,
                    **{c: counts[c] for c in COUNT_COLUMNS},
                    **{f"cumulative_{c}": cum[c] for c in COUNT_COLUMNS}})
    return out


def publishable(rows: Sequence[CountyStats], min_cell: int = 10) -> list[dict[str, Cell]]:
    """Rows as they may be published: identifying columns kept, counts suppressed."""
    keys = [f.name for f in fields(CountyStats) if f.name not in COUNT_COLUMNS]
    out = []
    for r in rows:
        d = asdict(r)
        out.append({**{k: str(d[k] or "") for k in keys},
                    **suppress({c: d[c] for c in COUNT_COLUMNS}, min_cell)})
    return out
