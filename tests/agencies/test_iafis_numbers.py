"""New FBI numbers are repeatable for a booking and never clash with an existing subject.

The national replay died at booking ~209,000 on a clash of the 32-bit numbers used before
(``UNIQUE constraint failed: iafis_subjects.fbi_number``), so a clash is now handled, not
merely made unlikely.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert

from scomm.adapters.clock import ManualClock
from scomm.adapters.tables import iafis_subjects
from scomm.adapters.uow import UnitOfWork
from scomm.agencies.iafis import new_fbi_number

CLOCK = ManualClock(datetime(2011, 1, 1, tzinfo=UTC))


def test_the_same_booking_gets_the_same_number(sqlite_engine: Engine) -> None:
    with UnitOfWork(sqlite_engine, CLOCK) as uow:
        first = new_fbi_number(uow, "B-35013-000001")
        assert new_fbi_number(uow, "B-35013-000001") == first
        assert new_fbi_number(uow, "B-35013-000002") != first
        assert len(first) == 9 and first.isalnum() and first.isupper()


def test_a_taken_number_moves_on_to_the_next(engine: Engine) -> None:
    with UnitOfWork(engine, CLOCK) as uow:
        taken = new_fbi_number(uow, "B-1")
        uow.conn.execute(insert(iafis_subjects).values(
            fbi_number=taken, enrolled_at=CLOCK.now(), prints="x"))
        other = new_fbi_number(uow, "B-1")
        assert other != taken
        assert new_fbi_number(uow, "B-1") == other  # still repeatable
        uow.commit()
