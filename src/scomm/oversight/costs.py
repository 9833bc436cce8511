"""The detainer cost ledger: what holding people for ICE cost each jurisdiction.

Civil-rights organisations asked for cost transparency: a detainer keeps a person in the
county's jail past the time they would otherwise leave, and the county pays for those days.
Per jurisdiction the ledger gives the detainers lodged, the holds (people actually kept past
release), the extra jail days, their cost at the jurisdiction's per-diem rate, and the holds
past the 48-hour limit, which should be none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources

import yaml
from sqlalchemy import Connection, case, func, select

from scomm.adapters.tables import detainers, jurisdictions
from scomm.domain.errors import InvalidInput


@dataclass(frozen=True)
class PerDiem:
    """Daily jail cost by county, then state, then a default."""

    default: Decimal
    states: Mapping[str, Decimal] = field(default_factory=dict)
    counties: Mapping[str, Decimal] = field(default_factory=dict)
    currency: str = "USD"

    def rate(self, fips5: str, state: str) -> Decimal:
        return self.counties.get(fips5) or self.states.get(state) or self.default


def load_per_diem(default: float | None = None) -> PerDiem:
    raw = yaml.safe_load(resources.files("scomm.oversight").joinpath("data/per_diem.yaml")
                         .read_text())

    def money(v: object) -> Decimal:
        return Decimal(str(v))

    if default is not None and default < 0:
        raise InvalidInput("per_diem", "a daily cost cannot be negative")
    return PerDiem(default=money(raw["default"] if default is None else default),
                   states={k: money(v) for k, v in raw["states"].items()},
                   counties={k: money(v) for k, v in raw["counties"].items()},
                   currency=raw["currency"])


@dataclass
class LedgerRow:
    fips5: str
    state: str
    county: str
    detainers: int = 0
    holds: int = 0
    extra_jail_days: int = 0
    per_diem: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    holds_past_limit: int = 0
    hours_past_limit: float = 0.0


def ledger(conn: Connection, per_diem: PerDiem, start: date | None = None,
           end: date | None = None) -> list[LedgerRow]:
    """One row per jurisdiction with detainers issued in [start, end], and a total row last."""
    places = {r.fips5: (r.state_abbr, r.county_name) for r in conn.execute(
        select(jurisdictions.c.fips5, jurisdictions.c.state_abbr, jurisdictions.c.county_name))}
    where = []
    if start is not None:
        where.append(detainers.c.issued_at >= datetime.combine(start, time(0), UTC))
    if end is not None:
        where.append(detainers.c.issued_at <= datetime.combine(end, time.max, UTC))
    rows: dict[str, LedgerRow] = {}
    held = func.sum(case((detainers.c.held_hours > 0, 1), else_=0))
    past = func.sum(case((detainers.c.past_limit.is_(True), 1), else_=0))
    for fips5, n, holds, days, past_limit in conn.execute(
            select(detainers.c.fips5, func.count(), held,
                   func.sum(detainers.c.extra_jail_days), past)
            .where(*where).group_by(detainers.c.fips5)):
        state, county = places.get(fips5, ("", ""))
        rows[fips5] = LedgerRow(fips5, state, county, detainers=int(n), holds=int(holds or 0),
                                extra_jail_days=int(days or 0),
                                holds_past_limit=int(past_limit or 0),
                                per_diem=per_diem.rate(fips5, state))
    for fips5, deadline_at, ended_at in conn.execute(  # few: each one a breach of the limit
            select(detainers.c.fips5, detainers.c.deadline_at, detainers.c.ended_at)
            .where(*where, detainers.c.past_limit.is_(True))):
        rows[fips5].hours_past_limit += (ended_at - deadline_at).total_seconds() / 3600
    out = sorted(rows.values(), key=lambda r: r.fips5)
    for r in out:
        r.cost = (r.per_diem * r.extra_jail_days).quantize(Decimal("0.01"), ROUND_HALF_UP)
        r.hours_past_limit = round(r.hours_past_limit, 1)
    return [*out, _total(out)]


def _total(rows: Iterable[LedgerRow]) -> LedgerRow:
    t = LedgerRow("TOTAL", "", "")
    for r in rows:
        t.detainers += r.detainers
        t.holds += r.holds
        t.extra_jail_days += r.extra_jail_days
        t.cost += r.cost
        t.holds_past_limit += r.holds_past_limit
        t.hours_past_limit = round(t.hours_past_limit + r.hours_past_limit, 1)
    return t
