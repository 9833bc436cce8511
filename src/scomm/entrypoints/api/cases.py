"""Field offices work their queue: the case, its dossier and decision trace, documentation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from scomm.adapters.authorization import targets
from scomm.adapters.tables import cases
from scomm.agencies.queue import work_queue
from scomm.domain.messages import DecideCase, RecordDisposition, RecordEncounter, mid
from scomm.entrypoints.api import views
from scomm.entrypoints.api.bookings import Offset, Page
from scomm.entrypoints.api.errors import ERRORS, NotFound
from scomm.entrypoints.api.schemas import (
    Accepted,
    CaseOut,
    CaseSummary,
    Decide,
    Disposition,
    Encounter,
    QueueItemOut,
)
from scomm.entrypoints.api.service import Gate, GateDep

router = APIRouter(prefix="/api", tags=["cases"], responses=ERRORS)


def _domains(row: dict[str, Any]) -> tuple[str, ...]:
    return targets(fips5=row["fips5"], aor=row["aor"])


@router.get("/cases", response_model=list[CaseSummary])
def list_cases(gate: GateDep, aor: Annotated[str | None, Query(max_length=3)] = None,
               state: Annotated[str | None, Query(max_length=20)] = None,
               limit: Page = 100, offset: Offset = 0) -> list[dict[str, Any]]:
    """Cases in the caller's offices and counties, soonest due first."""
    return gate.listing("case", lambda uow, scope: views.case_list(
        uow.conn, scope, aor, state, limit, offset), lambda r: str(r["case_id"]))


@router.get("/queue/{aor}", response_model=list[QueueItemOut])
def queue(aor: str, gate: GateDep) -> list[Any]:
    """A field office's open work with due dates, overdue marked."""
    gate.allow("case", "read", f"queue:{aor}", targets(aor=aor))
    now = gate.svc.system.clock.now()
    return gate.listing("case", lambda uow, _: work_queue(uow.conn, aor, now),
                        lambda i: i.ref_id)


@router.get("/cases/{case_id}", response_model=CaseOut)
def get_case(case_id: str, gate: GateDep) -> dict[str, Any]:
    """The case with its dossier (each fact's source and time), the decision with its policy
    version and rule trace, and its encounter and disposition."""
    return gate.read("case", case_id, lambda uow: views.case(uow.conn, case_id), _domains)


def _case_domains(gate: Gate, case_id: str) -> tuple[str, ...]:
    with gate.svc.system.engine.connect() as conn:
        row = conn.execute(select(cases.c.fips5, cases.c.aor).where(
            cases.c.case_id == case_id)).first()
    if row is None:
        raise NotFound("case", case_id)
    return targets(fips5=row.fips5, aor=row.aor)


def _accepted(case_id: str) -> Accepted:
    return Accepted(ref=case_id, links={"case": f"/api/cases/{case_id}"})


@router.post("/cases/{case_id}/decision", status_code=202, response_model=Accepted)
def decide(case_id: str, body: Decide, gate: GateDep) -> Accepted:
    """Decide under the policy in force: follow the recommendation, or override it with a
    reason (a supervisor then rules on the override)."""
    gate.command("case", "decide", case_id, _case_domains(gate, case_id), DecideCase(
        message_id=mid("DecideCase", case_id, gate.actor.username),
        occurred_at=gate.svc.system.clock.now(), case_id=case_id,
        officer=gate.actor.username, override_action=body.override_action,
        override_reason=body.override_reason))
    return _accepted(case_id)


@router.post("/cases/{case_id}/encounter", status_code=202, response_model=Accepted)
def encounter(case_id: str, body: Encounter, gate: GateDep) -> Accepted:
    """The documentation form, part one: how, when and where the subject was encountered."""
    gate.command("case", "document", case_id, _case_domains(gate, case_id), RecordEncounter(
        message_id=mid("RecordEncounter", case_id), occurred_at=gate.svc.system.clock.now(),
        case_id=case_id, officer=gate.actor.username, method=body.method,
        encountered_at=body.encountered_at, location=body.location,
        subject_contacted=body.subject_contacted))
    return _accepted(case_id)


@router.post("/cases/{case_id}/disposition", status_code=202, response_model=Accepted)
def disposition(case_id: str, body: Disposition, gate: GateDep) -> Accepted:
    """The documentation form, part two: how the match ended, with a narrative."""
    gate.command("case", "document", case_id, _case_domains(gate, case_id), RecordDisposition(
        message_id=mid("RecordDisposition", case_id), occurred_at=gate.svc.system.clock.now(),
        case_id=case_id, officer=gate.actor.username, disposition=body.disposition,
        narrative=body.narrative))
    return _accepted(case_id)
