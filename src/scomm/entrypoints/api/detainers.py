"""The detainer board with its 48-hour clocks, the jail's release report, and the hotline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from scomm.adapters.authorization import targets
from scomm.adapters.tables import bookings
from scomm.domain.messages import CancelDetainer, ReceiveHotlineCall, ReportRelease, mid
from scomm.entrypoints.api import views
from scomm.entrypoints.api.bookings import Offset, Page
from scomm.entrypoints.api.errors import ERRORS, NotFound
from scomm.entrypoints.api.schemas import (
    Accepted,
    Cancel,
    DetainerOut,
    HotlineCall,
    HotlineOut,
    Release,
)
from scomm.entrypoints.api.service import Gate, GateDep

router = APIRouter(prefix="/api", tags=["detainers"], responses=ERRORS)


@router.get("/detainers", response_model=list[DetainerOut])
def list_detainers(gate: GateDep, state: Annotated[str | None, Query(max_length=20)] = None,
                   limit: Page = 100, offset: Offset = 0) -> list[dict[str, Any]]:
    """Detainers in scope, the nearest limit first, with the seconds left on each clock."""
    now = gate.svc.system.clock.now()
    return gate.listing("detainer", lambda uow, scope: views.detainer_list(
        uow.conn, scope, state, now, limit, offset), lambda r: str(r["detainer_id"]))


def _detainer(gate: Gate, detainer_id: str) -> dict[str, Any]:
    with gate.svc.system.engine.connect() as conn:
        found = views.detainer(conn, detainer_id)
    if found is None:
        raise NotFound("detainer", detainer_id)
    return found


@router.post("/detainers/{detainer_id}/release", status_code=202, response_model=Accepted)
def report_release(detainer_id: str, body: Release, gate: GateDep) -> Accepted:
    """The jail says when the person would otherwise go free; the 48-hour clock starts."""
    d = _detainer(gate, detainer_id)
    gate.command("detainer", "release", detainer_id, targets(fips5=d["fips5"]), ReportRelease(
        message_id=mid("ReportRelease", d["booking_id"]),
        occurred_at=gate.svc.system.clock.now(), booking_id=d["booking_id"],
        release_at=body.release_at, facility_tz=body.facility_tz))
    return Accepted(ref=detainer_id, links={"detainers": "/api/detainers"})


@router.post("/detainers/{detainer_id}/cancel", status_code=202, response_model=Accepted)
def cancel(detainer_id: str, body: Cancel, gate: GateDep) -> Accepted:
    """The field office lifts a detainer, with its reason."""
    d = _detainer(gate, detainer_id)
    gate.command("detainer", "cancel", detainer_id, targets(fips5=d["fips5"], aor=d["aor"]),
                 CancelDetainer(message_id=mid("CancelDetainer", d["case_id"]),
                                occurred_at=gate.svc.system.clock.now(), case_id=d["case_id"],
                                officer=gate.actor.username, reason=body.reason))
    return Accepted(ref=detainer_id, links={"detainers": "/api/detainers"})


@router.get("/hotline", response_model=list[HotlineOut], tags=["hotline"])
def list_hotline(gate: GateDep, limit: Page = 100, offset: Offset = 0) -> list[dict[str, Any]]:
    """Hotline calls and agency flags, newest first, with their review state."""
    return gate.listing("hotline", lambda uow, scope: views.hotline_list(
        uow.conn, scope, limit, offset), lambda r: str(r["call_id"]))


@router.post("/hotline", status_code=202, response_model=Accepted, tags=["hotline"])
def hotline_intake(body: HotlineCall, gate: GateDep) -> Accepted:
    """A call to the detainer hotline (a citizenship or victim claim) about a booking."""
    with gate.svc.system.engine.connect() as conn:
        row = conn.execute(select(bookings.c.fips5).where(
            bookings.c.booking_id == body.booking_id)).first()
    if row is None:
        raise NotFound("booking", body.booking_id)
    gate.command("hotline", "create", body.call_id, targets(fips5=row.fips5),
                 ReceiveHotlineCall(message_id=mid("ReceiveHotlineCall", body.call_id),
                                    occurred_at=gate.svc.system.clock.now(),
                                    call_id=body.call_id, booking_id=body.booking_id,
                                    channel=body.channel, claim=body.claim))
    return Accepted(ref=body.call_id, links={"hotline": "/api/hotline"})
