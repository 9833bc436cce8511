"""Local law enforcement agency (the jail): submits bookings, receives responses and detainers.

Responses about immigration status reach the jail only when its participation mode lets it
receive them (the July 2010 "limited" option: ICE is told, the jail is not).
"""

from __future__ import annotations

from sqlalchemy import insert, select

from scomm.adapters.tables import booking_monitoring, bookings, lea_responses
from scomm.adapters.uow import UnitOfWork
from scomm.agencies.services import Services
from scomm.biometrics.template import decode_tenprint
from scomm.domain.errors import InvalidInput
from scomm.domain.messages import (
    BookingSubmitted,
    CriminalSearchCompleted,
    DetainerIssued,
    ImmigrationSearchCompleted,
    StatusDetermined,
    SubmissionWithheld,
    SubmitBooking,
    mid,
)


def submit_booking(msg: SubmitBooking, uow: UnitOfWork, svc: Services) -> None:
    b = msg.booking
    svc.reference.jurisdiction(b.fips5)
    try:
        decode_tenprint(b.prints)
    except InvalidInput as exc:
        raise InvalidInput("booking.prints", exc.problem) from None
    if uow.conn.execute(select(bookings.c.booking_id).where(
            bookings.c.booking_id == b.booking_id)).first() is not None:
        raise InvalidInput("booking.booking_id", f"{b.booking_id!r} was already submitted")
    uow.conn.execute(insert(bookings).values(
        booking_id=b.booking_id, ori=b.ori, fips5=b.fips5, booked_at=b.booked_at,
        biographic=b.biographic.model_dump(mode="json"),
        charges=[c.model_dump() for c in b.charges], prints=b.prints))
    uow.conn.execute(insert(booking_monitoring).values(
        booking_id=b.booking_id, **b.monitoring.model_dump()))
    uow.audit("write", "booking", b.booking_id, {"ori": b.ori, "fips5": b.fips5})
    uow.emit(BookingSubmitted(message_id=mid("BookingSubmitted", b.booking_id),
                              occurred_at=uow.now(), booking=b))


def _store(uow: UnitOfWork, booking_id: str, kind: str, body: dict[str, object]) -> None:
    """File a response in the jail's response store (one per kind; a repeat is ignored)."""
    exists = uow.conn.execute(select(lea_responses.c.kind).where(
        lea_responses.c.booking_id == booking_id, lea_responses.c.kind == kind)).first()
    if exists is None:
        uow.conn.execute(insert(lea_responses).values(
            booking_id=booking_id, kind=kind, received_at=uow.now(), body=body))
        uow.audit("write", "lea_response", f"{booking_id}/{kind}")


def withheld(msg: SubmissionWithheld, uow: UnitOfWork, svc: Services) -> None:
    _store(uow, msg.booking_id, "not_forwarded", {"reason": msg.reason})


def criminal_response(msg: CriminalSearchCompleted, uow: UnitOfWork, svc: Services) -> None:
    _store(uow, msg.booking_id, "criminal_history", {
        "fbi_number": msg.fbi_number, "prior_arrests": len(msg.history),
        "shared_with_ident": msg.routing.shared})


def idr_no_match(msg: ImmigrationSearchCompleted, uow: UnitOfWork, svc: Services) -> None:
    if msg.lea_receives and not msg.matched:
        _store(uow, msg.booking_id, "idr_no_match", {"result": "no match"})


def idr_iar(msg: StatusDetermined, uow: UnitOfWork, svc: Services) -> None:
    """The combined IDR + IAR, only for agencies that receive immigration results."""
    if msg.lea_receives:
        _store(uow, msg.booking_id, "idr_iar", {
            "result": "match", "ident_id": msg.ident_id, "status": msg.status,
            "offense_level": msg.offense_level})


def detainer_received(msg: DetainerIssued, uow: UnitOfWork, svc: Services) -> None:
    _store(uow, msg.booking_id, "detainer", {
        "detainer_id": msg.detainer_id,
        "operative_upon_conviction": msg.operative_upon_conviction})
