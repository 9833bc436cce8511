"""Jails and state bureaus submit bookings (JSON or an ANSI/NIST-ITL file) and read answers."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from sqlalchemy import select

from scomm.adapters.authorization import targets
from scomm.adapters.tables import bookings
from scomm.domain.booking import Booking, parse_booking
from scomm.domain.errors import InvalidInput
from scomm.domain.messages import SubmitBooking, mid
from scomm.entrypoints.api import views
from scomm.entrypoints.api.errors import ERRORS
from scomm.entrypoints.api.schemas import (
    Accepted,
    BookingOut,
    BookingSummary,
    CombinedResponse,
    ResponseItem,
)
from scomm.entrypoints.api.service import Gate, GateDep
from scomm.formats.ansi_nist import car_to_booking, looks_like_ansi_nist

router = APIRouter(prefix="/api/bookings", tags=["bookings"], responses=ERRORS)
MAX_UPLOAD = 16 * 1024 * 1024
FINAL = {"not_forwarded", "idr_no_match", "idr_iar"}


def _submit(gate: Gate, b: Booking) -> Accepted:
    gate.command("booking", "create", b.booking_id, targets(fips5=b.fips5), SubmitBooking(
        message_id=mid("SubmitBooking", b.booking_id), occurred_at=gate.svc.system.clock.now(),
        booking=b), conceal=False)
    return Accepted(ref=b.booking_id, links={
        "booking": f"/api/bookings/{b.booking_id}",
        "response": f"/api/bookings/{b.booking_id}/response"})


@router.post("", status_code=202, response_model=Accepted)
def submit(booking: Booking, gate: GateDep) -> Accepted:
    """Submit a booking as JSON. Answers once it is stored; the searches follow."""
    return _submit(gate, booking)


@router.post("/file", status_code=202, response_model=Accepted)
def submit_file(file: Annotated[UploadFile, File(description="an EBTS CAR transaction "
                                                 "(.eft, .an2) or a booking JSON file")],
                gate: GateDep) -> Accepted:
    """Submit a booking file; the format is told by its first bytes."""
    raw = file.file.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        raise InvalidInput("file", f"larger than {MAX_UPLOAD} bytes")
    if looks_like_ansi_nist(raw):
        return _submit(gate, car_to_booking(raw).booking)
    try:
        data: Any = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("file", "neither an ANSI/NIST-ITL transaction nor a JSON booking: "
                           f"{exc}") from None
    return _submit(gate, parse_booking(data))


Page = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


@router.get("", response_model=list[BookingSummary])
def list_bookings(gate: GateDep, fips5: Annotated[str | None, Query(pattern=r"^\d{5}$")] = None,
                  limit: Page = 100, offset: Offset = 0) -> list[dict[str, Any]]:
    """The bookings in the caller's jurisdictions, newest first."""
    return gate.listing("booking", lambda uow, scope: views.booking_list(
        uow.conn, scope, fips5, limit, offset), lambda r: str(r["booking_id"]))


def _domains(row: dict[str, Any]) -> tuple[str, ...]:
    return targets(fips5=row["fips5"])


@router.get("/{booking_id}", response_model=BookingOut)
def get_booking(booking_id: str, gate: GateDep) -> dict[str, Any]:
    """One booking: who, where, when, the charges (the prints stay in the store)."""
    return gate.read("booking", booking_id, lambda uow: views.booking(uow.conn, booking_id),
                     _domains)


@router.get("/{booking_id}/response", response_model=CombinedResponse)
def get_response(booking_id: str, gate: GateDep) -> CombinedResponse:
    """The combined response the jail has received. ``complete`` once the immigration answer
    (or the reason no search was made) is in; under limited participation the jail receives
    none, so only the criminal history comes."""
    def load(uow: Any) -> dict[str, Any] | None:
        row = uow.conn.execute(select(bookings.c.fips5).where(
            bookings.c.booking_id == booking_id)).first()
        if row is None:
            return None
        return {"fips5": row.fips5, "items": views.responses(uow.conn, booking_id)}

    found = gate.read("response", booking_id, load, _domains)
    items = [ResponseItem.model_validate(i) for i in found["items"]]
    kinds = {i.kind: i for i in items}
    history = kinds.get("criminal_history")
    complete = bool(FINAL & kinds.keys()) or (
        history is not None and not history.body.get("shared_with_ident", True))
    return CombinedResponse(booking_id=booking_id, complete=complete, responses=items)
