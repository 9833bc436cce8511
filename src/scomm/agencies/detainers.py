"""The detainer desk of the field office: the I-247's life and the 48-hour limit.

Lifecycle: ``issued`` (or ``conditional`` when operative only upon conviction) → ``served``
when the jail hands the subject a copy of the I-247 with its six-language notice and the
hotline (the conditional detainer stays ``conditional`` and keeps its service time) → the jail
reports the time the person would otherwise be released → ``held`` with a deadline 48 hours
later not counting Saturdays, Sundays and federal holidays in the facility's local calendar
(8 CFR 287.7(d); ``domain.detainer_clock``) → ``assumed`` (ICE took custody), ``lapsed`` (the
jail released the person) or ``cancelled`` (by the field office, e.g. after a hotline review,
or because a conditional detainer's condition never came). Reaching the deadline marks the
detainer ``expired``: its authority is over and the jail is expected to release. Any custody
past the deadline, by transfer or by late release, is a hold past the limit: it raises an
alert and is counted, and the extra jail days go to the cost ledger.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from scomm.adapters import deadlines
from scomm.adapters.tables import custody, detainers
from scomm.adapters.uow import UnitOfWork
from scomm.agencies.alerts import raise_alert
from scomm.agencies.services import Services
from scomm.domain.detainer_clock import detainer_deadline
from scomm.domain.errors import IllegalTransition, InvalidInput
from scomm.domain.messages import (
    CancelDetainer,
    DetainerAssumed,
    DetainerCancelled,
    DetainerLapsed,
    PickupDue,
    RecordConviction,
    RecordCustodyTransfer,
    RecordDetainerServed,
    RecordJailRelease,
    ReportRelease,
    mid,
)

LIMIT = "detainer_limit"
PICKUP = "pickup_reminder"
#: How long before the deadline the transport desk is reminded of a held person.
PICKUP_LEAD = timedelta(hours=12)
OPEN_STATES = frozenset({"issued", "served", "conditional", "held", "expired"})
AWAITING_RELEASE = frozenset({"issued", "served"})


def _detainer(uow: UnitOfWork, booking_id: str) -> Any:
    row = uow.conn.execute(select(detainers).where(detainers.c.booking_id == booking_id)).first()
    if row is None:
        raise IllegalTransition(f"booking {booking_id}: no detainer on file")
    uow.audit("read", "detainer", row.detainer_id)
    return row


def _set(uow: UnitOfWork, detainer_id: str, **values: Any) -> None:
    uow.conn.execute(update(detainers).where(detainers.c.detainer_id == detainer_id)
                     .values(**values))
    uow.audit("write", "detainer", detainer_id, {k: str(v) for k, v in values.items()})


def report_release(msg: ReportRelease, uow: UnitOfWork, svc: Services) -> None:
    d = _detainer(uow, msg.booking_id)
    if d.state == "conditional":
        _set(uow, d.detainer_id, state="cancelled", release_at=msg.release_at,
             facility_tz=msg.facility_tz, ended_at=msg.release_at, held_hours=0.0)
        uow.emit(DetainerCancelled(
            message_id=mid("DetainerCancelled", d.detainer_id), occurred_at=uow.now(),
            detainer_id=d.detainer_id, case_id=d.case_id, booking_id=d.booking_id,
            reason="operative only upon conviction; released without a conviction"))
        return
    if d.state not in AWAITING_RELEASE:
        raise IllegalTransition(f"detainer {d.detainer_id}: release reported while {d.state}")
    due = detainer_deadline(msg.release_at, msg.facility_tz)
    _set(uow, d.detainer_id, state="held", release_at=msg.release_at,
         facility_tz=msg.facility_tz, deadline_at=due)
    deadlines.schedule(uow, LIMIT, d.detainer_id, due)
    deadlines.schedule(uow, PICKUP, d.detainer_id, max(msg.release_at, due - PICKUP_LEAD))


def record_conviction(msg: RecordConviction, uow: UnitOfWork, svc: Services) -> None:
    """A conviction makes a conditional (minor-traffic) detainer operative."""
    row = uow.conn.execute(select(detainers).where(
        detainers.c.booking_id == msg.booking_id)).first()
    if row is not None and row.state == "conditional":
        _set(uow, row.detainer_id, state="issued" if row.served_at is None else "served")


def record_served(msg: RecordDetainerServed, uow: UnitOfWork, svc: Services) -> None:
    d = _detainer(uow, msg.booking_id)
    if d.served_at is not None:
        raise IllegalTransition(f"detainer {d.detainer_id}: already served "
                                f"{d.served_at.isoformat()}")
    if d.state not in {"issued", "conditional"}:
        raise IllegalTransition(f"detainer {d.detainer_id}: cannot be served while {d.state}")
    if not d.issued_at <= msg.served_at <= uow.now():
        raise InvalidInput("served_at", f"{msg.served_at.isoformat()} is not between the "
                           f"detainer's issue {d.issued_at.isoformat()} and now")
    _set(uow, d.detainer_id, served_at=msg.served_at,
         state="served" if d.state == "issued" else d.state)


def cancel_for_case(uow: UnitOfWork, case_id: str, reason: str) -> bool:
    """Cancel the case's detainer if one is still open; False if there is nothing to cancel.

    Custody already past the release time counts as held up to now, so a citizen found by a
    hotline review after release still shows in the figures."""
    d = uow.conn.execute(select(detainers).where(detainers.c.case_id == case_id)).first()
    if d is None or d.state not in OPEN_STATES:
        return False
    if d.release_at is None or d.release_at > uow.now():
        _set(uow, d.detainer_id, state="cancelled", ended_at=uow.now(), held_hours=0.0,
             cancel_reason=reason)
        deadlines.cancel(uow, LIMIT, d.detainer_id)
        deadlines.cancel(uow, PICKUP, d.detainer_id)
    else:
        _close(uow, d, "cancelled")
        _set(uow, d.detainer_id, cancel_reason=reason)
    uow.emit(DetainerCancelled(
        message_id=mid("DetainerCancelled", d.detainer_id), occurred_at=uow.now(),
        detainer_id=d.detainer_id, case_id=d.case_id, booking_id=d.booking_id, reason=reason))
    return True


def cancel_detainer(msg: CancelDetainer, uow: UnitOfWork, svc: Services) -> None:
    if not cancel_for_case(uow, msg.case_id, msg.reason.strip()):
        raise IllegalTransition(f"case {msg.case_id}: no open detainer to cancel")
    uow.audit("write", "detainer", f"D-{msg.case_id}", {"cancelled": msg.reason},
              actor=f"officer:{msg.officer}")


def _close(uow: UnitOfWork, d: Any, state: str) -> tuple[float, bool]:
    now = uow.now()
    release_at: datetime = d.release_at or now
    held = max(0.0, (now - release_at).total_seconds() / 3600)
    past = d.deadline_at is not None and now > d.deadline_at
    _set(uow, d.detainer_id, state=state, release_at=release_at, ended_at=now,
         held_hours=round(held, 2), past_limit=past, extra_jail_days=math.ceil(held / 24))
    deadlines.cancel(uow, LIMIT, d.detainer_id)
    deadlines.cancel(uow, PICKUP, d.detainer_id)
    if past:
        raise_alert(uow, "hold_past_limit", d.detainer_id, d.fips5,
               f"held {held:.1f} h from release, deadline was {d.deadline_at.isoformat()}")
    return held, past


def custody_transfer(msg: RecordCustodyTransfer, uow: UnitOfWork, svc: Services) -> None:
    d = _detainer(uow, msg.booking_id)
    if d.state not in OPEN_STATES - {"conditional"}:
        raise IllegalTransition(f"detainer {d.detainer_id}: custody transfer while {d.state}")
    held, past = _close(uow, d, "assumed")
    uow.conn.execute(insert(custody).values(case_id=d.case_id, booking_id=d.booking_id,
                                            fips5=d.fips5, booked_in_at=uow.now(),
                                            removal_basis="detainer"))
    uow.audit("write", "custody", d.case_id)
    uow.emit(DetainerAssumed(
        message_id=mid("DetainerAssumed", d.detainer_id), occurred_at=uow.now(),
        detainer_id=d.detainer_id, case_id=d.case_id, booking_id=d.booking_id,
        held_hours=round(held, 2), past_limit=past))


def jail_release(msg: RecordJailRelease, uow: UnitOfWork, svc: Services) -> None:
    d = _detainer(uow, msg.booking_id)
    if d.state not in OPEN_STATES:
        raise IllegalTransition(f"detainer {d.detainer_id}: release while {d.state}")
    _close(uow, d, "lapsed")
    uow.emit(DetainerLapsed(
        message_id=mid("DetainerLapsed", d.detainer_id), occurred_at=uow.now(),
        detainer_id=d.detainer_id, case_id=d.case_id, booking_id=d.booking_id))


def pickup_reminder(uow: UnitOfWork, detainer_id: str, due_at: datetime) -> None:
    """Twelve hours before the limit, a person still held prompts the transport desk."""
    d = uow.conn.execute(select(detainers).where(detainers.c.detainer_id == detainer_id)).first()
    if d is not None and d.state == "held":
        uow.emit(PickupDue(message_id=mid("PickupDue", detainer_id), occurred_at=uow.now(),
                           detainer_id=detainer_id, case_id=d.case_id,
                           booking_id=d.booking_id, deadline_at=d.deadline_at))


def limit_reached(uow: UnitOfWork, detainer_id: str, due_at: datetime) -> None:
    """The 48-hour authority ended; the jail is now expected to release the person."""
    row = uow.conn.execute(select(detainers.c.state).where(
        detainers.c.detainer_id == detainer_id)).first()
    if row is not None and row.state == "held":
        _set(uow, detainer_id, state="expired")
