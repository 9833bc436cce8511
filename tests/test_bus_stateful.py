"""Crashes at any step and duplicate deliveries leave the same final state (invariant 7).

A three-stage pipeline runs on the real bus, outbox, inbox and audit log: a command stores a
booking and emits ``BookingSubmitted``; a second consumer turns it into ``SubmissionWithheld``;
a third files a response and bumps a per-county counter (a non-idempotent effect on purpose,
so a double application would show). Hypothesis drives submissions, relays with a crash injected
at any point (before delivery, before commit, after commit, before the outbox row is marked),
and broker-style redeliveries of already-published messages. After draining, every acknowledged
booking has exactly one response and the counters equal the number of bookings.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path
from tempfile import mkdtemp

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
    update,
)

from scomm.adapters import audit, db
from scomm.adapters.bus import InProcessBus, Subscription
from scomm.adapters.clock import ManualClock
from scomm.adapters.tables import outbox
from scomm.adapters.uow import UnitOfWork
from scomm.domain.booking import Biographic, Booking, Charge
from scomm.domain.messages import (
    BookingSubmitted,
    Message,
    SubmissionWithheld,
    SubmitBooking,
    mid,
)

toy = MetaData()
stored = Table("toy_bookings", toy, Column("booking_id", String(64), primary_key=True))
responses = Table("toy_responses", toy, Column("booking_id", String(64), primary_key=True))
counters = Table("toy_counters", toy, Column("fips5", String(5), primary_key=True),
                 Column("n", Integer, nullable=False))

POINTS = ("before_deliver", "before_commit", "after_commit", "before_mark")
CONSUMERS = ("jail", "bureau", "desk", "relay")


class Crash(Exception):
    pass


def booking(i: int) -> Booking:
    return Booking(booking_id=f"B{i}", ori="NM0010000", fips5="35001",
                   booked_at=datetime(2011, 4, 1, 12, tzinfo=UTC),
                   biographic=Biographic(last_name="Tovadu", first_name="Mera",
                                         date_of_birth=datetime(1980, 1, 1).date(), sex="M",
                                         place_of_birth="MM"),
                   charges=(Charge(ncic_code="5404"),), prints="AAAA")


def store(msg: Message, uow: UnitOfWork) -> None:
    assert isinstance(msg, SubmitBooking)
    uow.conn.execute(insert(stored).values(booking_id=msg.booking.booking_id))
    uow.audit("write", "booking", msg.booking.booking_id)
    uow.emit(BookingSubmitted(message_id=mid("BookingSubmitted", msg.booking.booking_id),
                              occurred_at=uow.now(), booking=msg.booking))


def forward(msg: Message, uow: UnitOfWork) -> None:
    assert isinstance(msg, BookingSubmitted)
    uow.emit(SubmissionWithheld(message_id=mid("SubmissionWithheld", msg.booking.booking_id),
                                occurred_at=uow.now(), booking_id=msg.booking.booking_id,
                                fips5=msg.booking.fips5, rule_id="r", reason="test"))


def respond(msg: Message, uow: UnitOfWork) -> None:
    assert isinstance(msg, SubmissionWithheld)
    uow.conn.execute(insert(responses).values(booking_id=msg.booking_id))
    n = uow.conn.execute(select(counters.c.n).where(counters.c.fips5 == msg.fips5)).scalar()
    if n is None:
        uow.conn.execute(insert(counters).values(fips5=msg.fips5, n=1))
    else:
        uow.conn.execute(update(counters).where(counters.c.fips5 == msg.fips5).values(n=n + 1))
    uow.audit("write", "response", msg.booking_id)


class Pipeline(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.engine: Engine = db.make_engine(f"sqlite:///{Path(mkdtemp()) / 'bus.db'}")
        db.migrate(self.engine)
        toy.create_all(self.engine)
        self.clock = ManualClock(datetime(2011, 4, 1, 12, tzinfo=UTC))
        self.crash_at: tuple[str, str] | None = None
        subs = [Subscription("jail", frozenset({"SubmitBooking"}), store),
                Subscription("bureau", frozenset({"BookingSubmitted"}), forward),
                Subscription("desk", frozenset({"SubmissionWithheld"}), respond)]
        self.bus = InProcessBus(self.engine, self.clock, subs, fault=self.fault, batch=3)
        self.acknowledged: set[int] = set()
        self.attempted: set[int] = set()

    def fault(self, point: str, consumer: str, msg: Message) -> None:
        if self.crash_at == (point, consumer):
            self.crash_at = None
            raise Crash(f"{point}/{consumer}/{msg.message_id}")

    @rule(i=st.integers(0, 7), point=st.sampled_from((None, *POINTS)),
          consumer=st.sampled_from(CONSUMERS))
    def submit(self, i: int, point: str | None, consumer: str) -> None:
        """A jail submits (or resubmits after a failure) booking i, maybe crashing mid-way."""
        self.crash_at = (point, consumer) if point else None
        self.attempted.add(i)
        cmd = SubmitBooking(message_id=mid("SubmitBooking", f"B{i}"),
                            occurred_at=self.clock.now(), booking=booking(i))
        try:
            self.bus.handle(cmd)
        except Crash:
            return
        self.acknowledged.add(i)

    @rule(point=st.sampled_from(POINTS), consumer=st.sampled_from(CONSUMERS))
    def relay_with_crash(self, point: str, consumer: str) -> None:
        self.crash_at = (point, consumer)
        with contextlib.suppress(Crash):
            self.bus.run_until_idle()

    @precondition(lambda self: bool(self.attempted))
    @rule(data=st.data())
    def redeliver(self, data: st.DataObject) -> None:
        """The broker delivers an already-published message again."""
        with self.engine.begin() as conn:
            seqs = [r[0] for r in conn.execute(select(outbox.c.seq).where(
                outbox.c.published_at.is_not(None)))]
            if seqs:
                seq = data.draw(st.sampled_from(seqs))
                conn.execute(update(outbox).where(outbox.c.seq == seq).values(published_at=None))

    @invariant()
    def never_applied_twice(self) -> None:
        with self.engine.connect() as conn:
            n_resp = conn.execute(select(func.count()).select_from(responses)).scalar_one()
            total = conn.execute(select(func.coalesce(func.sum(counters.c.n), 0))).scalar_one()
        assert total == n_resp <= len(self.attempted)

    def teardown(self) -> None:
        self.crash_at = None
        for i in self.acknowledged:
            self.bus.handle(SubmitBooking(message_id=mid("SubmitBooking", f"B{i}"),
                                          occurred_at=self.clock.now(), booking=booking(i)))
        self.bus.run_until_idle()
        with self.engine.connect() as conn:
            done = {r[0] for r in conn.execute(select(responses.c.booking_id))}
            total = conn.execute(select(func.coalesce(func.sum(counters.c.n), 0))).scalar_one()
            stored_ids = {r[0] for r in conn.execute(select(stored.c.booking_id))}
            assert {f"B{i}" for i in self.acknowledged} <= done
            assert done == stored_ids
            assert total == len(done)
            assert audit.verify(conn).entries == 2 * len(done)
        self.engine.dispose()


Pipeline.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
TestPipeline = Pipeline.TestCase
