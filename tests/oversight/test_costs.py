"""The detainer cost ledger: exact arithmetic, and holds past the limit flagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert

from scomm.adapters.tables import detainers, jurisdictions
from scomm.domain.errors import InvalidInput
from scomm.oversight.costs import PerDiem, ledger, load_per_diem

T0 = datetime(2012, 3, 5, 18, 0, tzinfo=UTC)


def _fixture(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(jurisdictions), [
            {"fips5": "06037", "state_abbr": "CA", "county_name": "Los Angeles County",
             "aor": "LOS", "activation_date": None, "date_precision": "day",
             "tz": "America/Los_Angeles"},
            {"fips5": "48453", "state_abbr": "TX", "county_name": "Travis County",
             "aor": "SNA", "activation_date": None, "date_precision": "day",
             "tz": "America/Chicago"}])

        def d(n: int, fips5: str, held: float, days: int, past: bool) -> dict[str, object]:
            return {"detainer_id": f"D-{n}", "case_id": f"C-{n}", "booking_id": f"B-{n}",
                    "fips5": fips5, "issued_at": T0, "operative_upon_conviction": False,
                    "state": "assumed", "release_at": T0, "deadline_at": T0 + timedelta(
                        hours=48), "ended_at": T0 + timedelta(hours=held), "held_hours": held,
                    "past_limit": past, "extra_jail_days": days}

        conn.execute(insert(detainers), [d(1, "06037", 30.0, 2, False),
                                         d(2, "06037", 0.0, 0, False),
                                         d(3, "06037", 60.0, 3, True),
                                         d(4, "48453", 10.0, 1, False)])


def test_ledger_arithmetic(sqlite_engine: Engine) -> None:
    _fixture(sqlite_engine)
    rates = PerDiem(default=Decimal("100.00"), counties={"06037": Decimal("126.50")})
    with sqlite_engine.connect() as conn:
        la, travis, total = ledger(conn, rates)
    assert (la.detainers, la.holds, la.extra_jail_days, la.cost) == (3, 2, 5,
                                                                      Decimal("632.50"))
    assert (la.holds_past_limit, la.hours_past_limit) == (1, 12.0)
    assert (travis.per_diem, travis.cost, travis.holds_past_limit) == (Decimal("100.00"),
                                                                       Decimal("100.00"), 0)
    assert (total.fips5, total.detainers, total.extra_jail_days, total.cost,
            total.holds_past_limit) == ("TOTAL", 4, 6, Decimal("732.50"), 1)


def test_a_period_selects_by_issue_date(sqlite_engine: Engine) -> None:
    _fixture(sqlite_engine)
    with sqlite_engine.connect() as conn:
        rows = ledger(conn, load_per_diem(), end=T0.date() - timedelta(days=1))
    assert [(r.fips5, r.detainers) for r in rows] == [("TOTAL", 0)]


def test_a_negative_rate_is_refused() -> None:
    with pytest.raises(InvalidInput, match="per_diem"):
        load_per_diem(-1)
