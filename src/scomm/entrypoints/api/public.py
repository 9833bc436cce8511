"""What anyone may read or send without signing in (CJIS AC-14 lists exactly these): the
published statistics, the jurisdiction table, and a complaint to CRCL.

The statistics are the columns ICE published, with small cells suppressed, so they hold no
record of any one person; a complaint is accepted from anyone, and who made it is kept apart
for CRCL's reviewers alone.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from scomm.domain.messages import FileComplaint, mid
from scomm.entrypoints.api import views
from scomm.entrypoints.api.errors import ERRORS
from scomm.entrypoints.api.schemas import ComplaintIn, ComplaintReceipt, JurisdictionOut
from scomm.entrypoints.api.service import Service, ServiceDep, context, service
from scomm.oversight import statistics, transparency
from scomm.policy.participation import jurisdiction_on

router = APIRouter(prefix="/api", tags=["public"], responses={422: ERRORS[422]})
MIN_CELL = 10


@router.get("/statistics", response_model=list[dict[str, int | str]])
def published_statistics(svc: ServiceDep, state: Annotated[
        str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None) -> list[dict[str, int | str]]:
    """Cumulative IDENT/IAFIS interoperability statistics per county in ICE's columns; every
    count below 10 is shown as "<10" (the published small-cell rule)."""
    with svc.system.engine.connect() as conn:
        rows = statistics.county_table(conn)
    if state:
        rows = [r for r in rows if r.state == state.upper()]
    return transparency.publishable(rows, MIN_CELL)


def jurisdiction_table(svc: Service, state: str | None, on: dt.date) -> list[JurisdictionOut]:
    """Every county as the flow treats it on ``on``: activation, office, participation."""
    ref = svc.system.services.reference
    with svc.system.engine.connect() as conn:
        rows = views.jurisdiction_rows(conn, state)
    out = []
    for r in rows:
        j = jurisdiction_on(ref.jurisdiction(r["fips5"]), on, ref.elections)
        out.append(JurisdictionOut(**r, activated=j.activated,
                                   shared_with_ident=j.routing.shared,
                                   agency_receives=j.routing.lea_receives,
                                   rule_id=j.routing.rule_id))
    return out


@router.get("/jurisdictions", response_model=list[JurisdictionOut])
def jurisdictions(svc: ServiceDep,
                  state: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
                  on: dt.date | None = None) -> list[JurisdictionOut]:
    """Activation and participation per county on a date (default: today)."""
    return jurisdiction_table(svc, state, on or svc.system.clock.now().date())


@router.post("/complaints", status_code=202, response_model=ComplaintReceipt,
             tags=["complaints"])
def file_complaint(body: ComplaintIn, request: Request,
                   svc: Annotated[Service, Depends(service)]) -> ComplaintReceipt:
    """File a complaint with CRCL (web form, or on behalf of a hotline call, letter or
    detained person). The receipt's number is how to ask about it later."""
    complaint_id = f"CRCL-{uuid.uuid4().hex[:16].upper()}"
    svc.system.bus.accept(FileComplaint(
        message_id=mid("FileComplaint", complaint_id), occurred_at=svc.system.clock.now(),
        complaint_id=complaint_id, **body.model_dump()),
        actor=f"public:{body.channel}@{context(request)['source']}")
    return ComplaintReceipt(complaint_id=complaint_id)
