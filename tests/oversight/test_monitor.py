"""The profiling monitor flags an injected excess and stays quiet without one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import Engine, insert

from scomm.adapters.tables import booking_monitoring, bookings, cases, criminal_searches
from scomm.oversight.monitor import Unit, monitor, screen
from scomm.policy.catalog import load_catalog

T0 = datetime(2011, 4, 4, 12, 0, tzinfo=UTC)
MINOR, OTHER = "5499", "2399"  # a minor traffic code and larceny


def _fill(engine: Engine, seed: int, inflated: set[str], quarters: int = 2) -> None:
    """40 counties, 300 bookings a quarter each, 40% charged only with minor traffic; the
    Hispanic share is 30% everywhere, except among minor-traffic bookings in ``inflated``
    counties (60%: a pretextual-arrest pattern)."""
    rng = np.random.default_rng(seed)
    b_rows, m_rows, s_rows, c_rows = [], [], [], []
    for q in range(quarters):
        for c in range(40):
            fips5 = f"35{c:03d}"
            for i in range(300):
                bid = f"{fips5}-{q}-{i}"
                at = T0 + timedelta(days=91 * q, hours=i)
                minor = rng.random() < 0.4
                share = 0.6 if minor and fips5 in inflated else 0.3
                b_rows.append({"booking_id": bid, "ori": "NM0010000", "fips5": fips5,
                               "booked_at": at, "biographic": {}, "prints": "",
                               "charges": [{"ncic_code": MINOR if minor else OTHER}]})
                m_rows.append({"booking_id": bid, "race": "", "language": "",
                               "ethnicity": "Hispanic" if rng.random() < share
                               else "Not Hispanic"})
                s_rows.append({"booking_id": bid, "fips5": fips5, "fbi_number": "F",
                               "new_identity": False, "score": 1.0, "shared_with_ident": True,
                               "routing_rule": "r", "routing_reason": "r", "at": at})
                if rng.random() < 0.06:
                    c_rows.append({
                        "case_id": f"C-{bid}", "booking_id": bid, "ident_id": "I",
                        "fbi_number": "F", "ori": "NM0010000", "fips5": fips5, "aor": "ELP",
                        "booked_at": at, "opened_at": at, "due_at": at, "state": "closed",
                        "status": "overstay", "offense_level": 3 if minor else 2,
                        "charges": [], "lea_receives": True})
    with engine.begin() as conn:
        for table, rows in ((bookings, b_rows), (booking_monitoring, m_rows),
                            (criminal_searches, s_rows), (cases, c_rows)):
            conn.execute(insert(table), rows)


def _flags(engine: Engine, indicator: str) -> dict[str, set[str]]:
    with engine.connect() as conn:
        rows = monitor(conn, load_catalog())
    out: dict[str, set[str]] = {}
    for r in rows:
        if r.indicator == indicator and r.flagged:
            out.setdefault(r.quarter, set()).add(r.fips5)
    return out


def test_an_injected_excess_is_flagged_and_persists(sqlite_engine: Engine) -> None:
    _fill(sqlite_engine, seed=3, inflated={"35007", "35021"})
    flags = _flags(sqlite_engine, "hispanic_share_discretionary")
    assert flags == {"2011Q2": {"35007", "35021"}, "2011Q3": {"35007", "35021"}}
    with sqlite_engine.connect() as conn:
        rows = [r for r in monitor(conn, load_catalog())
                if r.indicator == "hispanic_share_discretionary" and r.fips5 == "35007"]
    assert [(r.quarter, r.persistent) for r in rows] == [("2011Q2", False), ("2011Q3", True)]
    assert all(r.expected < r.value for r in rows)


def test_no_injection_no_flags(sqlite_engine: Engine) -> None:
    _fill(sqlite_engine, seed=4, inflated=set())
    for indicator in ("hispanic_share_discretionary", "identification_rate",
                      "minor_offense_share"):
        assert _flags(sqlite_engine, indicator) == {}, indicator


def _units(seed: int, shifted: set[str], hispanic_counties: set[str],
           uneven: set[str]) -> dict[tuple[str, str], Unit]:
    """40 counties, 2010 before activation and 2011 after, 400 bookings a quarter, 40% minor
    traffic. ``shifted``: the Hispanic share of minor-traffic bookings doubles after
    activation; ``hispanic_counties``: 60% Hispanic throughout; ``uneven``: a higher Hispanic
    share among minor-traffic bookings before and after alike."""
    rng = np.random.default_rng(seed)
    out = {}
    for c in range(40):
        fips5 = f"35{c:03d}"
        base = 0.6 if fips5 in hispanic_counties else 0.25
        for year in (2010, 2011):
            for q in range(1, 5):
                disc = int(rng.binomial(400, 0.4))
                share = base * (2 if year == 2011 and fips5 in shifted else 1) * (
                    1.6 if fips5 in uneven else 1)
                shared = 400 if year == 2011 else 0
                out[(fips5, f"{year}Q{q}")] = Unit(
                    bookings=400, with_ethnicity=400, shared=shared,
                    matches=int(rng.binomial(shared, 0.05)), minor_matches=0,
                    discretionary=disc, discretionary_hispanic=int(rng.binomial(disc, share)),
                    other=400 - disc, other_hispanic=int(rng.binomial(400 - disc, base)))
    return out


def test_the_arrest_shift_test_sees_a_change_at_activation_not_a_standing_difference(
        ) -> None:
    rows = screen(_units(5, shifted={"35004", "35030"}, hispanic_counties={"35011", "35012"},
                         uneven={"35020"}))
    shift = {(r.fips5, r.quarter) for r in rows if r.indicator == "arrest_shift" and r.flagged}
    assert shift == {(f, f"2011Q{q}") for f in ("35004", "35030") for q in range(1, 5)}
    before = [r for r in rows if r.indicator == "arrest_shift" and r.quarter < "2011"]
    assert before and all(r.gate == "not after activation" for r in before)
    standing = {r.fips5 for r in rows
                if r.indicator == "hispanic_share_discretionary" and r.flagged}
    assert {"35004", "35030"} <= standing and "35020" in standing


def test_without_a_shift_the_screen_is_quiet() -> None:
    rows = screen(_units(7, shifted=set(), hispanic_counties={"35011", "35012"}, uneven=set()))
    screened = [r for r in rows if not r.gate]
    assert sum(r.flagged for r in screened) <= 0.005 * len(screened)
    assert not [r for r in rows if r.persistent]
    ids = [r for r in rows if r.indicator == "identification_rate" and not r.gate]
    assert ids and all(r.quarter >= "2011Q2" for r in ids)  # a baseline of its own first
