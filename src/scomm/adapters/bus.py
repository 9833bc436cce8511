"""In-process message bus over the transactional outbox and a consumer inbox.

Delivery is at-least-once and processing effectively-once:

* producers write outbox rows in the same transaction as their state change (``UnitOfWork``);
* the relay reads unpublished rows in commit order and hands each to every subscribed consumer;
* each consumer records ``(consumer, message_id)`` in the inbox inside the transaction that
  applies the message, so a redelivery after a crash is recognised and skipped;
* a row is marked published only after every consumer has processed it.

A crash at any of these points leaves the outbox row unpublished or the inbox row absent, and
the next ``run_until_idle`` finishes the work exactly once. ``tests/test_bus_stateful.py``
proves this with injected crashes and duplicates. The NATS adapter (scale-out) keeps the same
outbox/inbox tables and replaces only the relay.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, Executable, select, update
from sqlalchemy.dialects import postgresql, sqlite

from scomm.adapters.clock import Clock
from scomm.adapters.tables import inbox, outbox
from scomm.adapters.uow import UnitOfWork
from scomm.domain.messages import Message, load_message

Handler = Callable[[Message, UnitOfWork], None]



def _record_delivery(dialect: str, **row: object) -> Executable:
    """The inbox row, inserted with ``ON CONFLICT DO NOTHING``: one statement both records a
    delivery and tells a redelivery (no row inserted) from a first one."""
    if dialect == "postgresql":
        return postgresql.insert(inbox).values(**row).on_conflict_do_nothing()
    return sqlite.insert(inbox).values(**row).on_conflict_do_nothing()


class SimulatedCrash(Exception):
    """Raised by a test's fault hook to stand for the process dying at that point."""


Listener = Callable[[Message], None]
FaultHook = Callable[[str, str, Message], None]


@dataclass(frozen=True)
class Subscription:
    """One consumer (an agency) and the message kinds it handles."""

    consumer: str
    kinds: frozenset[str]
    handler: Handler


class InProcessBus:
    def __init__(self, engine: Engine, clock: Clock, subscriptions: Iterable[Subscription],
                 listeners: Sequence[Listener] = (), fault: FaultHook | None = None,
                 batch: int = 500) -> None:
        self.engine = engine
        self.clock = clock
        self.subscriptions = list(subscriptions)
        self.listeners = list(listeners)
        self.fault = fault
        self.batch = batch
        self.delivered = 0
        self._by_kind: dict[str, list[Subscription]] = {}
        for sub in self.subscriptions:
            for kind in sub.kinds:
                self._by_kind.setdefault(kind, []).append(sub)

    def _hook(self, point: str, consumer: str, msg: Message) -> None:
        if self.fault is not None:
            self.fault(point, consumer, msg)

    def deliver(self, sub: Subscription, msg: Message, actor: str | None = None) -> bool:
        """Apply ``msg`` to one consumer exactly once; False if it had already been applied.
        ``actor`` is who the audit log names (default: the agency)."""
        self._hook("before_deliver", sub.consumer, msg)
        with UnitOfWork(self.engine, self.clock,
                        actor=actor or f"agency:{sub.consumer}") as uow:
            first_time = uow.conn.execute(_record_delivery(
                self.engine.dialect.name, consumer=sub.consumer, message_id=msg.message_id,
                processed_at=uow.now()))
            if first_time.rowcount == 0:
                return False
            sub.handler(msg, uow)
            self._hook("before_commit", sub.consumer, msg)
            uow.commit()
        self.delivered += 1
        self._hook("after_commit", sub.consumer, msg)
        return True

    def accept(self, command: Message, actor: str | None = None) -> bool:
        """Apply a command from outside (a jail, an officer, a court) and leave what it emitted
        in the outbox for the relay: the service answers once the command is durable.

        Returns False when the command's id had already been applied: a retry is harmless, and
        the caller can tell the sender it was a repeat.
        """
        subs = self._by_kind.get(command.kind, [])
        if len(subs) != 1:
            raise LookupError(f"{command.kind}: expected exactly one handler, found {len(subs)}")
        return self.deliver(subs[0], command, actor)

    def handle(self, command: Message, actor: str | None = None) -> bool:
        """``accept``, then drain the outbox: the command line's way, one command at a time."""
        applied = self.accept(command, actor)
        self.run_until_idle()
        return applied

    def run_until_idle(self) -> int:
        """Relay outbox rows in commit order until none is left; returns how many were relayed."""
        relayed = 0
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(outbox.c.seq, outbox.c.payload)
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.seq).limit(self.batch)).all()
            if not rows:
                return relayed
            for row in rows:
                msg = load_message(row.payload)
                for sub in self._by_kind.get(msg.kind, []):
                    self.deliver(sub, msg)
                for listener in self.listeners:
                    listener(msg)
                self._hook("before_mark", "relay", msg)
            # One UPDATE for the batch: a crash before it only means redelivery, which every
            # consumer's inbox already absorbs.
            with self.engine.begin() as conn:
                conn.execute(update(outbox).where(outbox.c.seq.in_([r.seq for r in rows]))
                             .values(published_at=self.clock.now()))
            relayed += len(rows)
