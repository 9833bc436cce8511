"""Durable timers: rows in ``deadlines`` that the clock fires through ``ExpireDeadlines``.

A deadline is data in the same transaction as the state that needs it, so a crash can neither
lose a detainer's 48-hour limit nor fire it twice: firing marks the row in the transaction that
acts on it. On SQLite one process runs the timers; on PostgreSQL several workers can claim rows
with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import insert, select, update

from scomm.adapters.tables import deadlines
from scomm.adapters.uow import UnitOfWork

DeadlineAction = Callable[[UnitOfWork, str, datetime], None]


def schedule(uow: UnitOfWork, kind: str, ref_id: str, due_at: datetime) -> None:
    uow.conn.execute(insert(deadlines).values(
        deadline_id=f"{kind}:{ref_id}", kind=kind, ref_id=ref_id, due_at=due_at,
        state="pending"))


def cancel(uow: UnitOfWork, kind: str, ref_id: str) -> None:
    uow.conn.execute(update(deadlines)
                     .where(deadlines.c.deadline_id == f"{kind}:{ref_id}",
                            deadlines.c.state == "pending")
                     .values(state="cancelled"))


def fire_due(uow: UnitOfWork, actions: Mapping[str, DeadlineAction]) -> int:
    """Fire every pending deadline due by now, oldest first; returns how many fired."""
    query = (select(deadlines.c.deadline_id, deadlines.c.kind, deadlines.c.ref_id,
                    deadlines.c.due_at)
             .where(deadlines.c.state == "pending", deadlines.c.due_at <= uow.now())
             .order_by(deadlines.c.due_at, deadlines.c.deadline_id))
    if uow.conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = uow.conn.execute(query).all()
    for row in rows:
        uow.conn.execute(update(deadlines).where(deadlines.c.deadline_id == row.deadline_id)
                         .values(state="fired"))
        actions[row.kind](uow, row.ref_id, row.due_at)
    return len(rows)


def next_due(uow: UnitOfWork) -> datetime | None:
    row = uow.conn.execute(select(deadlines.c.due_at).where(deadlines.c.state == "pending")
                           .order_by(deadlines.c.due_at).limit(1)).first()
    return None if row is None else row[0]
