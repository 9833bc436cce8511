"""Complaints as a monitoring signal: how many, of what kind, where and when.

The profiling monitor reads complaints per jurisdiction and quarter next to its statistical
indicators; it never sees who complained (that stays with CRCL's reviewers, agencies/crcl.py).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Connection, select

from scomm.adapters.tables import complaints


def quarter_of(month: int, year: int) -> str:
    return f"{year}Q{(month - 1) // 3 + 1}"


def by_jurisdiction_quarter(conn: Connection) -> dict[tuple[str, str, str], int]:
    """(fips5, quarter, category) -> complaints received; complaints with no county are
    counted under fips5 ``""``."""
    out: Counter[tuple[str, str, str]] = Counter()
    for fips5, received_at, category in conn.execute(select(
            complaints.c.fips5, complaints.c.received_at, complaints.c.category)):
        out[(fips5 or "", quarter_of(received_at.month, received_at.year), category)] += 1
    return dict(sorted(out.items()))
