"""Unit of work: one database transaction with its outbox rows and audit entries.

A handler's state change, the messages it emits and the audit entries it writes commit
together or not at all (invariants 7 and 8). Side effects outside the database (updating an
in-memory fingerprint index, telling the simulator) are queued with ``after_commit`` and run
only once the transaction is durable, as Zulip's ``on_commit`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, RootTransaction, insert

from scomm.adapters.audit import AuditWriter
from scomm.adapters.clock import Clock
from scomm.adapters.tables import outbox
from scomm.domain.messages import Message


class UnitOfWork:
    def __init__(self, engine: Engine, clock: Clock, actor: str = "system") -> None:
        self.engine = engine
        self.clock = clock
        self.actor = actor
        self._after: list[Callable[[], None]] = []
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None
        self._audit: AuditWriter | None = None
        self.emitted: list[Message] = []

    def __enter__(self) -> Self:
        self._conn = self.engine.connect()
        self._tx = self._conn.begin()
        self._audit = AuditWriter(self._conn)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        finally:
            if self._conn is not None:
                self._conn.close()
            self._conn = self._tx = self._audit = None

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._conn

    def now(self) -> datetime:
        return self.clock.now()

    def emit(self, message: Message) -> None:
        """Queue a message for delivery after commit (transactional outbox)."""
        self.conn.execute(insert(outbox).values(
            message_id=message.message_id, kind=message.kind,
            payload=message.model_dump_json(), created_at=self.now()))
        self.emitted.append(message)

    def audit(self, action: str, entity: str, entity_id: str,
              detail: dict[str, Any] | None = None, actor: str | None = None) -> None:
        """Record a read or write of a person's record, in this transaction."""
        if self._audit is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        self._audit.append(self.now(), actor or self.actor, action, entity, entity_id, detail)

    def after_commit(self, fn: Callable[[], None]) -> None:
        self._after.append(fn)

    def commit(self) -> None:
        if self._tx is None or self._audit is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        self._audit.flush()
        self._tx.commit()
        pending, self._after = self._after, []
        for fn in pending:
            fn()
