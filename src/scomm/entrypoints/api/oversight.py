"""Oversight: complaints under CRCL review, the compliance, cost and discretion reports, and
the audit log's own verification. Oversight reads everything and changes nothing but its own
findings (DESIGN invariant 9)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from scomm.adapters import audit
from scomm.adapters.authorization import targets
from scomm.agencies import crcl
from scomm.domain.errors import AuditChainBroken
from scomm.domain.messages import AdvanceComplaint, mid
from scomm.entrypoints.api import views
from scomm.entrypoints.api.bookings import Offset, Page
from scomm.entrypoints.api.errors import ERRORS, NotFound
from scomm.entrypoints.api.schemas import (
    Accepted,
    AuditVerifyOut,
    Complainant,
    ComplaintOut,
    ComplaintStepIn,
)
from scomm.entrypoints.api.service import GateDep, context
from scomm.oversight import compliance, costs, discretion

router = APIRouter(prefix="/api", tags=["oversight"], responses=ERRORS)


def _domains(row: dict[str, Any]) -> tuple[str, ...]:
    """A complaint with no county belongs to no jurisdiction: only national roles reach it."""
    return targets(fips5=row["fips5"]) or ("national",)


@router.get("/complaints", response_model=list[ComplaintOut], tags=["complaints"])
def list_complaints(gate: GateDep, limit: Page = 100, offset: Offset = 0
                    ) -> list[dict[str, Any]]:
    return gate.listing("complaint", lambda uow, scope: views.complaint_list(
        uow.conn, scope, limit, offset), lambda r: str(r["complaint_id"]))


@router.get("/complaints/{complaint_id}", response_model=ComplaintOut, tags=["complaints"])
def get_complaint(complaint_id: str, gate: GateDep) -> dict[str, Any]:
    """A complaint and every dated step of its handling (not who made it)."""
    return gate.read("complaint", complaint_id,
                     lambda uow: views.complaint(uow.conn, complaint_id), _domains)


@router.post("/complaints/{complaint_id}/steps", status_code=202, response_model=Accepted,
             tags=["complaints"])
def advance(complaint_id: str, body: ComplaintStepIn, gate: GateDep) -> Accepted:
    """Triage, review, referral to DOJ, corrective action or closure, by a CRCL reviewer."""
    with gate.svc.system.engine.connect() as conn:
        found = views.complaint(conn, complaint_id)
    if found is None:
        raise NotFound("complaint", complaint_id)
    gate.command("complaint", "review", complaint_id, _domains(found), AdvanceComplaint(
        message_id=mid("AdvanceComplaint", complaint_id, len(found["steps"])),
        occurred_at=gate.svc.system.clock.now(), complaint_id=complaint_id, step=body.step,
        actor=gate.actor.username, role=crcl.REVIEWER, note=body.note,
        priority=body.priority, finding=body.finding))
    return Accepted(ref=complaint_id, links={"complaint": f"/api/complaints/{complaint_id}"})


@router.get("/complaints/{complaint_id}/complainant", response_model=Complainant,
            tags=["complaints"])
def complainant(complaint_id: str, gate: GateDep) -> Complainant:
    """Who made the complaint: CRCL's reviewers only; every reading is audited."""
    gate.allow("complainant", "read", complaint_id, ("national",))
    with gate.svc.system.engine.begin() as conn:
        name, contact = crcl.complainant(conn, complaint_id, crcl.REVIEWER,
                                         gate.actor.username, gate.svc.system.clock.now())
    return Complainant(name=name, contact=contact)


class ComplianceRowOut(BaseModel):
    aor: str
    month: str
    matches: int
    undocumented: int
    share: float
    wilson_low: float
    wilson_high: float
    late: int
    cases: list[str]


@router.get("/oversight/compliance", response_model=list[ComplianceRowOut])
def compliance_report(gate: GateDep, as_of: dt.datetime | None = None
                      ) -> list[ComplianceRowOut]:
    """OIG recommendation 2: matches without an encounter or disposition, by office and
    month, with Wilson intervals and the cases themselves."""
    gate.require("report", "read")
    at = as_of or gate.svc.system.clock.now()
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    with gate.svc.system.engine.connect() as conn:
        rows = compliance.compliance(conn, at)
    return [ComplianceRowOut(aor=r.aor, month=r.month, matches=r.matches,
                             undocumented=r.undocumented, share=r.share,
                             wilson_low=r.wilson[0], wilson_high=r.wilson[1], late=r.late,
                             cases=r.cases) for r in rows]


@router.get("/oversight/costs", response_model=list[dict[str, Any]])
def cost_ledger(gate: GateDep, per_diem: Annotated[float | None, Query(gt=0, le=10_000)] = None
                ) -> list[dict[str, Any]]:
    """Detainer holds, extra jail days, per-diem cost and holds past the 48-hour limit."""
    gate.require("report", "read")
    with gate.svc.system.engine.connect() as conn:
        rows = costs.ledger(conn, costs.load_per_diem(per_diem))
    return [{k: (str(v) if k in ("per_diem", "cost") else v)
             for k, v in dataclasses.asdict(r).items()} for r in rows]


@router.get("/oversight/discretion", response_model=list[dict[str, Any]])
def discretion_outcomes(gate: GateDep) -> list[dict[str, Any]]:
    """Matched people not detained because of the discretion memos, the victims/witnesses
    policy or the minor-traffic rule, by county and quarter."""
    gate.require("report", "read")
    with gate.svc.system.engine.connect() as conn:
        out = discretion.outcomes(conn)
    return [{"fips5": f, "quarter": q, **counts} for (f, q), counts in out.items()]


@router.get("/audit/verify", response_model=AuditVerifyOut, tags=["audit"])
def verify_audit(gate: GateDep) -> AuditVerifyOut:
    """Recompute the chain and Merkle tree and check every signed checkpoint; reading the
    audit log is itself audited (AU-9)."""
    gate.require("audit", "read")
    key = gate.svc.key
    with gate.svc.uow(gate.actor.label) as uow:
        uow.audit("read", "audit_log", "verify", context(gate.request))
        uow.commit()
    try:
        with gate.svc.system.engine.connect() as conn:
            report = audit.verify(conn, key.public_key() if key else None)
    except AuditChainBroken as exc:
        return AuditVerifyOut(intact=False, first_bad=exc.seq, problem=exc.problem)
    return AuditVerifyOut(intact=True, **dataclasses.asdict(report))
