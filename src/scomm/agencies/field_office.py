"""ERO field office: the case queue, the decision, and the documentation of every match.

The field office reads the support center's dossier (never the sources again), asks the policy
module for the recommendation in force, and records what the officer did. An override of the
recommendation takes effect only when a supervisor approves it. A case closes only when an
encounter and a disposition are recorded with their required fields, the disposition fitting
the decision (OIG-12-64 recommendation 2; invariant 5); a case still undocumented at its
deadline raises an alert for the compliance report and goes to the supervisor.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from importlib import resources
from typing import Any, get_args

import yaml
from sqlalchemy import insert, select, update

from scomm.adapters import deadlines
from scomm.adapters.tables import (
    cases,
    custody,
    decisions,
    detainers,
    dispositions,
    encounters,
)
from scomm.adapters.uow import UnitOfWork
from scomm.agencies.alerts import raise_alert
from scomm.agencies.detainers import cancel_for_case
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
    DocumentationEscalated,
    DocumentationPart,
    DossierUpdated,
    OverrideRequested,
    ProceedingsConcluded,
    RecordDisposition,
    RecordEncounter,
    RequerySource,
    ReviewOverride,
    StatusDetermined,
    mid,
)
from scomm.policy.evaluator import Action, Decision, decide, removal_category
from scomm.policy.facts import DecisionFacts

#: Work-queue service levels: a decision within a day of the match, a supervisor's ruling on an
#: override within a day, documentation within a week, and three more days once escalated.
DECISION_DUE = timedelta(hours=24)
OVERRIDE_REVIEW_DUE = timedelta(hours=24)
DOCUMENTATION_DUE = timedelta(days=7)
ESCALATION_DUE = timedelta(days=3)
DETAINER_ACTIONS = frozenset({"detainer", "conditional_detainer"})
ACTIONS: tuple[str, ...] = get_args(Action)


def _case(uow: UnitOfWork, case_id: str) -> Any:
    row = uow.conn.execute(select(cases).where(cases.c.case_id == case_id)).first()
    if row is None:
        raise InvalidInput("case_id", f"no case {case_id!r}")
    uow.audit("read", "case", case_id)
    return row


def _alert(uow: UnitOfWork, kind: str, case: Any, detail: str) -> None:
    raise_alert(uow, kind, case.case_id, case.fips5, detail)


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


def _load_dispositions() -> dict[str, frozenset[str]]:
    text = resources.files("scomm.policy").joinpath("data/dispositions.yaml").read_text()
    return {code: frozenset(spec["actions"])
            for code, spec in yaml.safe_load(text)["codes"].items()}


#: disposition code -> the decided actions it may close (policy/data/dispositions.yaml)
_DISPOSITIONS = _load_dispositions()


def dispositions_for(action: str) -> list[str]:
    """The disposition codes that may close a case decided ``action`` (for forms)."""
    return sorted(c for c, acts in _DISPOSITIONS.items() if action in acts)


def decide_case(msg: DecideCase, uow: UnitOfWork, svc: Services) -> None:
    """Record the officer's decision. Following the recommendation takes effect at once; an
    override waits for a supervisor (the control OIG-12-64's 25 inconsistent cases lacked)."""
    case = _case(uow, msg.case_id)
    if case.state != "open":
        raise IllegalTransition(f"case {msg.case_id}: already {case.state}")
    reason = (msg.override_reason or "").strip()
    if msg.override_action and len(reason) < 3:
        raise InvalidInput("override_reason", "an override of the recommendation needs a reason")
    now = uow.now()
    facts = decision_facts(uow, msg.case_id)
    d = decide(facts, on=now.date())
    override = msg.override_action if msg.override_action not in (None, d.action) else None
    if override is not None and override not in ACTIONS:
        raise InvalidInput("override_action", f"unknown action {override!r}; one of {ACTIONS}")
    row = {**_decided(d, facts, now), "case_id": msg.case_id,
           "followed_recommendation": override is None, "override_reason": reason or None,
           "officer": msg.officer, "approval": "pending" if override else "none",
           "requested_action": override, "amendments": []}
    uow.conn.execute(insert(decisions).values(**row))
    uow.audit("write", "decision", msg.case_id, {"action": override or d.action,
                                                 "officer": msg.officer},
              actor=f"officer:{msg.officer}")
    deadlines.cancel(uow, "case_decision_due", msg.case_id)
    if override is None:
        _take_effect(uow, case, row)
        return
    uow.conn.execute(update(cases).where(cases.c.case_id == msg.case_id)
                     .values(state="awaiting_approval"))
    deadlines.schedule(uow, "override_review_due", msg.case_id, now + OVERRIDE_REVIEW_DUE)
    uow.emit(OverrideRequested(
        message_id=mid("OverrideRequested", msg.case_id), occurred_at=now,
        case_id=msg.case_id, booking_id=case.booking_id, aor=case.aor, officer=msg.officer,
        recommended_action=d.action, requested_action=override, reason=reason))


def review_override(msg: ReviewOverride, uow: UnitOfWork, svc: Services) -> None:
    case = _case(uow, msg.case_id)
    if case.state != "awaiting_approval":
        raise IllegalTransition(f"case {msg.case_id}: no override awaits approval "
                                f"(state {case.state})")
    row = uow.conn.execute(select(decisions).where(decisions.c.case_id == msg.case_id)).one()
    if msg.supervisor == row.officer:
        raise InvalidInput("supervisor", "an officer cannot approve their own override")
    values: dict[str, Any] = {"approval": "approved" if msg.approve else "rejected",
                              "supervisor": msg.supervisor, "reviewed_at": uow.now(),
                              "review_note": msg.note,
                              "followed_recommendation": not msg.approve}
    if msg.approve:
        values |= {"action": row.requested_action,
                   "reason": f"override: {row.override_reason}"}
    uow.conn.execute(update(decisions).where(decisions.c.case_id == msg.case_id).values(**values))
    uow.audit("write", "decision", msg.case_id, {"approval": values["approval"]},
              actor=f"supervisor:{msg.supervisor}")
    deadlines.cancel(uow, "override_review_due", msg.case_id)
    _take_effect(uow, case, {**row._mapping, **values})


def _decided(d: Decision, facts: DecisionFacts, at: datetime) -> dict[str, Any]:
    """The columns of a decision that come from the policy's answer."""
    return {"policy_version": d.policy_version, "priority": d.priority,
            "conviction_level": d.conviction_level, "offense_level": d.offense_level,
            "recommended_action": d.action, "action": d.action, "reason": d.reason,
            "trace": [t.model_dump(mode="json") for t in d.trace],
            "facts": facts.model_dump(mode="json"), "decided_at": at}


def _take_effect(uow: UnitOfWork, case: Any, decision: Mapping[str, Any]) -> None:
    """The decision is final: announce it, and lodge the detainer it calls for. ``decision``
    is the row as just written, so it is not read back."""
    action = decision["action"]
    now = uow.now()
    uow.conn.execute(update(cases).where(cases.c.case_id == case.case_id)
                     .values(state="decided"))
    uow.emit(DecisionRecorded(
        message_id=mid("DecisionRecorded", case.case_id), occurred_at=now,
        case_id=case.case_id, booking_id=case.booking_id,
        policy_version=decision["policy_version"], priority=decision["priority"],
        conviction_level=decision["conviction_level"], action=action,
        reason=decision["reason"], officer=decision["officer"],
        followed_recommendation=action == decision["recommended_action"]))
    if action in DETAINER_ACTIONS:
        detainer_id = f"D-{case.case_id}"
        conditional = action == "conditional_detainer"
        uow.conn.execute(insert(detainers).values(
            detainer_id=detainer_id, case_id=case.case_id, booking_id=case.booking_id,
            fips5=case.fips5, issued_at=now, operative_upon_conviction=conditional,
            state="conditional" if conditional else "issued", past_limit=False,
            extra_jail_days=0))
        uow.audit("write", "detainer", detainer_id)
        uow.emit(DetainerIssued(
            message_id=mid("DetainerIssued", detainer_id), occurred_at=now,
            detainer_id=detainer_id, case_id=case.case_id, booking_id=case.booking_id,
            ori=case.ori, fips5=case.fips5, operative_upon_conviction=conditional))


def amend_decision(uow: UnitOfWork, case_id: str, why: str) -> str | None:
    """Decide a case again on its dossier as it now stands; returns the new action if it moved.

    A hotline review or resumed research can only add facts; when they change the
    recommendation the decision follows it (the earlier one is kept in ``amendments``) and a
    detainer no longer called for is cancelled. A case not yet decided needs nothing: its
    decision will read the dossier as it is then.
    """
    case = _case(uow, case_id)
    if case.state == "open":
        uow.conn.execute(update(cases).where(cases.c.case_id == case_id).values(
            recommended_action=decide(decision_facts(uow, case_id), on=uow.now().date()).action))
        return None
    row = uow.conn.execute(select(decisions).where(decisions.c.case_id == case_id)).first()
    if row is None:
        return None
    now = uow.now()
    facts = decision_facts(uow, case_id)
    d = decide(facts, on=now.date())
    if d.action == row.action:
        return None
    earlier = {k: row._mapping[k] for k in ("action", "reason", "policy_version",
                                             "recommended_action", "officer")}
    uow.conn.execute(update(decisions).where(decisions.c.case_id == case_id).values(
        **_decided(d, facts, now), followed_recommendation=True, amendments=[
            *row.amendments, {**earlier, "decided_at": row.decided_at.isoformat(),
                              "amended_at": now.isoformat(), "why": why}]))
    uow.audit("write", "decision", case_id, {"amended": d.action, "why": why})
    if row.action in DETAINER_ACTIONS and d.action not in DETAINER_ACTIONS:
        cancel_for_case(uow, case_id, f"decision amended: {why}")
    return d.action


def dossier_updated(msg: DossierUpdated, uow: UnitOfWork, svc: Services) -> None:
    amend_decision(uow, msg.case_id, msg.reason)


def requery_source(msg: RequerySource, uow: UnitOfWork, svc: Services) -> None:
    """Query a source again for a case; the dossier already holds the support center's answer,
    so this needs a reason (refused without one, changing nothing) and is counted."""
    reason = (msg.reason or "").strip()
    if len(reason) < 3:
        raise InvalidInput("reason", "a repeated query of a record source needs a reason")
    case = _case(uow, msg.case_id)
    query_source(uow, svc, msg.case_id, msg.source, case.ident_id, stage="field_office",
                 repeat_reason=reason)
    uow.audit("read", "dossier", msg.case_id, {"requery": msg.source},
              actor=f"officer:{msg.officer}")


def _missing(uow: UnitOfWork, case: Any) -> list[DocumentationPart]:
    missing: list[DocumentationPart] = []
    if case.state in ("open", "awaiting_approval"):
        missing.append("decision")
    if uow.conn.execute(select(encounters.c.case_id).where(
            encounters.c.case_id == case.case_id)).first() is None:
        missing.append("encounter")
    if uow.conn.execute(select(dispositions.c.case_id).where(
            dispositions.c.case_id == case.case_id)).first() is None:
        missing.append("disposition")
    return missing


def _close_if_documented(uow: UnitOfWork, case: Any) -> None:
    if case.state == "decided" and not _missing(uow, case):
        uow.conn.execute(update(cases).where(cases.c.case_id == case.case_id)
                         .values(state="closed", closed_at=uow.now()))
        uow.audit("write", "case", case.case_id, {"state": "closed"})
        deadlines.cancel(uow, "documentation_due", case.case_id)
        deadlines.cancel(uow, "escalation_due", case.case_id)
        uow.emit(CaseClosed(message_id=mid("CaseClosed", case.case_id), occurred_at=uow.now(),
                            case_id=case.case_id))


def record_encounter(msg: RecordEncounter, uow: UnitOfWork, svc: Services) -> None:
    case = _case(uow, msg.case_id)
    if case.state == "closed":
        raise IllegalTransition(f"case {msg.case_id}: closed")
    if not case.opened_at <= msg.encountered_at <= uow.now():
        raise InvalidInput("encountered_at", f"{msg.encountered_at.isoformat()} is not between "
                           f"the case's opening {case.opened_at.isoformat()} and now")
    if msg.method == "in_person" and not msg.subject_contacted:
        raise InvalidInput("subject_contacted", "an in-person encounter reaches the subject")
    uow.conn.execute(insert(encounters).values(
        case_id=msg.case_id, officer=msg.officer, method=msg.method, at=uow.now(),
        occurred_at=msg.encountered_at, location=msg.location.strip(),
        subject_contacted=msg.subject_contacted))
    uow.audit("write", "encounter", msg.case_id, actor=f"officer:{msg.officer}")
    _close_if_documented(uow, case)


def record_disposition(msg: RecordDisposition, uow: UnitOfWork, svc: Services) -> None:
    case = _case(uow, msg.case_id)
    if case.state != "decided":
        raise IllegalTransition(f"case {msg.case_id}: disposition needs a decision first "
                                f"(state {case.state})")
    action = uow.conn.execute(select(decisions.c.action).where(
        decisions.c.case_id == msg.case_id)).scalar_one()
    allowed = _DISPOSITIONS.get(msg.disposition)
    if allowed is None:
        raise InvalidInput("disposition", f"unknown disposition {msg.disposition!r}; one of "
                           f"{sorted(_DISPOSITIONS)}")
    if action not in allowed:
        raise InvalidInput("disposition", f"{msg.disposition!r} cannot close a case decided "
                           f"{action!r}; one of {dispositions_for(action)}")
    uow.conn.execute(insert(dispositions).values(
        case_id=msg.case_id, officer=msg.officer, disposition=msg.disposition, at=uow.now(),
        narrative=msg.narrative.strip()))
    uow.audit("write", "disposition", msg.case_id, actor=f"officer:{msg.officer}")
    uow.emit(DispositionRecorded(message_id=mid("DispositionRecorded", msg.case_id),
                                 occurred_at=uow.now(), case_id=msg.case_id,
                                 booking_id=case.booking_id, disposition=msg.disposition))
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


def override_review_overdue(uow: UnitOfWork, case_id: str, due_at: datetime) -> None:
    case = _case(uow, case_id)
    if case.state == "awaiting_approval":
        _alert(uow, "override_review_overdue", case,
               f"no supervisor ruling on the override by {due_at.isoformat()}")


def documentation_overdue(uow: UnitOfWork, case_id: str, due_at: datetime) -> None:
    """The match is still undocumented: alert the compliance report and put it before the
    office's supervisor, with a second deadline."""
    case = _case(uow, case_id)
    if case.state == "closed":
        return
    missing = _missing(uow, case)
    _alert(uow, "match_undocumented", case,
           f"missing at {due_at.isoformat()}: {', '.join(missing)}")
    deadlines.schedule(uow, "escalation_due", case_id, due_at + ESCALATION_DUE)
    uow.emit(DocumentationEscalated(
        message_id=mid("DocumentationEscalated", case_id), occurred_at=uow.now(),
        case_id=case_id, booking_id=case.booking_id, aor=case.aor, missing=tuple(missing)))


def escalation_overdue(uow: UnitOfWork, case_id: str, due_at: datetime) -> None:
    case = _case(uow, case_id)
    if case.state != "closed":
        _alert(uow, "escalation_overdue", case,
               f"still undocumented after escalation, {due_at.isoformat()}")
