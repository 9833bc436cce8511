"""ERO field office: the case queue, the decision, and the documentation of every match.

The field office reads the support center's dossier (never the sources again), asks the policy
module for the recommendation in force, and records what the officer did. A case closes only
when both an encounter and a disposition are recorded (OIG-12-64 recommendation 2; invariant 5);
a case still open past its documentation deadline raises an alert for the compliance report.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from scomm.adapters import deadlines
from scomm.adapters.tables import (
    alerts,
    cases,
    custody,
    decisions,
    detainers,
    dispositions,
    encounters,
)
from scomm.adapters.uow import UnitOfWork
from scomm.agencies.dossier import decision_facts
from scomm.agencies.lesc import query_source
from scomm.agencies.services import Services
from scomm.domain.errors import IllegalTransition, InvalidInput
from scomm.domain.messages import (
    CaseAssigned,
    CaseClosed,
    ConcludeProceedings,
    DecideCase,
    DecisionRecorded,
    DetainerIssued,
    DispositionRecorded,
    ProceedingsConcluded,
    RecordDisposition,
    RecordEncounter,
    RequerySource,
    StatusDetermined,
    mid,
)
from scomm.policy.evaluator import decide, removal_category

#: Work-queue service levels: a decision within a day of the match, documentation within a week.
DECISION_DUE = timedelta(hours=24)
DOCUMENTATION_DUE = timedelta(days=7)
DETAINER_ACTIONS = frozenset({"detainer", "conditional_detainer"})


def _case(uow: UnitOfWork, case_id: str) -> Any:
    row = uow.conn.execute(select(cases).where(cases.c.case_id == case_id)).first()
    if row is None:
        raise InvalidInput("case_id", f"no case {case_id!r}")
    uow.audit("read", "case", case_id)
    return row


def _alert(uow: UnitOfWork, kind: str, case: Any, detail: str) -> None:
    uow.conn.execute(insert(alerts).values(alert_id=f"{kind}:{case.case_id}", kind=kind,
                                           ref_id=case.case_id, fips5=case.fips5,
                                           at=uow.now(), detail=detail))


def open_case(msg: StatusDetermined, uow: UnitOfWork, svc: Services) -> None:
    now = uow.now()
    recommendation = decide(decision_facts(uow, msg.case_id), on=now.date())
    uow.conn.execute(insert(cases).values(
        case_id=msg.case_id, booking_id=msg.booking_id, ident_id=msg.ident_id,
        fbi_number=msg.fbi_number, ori=msg.ori, fips5=msg.fips5, aor=msg.aor,
        booked_at=msg.booked_at, opened_at=now, due_at=now + DECISION_DUE, state="open",
        status=msg.status, offense_level=msg.offense_level,
        charges=[c.model_dump() for c in msg.charges], lea_receives=msg.lea_receives,
        recommended_action=recommendation.action))
    uow.audit("write", "case", msg.case_id, {"aor": msg.aor})
    deadlines.schedule(uow, "case_decision_due", msg.case_id, now + DECISION_DUE)
    deadlines.schedule(uow, "documentation_due", msg.case_id, now + DOCUMENTATION_DUE)
    uow.emit(CaseAssigned(message_id=mid("CaseAssigned", msg.case_id), occurred_at=now,
                          case_id=msg.case_id, booking_id=msg.booking_id, aor=msg.aor,
                          due_at=now + DECISION_DUE,
                          recommended_action=recommendation.action))


def decide_case(msg: DecideCase, uow: UnitOfWork, svc: Services) -> None:
    case = _case(uow, msg.case_id)
    if case.state != "open":
        raise IllegalTransition(f"case {msg.case_id}: already {case.state}")
    if msg.override_action and not msg.override_reason:
        raise InvalidInput("override_reason", "an override of the recommendation needs a reason")
    now = uow.now()
    facts = decision_facts(uow, msg.case_id)
    d = decide(facts, on=now.date())
    action = msg.override_action or d.action
    followed = action == d.action
    uow.conn.execute(insert(decisions).values(
        case_id=msg.case_id, policy_version=d.policy_version, priority=d.priority,
        conviction_level=d.conviction_level, offense_level=d.offense_level,
        recommended_action=d.action, action=action,
        reason=d.reason if followed else f"override: {msg.override_reason}",
        trace=[t.model_dump(mode="json") for t in d.trace],
        facts=facts.model_dump(mode="json"), followed_recommendation=followed,
        override_reason=msg.override_reason, officer=msg.officer, decided_at=now))
    uow.conn.execute(update(cases).where(cases.c.case_id == msg.case_id)
                     .values(state="decided"))
    uow.audit("write", "decision", msg.case_id, {"action": action, "officer": msg.officer},
              actor=f"officer:{msg.officer}")
    deadlines.cancel(uow, "case_decision_due", msg.case_id)
    uow.emit(DecisionRecorded(
        message_id=mid("DecisionRecorded", msg.case_id), occurred_at=now, case_id=msg.case_id,
        booking_id=case.booking_id, policy_version=d.policy_version, priority=d.priority,
        conviction_level=d.conviction_level, action=action,
        reason=d.reason if followed else f"override: {msg.override_reason}",
        officer=msg.officer, followed_recommendation=followed))
    if action in DETAINER_ACTIONS:
        detainer_id = f"D-{msg.case_id}"
        conditional = action == "conditional_detainer"
        uow.conn.execute(insert(detainers).values(
            detainer_id=detainer_id, case_id=msg.case_id, booking_id=case.booking_id,
            fips5=case.fips5, issued_at=now, operative_upon_conviction=conditional,
            state="conditional" if conditional else "issued", past_limit=False,
            extra_jail_days=0))
        uow.audit("write", "detainer", detainer_id)
        uow.emit(DetainerIssued(
            message_id=mid("DetainerIssued", detainer_id), occurred_at=now,
            detainer_id=detainer_id, case_id=msg.case_id, booking_id=case.booking_id,
            ori=case.ori, fips5=case.fips5, operative_upon_conviction=conditional))


def requery_source(msg: RequerySource, uow: UnitOfWork, svc: Services) -> None:
    """Query a source again for a case; the dossier already holds the support center's answer,
    so this needs a reason (refused without one, changing nothing) and is counted."""
    reason = (msg.reason or "").strip()
    if len(reason) < 3:
        raise InvalidInput("reason", "a repeated query of a record source needs a reason")
    case = _case(uow, msg.case_id)
    query_source(uow, msg.case_id, msg.source, case.ident_id, stage="field_office",
                 repeat_reason=reason)
    uow.audit("read", "dossier", msg.case_id, {"requery": msg.source},
              actor=f"officer:{msg.officer}")


def _close_if_documented(uow: UnitOfWork, case: Any) -> None:
    has_encounter = uow.conn.execute(select(encounters.c.case_id).where(
        encounters.c.case_id == case.case_id)).first()
    has_disposition = uow.conn.execute(select(dispositions.c.case_id).where(
        dispositions.c.case_id == case.case_id)).first()
    if has_encounter and has_disposition:
        uow.conn.execute(update(cases).where(cases.c.case_id == case.case_id)
                         .values(state="closed", closed_at=uow.now()))
        uow.audit("write", "case", case.case_id, {"state": "closed"})
        deadlines.cancel(uow, "documentation_due", case.case_id)
        uow.emit(CaseClosed(message_id=mid("CaseClosed", case.case_id), occurred_at=uow.now(),
                            case_id=case.case_id))


def record_encounter(msg: RecordEncounter, uow: UnitOfWork, svc: Services) -> None:
    case = _case(uow, msg.case_id)
    if case.state == "closed":
        raise IllegalTransition(f"case {msg.case_id}: closed")
    uow.conn.execute(insert(encounters).values(case_id=msg.case_id, officer=msg.officer,
                                               method=msg.method, at=uow.now()))
    uow.audit("write", "encounter", msg.case_id, actor=f"officer:{msg.officer}")
    _close_if_documented(uow, case)


def record_disposition(msg: RecordDisposition, uow: UnitOfWork, svc: Services) -> None:
    case = _case(uow, msg.case_id)
    if case.state != "decided":
        raise IllegalTransition(f"case {msg.case_id}: disposition needs a decision first "
                                f"(state {case.state})")
    decision = uow.conn.execute(select(decisions.c.action, decisions.c.reason).where(
        decisions.c.case_id == msg.case_id)).one()
    disposition = (f"{decision.action}_lodged" if decision.action in DETAINER_ACTIONS
                   else f"{decision.action}: {decision.reason}")[:60]
    uow.conn.execute(insert(dispositions).values(case_id=msg.case_id, officer=msg.officer,
                                                 disposition=disposition, at=uow.now()))
    uow.audit("write", "disposition", msg.case_id, actor=f"officer:{msg.officer}")
    uow.emit(DispositionRecorded(message_id=mid("DispositionRecorded", msg.case_id),
                                 occurred_at=uow.now(), case_id=msg.case_id,
                                 booking_id=case.booking_id, disposition=disposition))
    _close_if_documented(uow, case)


def conclude_proceedings(msg: ConcludeProceedings, uow: UnitOfWork, svc: Services) -> None:
    row = uow.conn.execute(select(custody).where(custody.c.case_id == msg.case_id)).first()
    if row is None or row.outcome is not None:
        raise IllegalTransition(f"case {msg.case_id}: not in ICE custody awaiting an outcome")
    category = (removal_category(decision_facts(uow, msg.case_id))
                if msg.outcome == "removed" else None)
    uow.conn.execute(update(custody).where(custody.c.case_id == msg.case_id).values(
        outcome=msg.outcome, removal_category=category, concluded_at=uow.now()))
    uow.audit("write", "custody", msg.case_id, {"outcome": msg.outcome})
    uow.emit(ProceedingsConcluded(
        message_id=mid("ProceedingsConcluded", msg.case_id), occurred_at=uow.now(),
        case_id=msg.case_id, booking_id=row.booking_id, outcome=msg.outcome,
        removal_category=category))


def decision_overdue(uow: UnitOfWork, case_id: str, due_at: datetime) -> None:
    case = _case(uow, case_id)
    if case.state == "open":
        _alert(uow, "decision_overdue", case, f"no decision by {due_at.isoformat()}")


def documentation_overdue(uow: UnitOfWork, case_id: str, due_at: datetime) -> None:
    case = _case(uow, case_id)
    if case.state != "closed":
        _alert(uow, "match_undocumented", case,
               f"encounter and disposition not both recorded by {due_at.isoformat()}")
