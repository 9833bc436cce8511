"""Storage behaves the same on SQLite and PostgreSQL: migrations, instants, outbox keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, insert, inspect, select
from sqlalchemy.exc import IntegrityError, StatementError

from scomm.adapters import db
from scomm.adapters.clock import ManualClock
from scomm.adapters.tables import deadlines, metadata, outbox
from scomm.adapters.uow import UnitOfWork
from scomm.domain.messages import ExpireDeadlines


def test_migration_creates_every_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= tables
    assert "alembic_version" in tables
    db.migrate(engine)  # idempotent


def test_instants_come_back_aware_utc(engine: Engine) -> None:
    eastern = timezone(timedelta(hours=-5))
    local = datetime(2011, 3, 13, 1, 30, tzinfo=eastern)
    with engine.begin() as conn:
        conn.execute(insert(deadlines).values(deadline_id="d", kind="k", ref_id="r",
                                              due_at=local, state="pending"))
        got = conn.execute(select(deadlines.c.due_at)).scalar_one()
    assert got.tzinfo is not None and got.utcoffset() == timedelta(0)
    assert got == local


def test_naive_instants_are_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"), engine.begin() as conn:
        conn.execute(insert(deadlines).values(deadline_id="d", kind="k", ref_id="r",
                                              due_at=datetime(2011, 1, 1), state="pending"))


def test_outbox_refuses_a_second_message_with_the_same_id(engine: Engine) -> None:
    clock = ManualClock(datetime(2011, 1, 1, tzinfo=UTC))
    msg = ExpireDeadlines(message_id="ExpireDeadlines:1", occurred_at=clock.now())
    with UnitOfWork(engine, clock) as uow:
        uow.emit(msg)
        uow.commit()
    with pytest.raises(IntegrityError), UnitOfWork(engine, clock) as uow:
        uow.emit(msg)
        uow.commit()
    with engine.connect() as conn:
        assert len(conn.execute(select(outbox)).all()) == 1


def test_rolled_back_work_leaves_nothing(engine: Engine) -> None:
    clock = ManualClock(datetime(2011, 1, 1, tzinfo=UTC))
    ran: list[str] = []
    with UnitOfWork(engine, clock) as uow:
        uow.emit(ExpireDeadlines(message_id="m", occurred_at=clock.now()))
        uow.audit("write", "case", "C-1")
        uow.after_commit(lambda: ran.append("side effect"))
    with engine.connect() as conn:
        assert conn.execute(select(outbox)).all() == []
    assert ran == []


def test_migrations_match_the_table_definitions(engine: Engine) -> None:
    """A schema change without a migration fails here, not on a user's database."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diffs == []
