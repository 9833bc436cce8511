"""Ground-truth tables. Written and read by ``sim`` only (DESIGN invariant 1).

The system's agencies see records (IAFIS histories, IDENT encounters, federal source entries)
that may be stale or wrong; these tables say what is actually true of each synthetic person so
that evaluation can measure the system's errors, such as a U.S. citizen held on a detainer.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Date, String, Table

from scomm.adapters.tables import metadata
from scomm.adapters.types import UTCDateTime

sim_people = Table(
    "sim_people",
    metadata,
    Column("person_id", String(24), primary_key=True),
    Column("true_status", String(40), nullable=False, index=True),
    Column("home_fips5", String(5), nullable=False),
    Column("born_on", Date, nullable=False),
    Column("detail", JSON, nullable=False),
)

sim_bookings = Table(
    "sim_bookings",
    metadata,
    Column("booking_id", String(64), primary_key=True),
    Column("person_id", String(24), nullable=False, index=True),
    Column("fips5", String(5), nullable=False),
    Column("booked_at", UTCDateTime(), nullable=False),
    Column("detail", JSON, nullable=False),
)
