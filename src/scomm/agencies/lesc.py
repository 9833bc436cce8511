"""Law Enforcement Support Center: research each IDENT match once and determine status.

OIG-12-64 found field officers repeating the LESC's research because it could not be shared.
Here the LESC writes every fact it finds, with its source and query time, into the case dossier
that the field office reads (invariant 4); the field office never needs to query again.

Conflicts between sources are settled by the order of ``DETERMINATION_RULES``: the first rule
whose condition holds decides, so a naturalisation certificate outranks an old IDENT or Central
Index status, and a removal record outranks a later visa entry. Each rule says why it is
where it is, and each rule's condition stands on its own, so every other rule that also holds
is a real conflict between sources, recorded in the dossier as ``LESC.conflicts``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from scomm.adapters import deadlines
from scomm.adapters.sources import attempt
from scomm.adapters.tables import dossier_facts, source_queries, source_records
from scomm.adapters.uow import UnitOfWork
from scomm.agencies.dossier import latest
from scomm.agencies.services import Services
from scomm.domain.errors import InvalidInput
from scomm.domain.messages import (
    DossierUpdated,
    Fact,
    ImmigrationSearchCompleted,
    StatusCode,
    StatusDetermined,
    mid,
)
from scomm.policy.catalog import OffenseCatalog
from scomm.policy.evaluator import sc_offense_level

#: The record sources the LESC consults for a match, in the order it queries them.
SOURCES: tuple[str, ...] = ("IDENT", "CIS", "CLAIMS", "ADIS", "CCD", "EOIR", "ENFORCE",
                            "NCIC-IVF")


#: Deadline kind: ask again the sources that did not answer at first research.
RETRY = "research_retry"


def case_id_for(booking_id: str) -> str:
    return f"C-{booking_id}"


def query_source(uow: UnitOfWork, svc: Services, case_id: str, source: str, subject_key: str,
                 stage: str, repeat_reason: str | None = None) -> list[dict[str, Any]] | None:
    """Read one source for one subject through its adapter and log the query.

    Returns the records, or None when the source did not answer after its attempts. Whether
    the query repeats research is read from the log itself (an earlier query of the same
    source for the same case), never taken from the caller, so a repeat cannot go uncounted;
    its reason, if any, is recorded with it.
    """
    if source not in SOURCES:
        raise InvalidInput("source", f"unknown record source {source!r}; sources: {SOURCES}")
    earlier = uow.conn.execute(select(func.count()).select_from(source_queries).where(
        source_queries.c.case_id == case_id, source_queries.c.source == source)).scalar_one()
    outcome = attempt(svc.sources.sources[source], case_id, source, stage, str(earlier))
    records = [dict(r.payload) for r in uow.conn.execute(
        select(source_records.c.payload).where(
            source_records.c.source == source, source_records.c.subject_key == subject_key)
        .order_by(source_records.c.recorded_on, source_records.c.record_key))] \
        if outcome.available else []
    uow.conn.execute(insert(source_queries).values(
        case_id=case_id, source=source, stage=stage, repeat=earlier > 0,
        reason=repeat_reason, found=bool(records), at=uow.now(), attempts=outcome.attempts,
        latency_ms=outcome.latency_ms, available=outcome.available))
    uow.audit("read", f"source:{source}", subject_key, {"case_id": case_id})
    return records if outcome.available else None


@dataclass(frozen=True)
class Research:
    """What the sources said, flattened to the facts the determination rules read."""

    facts: Mapping[str, Any]
    booked_on: date
    removable_conviction: bool


def _lpr_removable(convictions: list[dict[str, Any]], catalog: OffenseCatalog) -> bool:
    return any(catalog.removable_conviction(c["ncic_code"]) for c in convictions)


Rule = tuple[str, Callable[[Research], bool], StatusCode, str]

DETERMINATION_RULES: tuple[Rule, ...] = (
    ("citizenship-verified", lambda r: r.facts.get("HOTLINE.verified_status") is not None,
     "citizen", "an officer checked the person's own proof of citizenship after a hotline call; "
     "it outranks every record"),
    ("naturalized", lambda r: r.facts.get("CLAIMS.naturalized_on") is not None,
     "naturalized_citizen",
     "a naturalisation certificate outranks any older IDENT or Central Index status"),
    ("usc-encounter", lambda r: r.facts.get("IDENT.encounter_type") in
     {"adoption_petitioner", "trusted_traveler"} and r.facts.get("CIS.status") in (None, "citizen"),
     "citizen", "citizens enrolled in IDENT through an adoption or trusted-traveller program"),
    ("fugitive", lambda r: bool(r.facts.get("NCIC-IVF.fugitive"))
     or (r.facts.get("EOIR.final_order_on") is not None
         and r.facts.get("ENFORCE.removed_on") is None),
     "fugitive", "a final order of removal not executed"),
    ("removed-reentered", lambda r: r.facts.get("ENFORCE.removed_on") is not None,
     "removed_reentered", "a recorded removal followed by this arrest inside the U.S."),
    ("lpr-removable", lambda r: r.facts.get("CIS.status") == "lpr" and r.removable_conviction,
     "lpr_removable_conviction", "permanent resident with an aggravated-felony or drug conviction"),
    ("lpr", lambda r: r.facts.get("CIS.status") == "lpr" and not r.removable_conviction, "lpr",
     "permanent resident with no removable conviction on record"),
    ("lawful-visa", lambda r: r.facts.get("ADIS.admitted_until") is not None
     and date.fromisoformat(r.facts["ADIS.admitted_until"]) >= r.booked_on,
     "lawful_nonimmigrant", "admitted until a date after the arrest"),
    ("overstay", lambda r: r.facts.get("ADIS.admitted_until") is not None
     and date.fromisoformat(r.facts["ADIS.admitted_until"]) < r.booked_on,
     "overstay", "admission period ended before the arrest, no departure recorded"),
    ("ewi", lambda r: r.facts.get("IDENT.encounter_type") == "border_apprehension",
     "entered_without_inspection", "apprehended at the border, no lawful admission on record"),
)


def determine(research: Research) -> tuple[StatusCode, str]:
    for rule_id, applies, status, why in DETERMINATION_RULES:
        if applies(research):
            verified: StatusCode = research.facts.get("HOTLINE.verified_status") or status
            return (verified if rule_id == "citizenship-verified" else status), f"{rule_id}: {why}"
    return "unable_to_determine", "no source establishes a status"


def conflicts(research: Research) -> list[dict[str, str]]:
    """The statuses other sources point to that the winning rule outranked.

    A naturalised citizen whose Central Index entry still says LPR is the OIG's example: both
    rules hold, the first decides, and the dossier says so instead of hiding the stale entry.
    """
    holding = [(rule_id, status) for rule_id, applies, status, _ in DETERMINATION_RULES
               if applies(research)]
    if len(holding) < 2:
        return []
    winner = holding[0][0]
    return [{"outranked": rule_id, "points_to": status, "settled_by": winner}
            for rule_id, status in holding[1:] if status != holding[0][1]]


def _research_of(flat: Mapping[str, Any], catalog: OffenseCatalog) -> Research:
    return Research(facts=flat, booked_on=date.fromisoformat(flat["booking.booked_on"]),
                    removable_conviction=_lpr_removable(flat["III.convictions"], catalog))


def _store(uow: UnitOfWork, case_id: str, facts: list[Fact], first_seq: int) -> None:
    uow.conn.execute(insert(dossier_facts), [
        {"case_id": case_id, "seq": first_seq + i, "name": f.name, "value": f.value,
         "source": f.source, "queried_at": f.queried_at, "confidence": f.confidence}
        for i, f in enumerate(facts)])


def _ask(uow: UnitOfWork, svc: Services, case_id: str, source: str, subject_key: str,
         stage: str, reason: str | None = None) -> list[Fact] | None:
    """One source's answer as dossier facts, or None if it did not answer."""
    now = uow.now()
    records = query_source(uow, svc, case_id, source, subject_key, stage, reason)
    if records is None:
        return None
    return [Fact(name=f"{source}.{key}", value=value, source=source, queried_at=now)
            for record in records for key, value in sorted(record.items())]


def _unanswered(source: str, now: datetime, still: bool = True) -> Fact:
    """An unanswered source is itself a fact, with no confidence, so the officer sees what the
    research could not reach; ``still=False`` records that it has answered since."""
    return Fact(name=f"{source}.unavailable", value=still, source=source, queried_at=now,
                confidence=0.0 if still else 1.0)


def _determination(flat: Mapping[str, Any], catalog: OffenseCatalog, now: datetime
                   ) -> list[Fact]:
    """The status the rules give the dossier as it stands, the rule, and the conflicts."""
    found = _research_of(flat, catalog)
    status, rule = determine(found)
    return [Fact(name="LESC.status", value=status, source="LESC", queried_at=now),
            Fact(name="LESC.status_rule", value=rule, source="LESC", queried_at=now),
            Fact(name="LESC.conflicts", value=conflicts(found), source="LESC", queried_at=now)]


def add_facts(uow: UnitOfWork, svc: Services, case_id: str, facts: list[Fact],
              why: str) -> bool:
    """Append facts to a dossier and determine the status again; True if the status moved.

    Used when research resumes (a source answers at last) and when a hotline review verifies
    a claim; the old facts stay, so the dossier shows what was known when.
    """
    known, seq = latest(uow, case_id)
    flat = {name: value for name, (value, _, _) in known.items()}
    before = flat["LESC.status"]
    flat.update({f.name: f.value for f in facts})
    new = [*facts, *_determination(flat, svc.catalog, uow.now())]
    _store(uow, case_id, new, seq)
    status = new[len(facts)].value
    uow.audit("write", "dossier", case_id, {"facts": len(new), "status": status, "why": why})
    return bool(status != before)


def research(msg: ImmigrationSearchCompleted, uow: UnitOfWork, svc: Services) -> None:
    if not msg.matched or msg.ident_id is None:
        return
    case_id = case_id_for(msg.booking_id)
    now = uow.now()
    facts: list[Fact] = []
    flat: dict[str, Any] = {}

    def add(name: str, value: Any, source: str, confidence: float = 1.0) -> None:
        facts.append(Fact(name=name, value=value, source=source, queried_at=now,
                          confidence=confidence))
        flat[name] = value

    add("IDENT.subject", msg.ident_id, "IDENT")
    unanswered = False
    for source in SOURCES:
        answer = _ask(uow, svc, case_id, source, msg.ident_id, stage="lesc")
        unanswered |= answer is None
        for fact in answer if answer is not None else [_unanswered(source, now)]:
            add(fact.name, fact.value, fact.source, fact.confidence)
    convictions = [{"ncic_code": h.ncic_code, "convicted_on": h.arrested_on.isoformat(),
                    "sentence_days": h.sentence_days} for h in msg.history if h.convicted]
    undisposed = [h.ncic_code for h in msg.history if h.convicted is None]
    add("III.convictions", convictions, "III")
    add("III.arrests_without_disposition", undisposed, "III",
        confidence=0.5 if undisposed else 1.0)
    add("booking.charges", [c.ncic_code for c in msg.charges], "IAFIS")
    add("booking.booked_on", msg.booked_at.date().isoformat(), "IAFIS")
    for fact in _determination(flat, svc.catalog, now):
        add(fact.name, fact.value, fact.source)
    status: StatusCode = flat["LESC.status"]
    codes = [c.ncic_code for c in msg.charges] + [str(c["ncic_code"]) for c in convictions]
    offense_level = sc_offense_level(codes, msg.booked_at.date()) or 3
    add("LESC.offense_level", offense_level, "LESC")
    _store(uow, case_id, facts, 0)
    uow.audit("write", "dossier", case_id, {"facts": len(facts), "status": status})
    if unanswered:
        retry_at = now + timedelta(minutes=svc.sources.retry_research_after_minutes)
        deadlines.schedule(uow, RETRY, case_id, retry_at)
    j = svc.reference.jurisdiction(msg.fips5)
    uow.emit(StatusDetermined(
        message_id=mid("StatusDetermined", msg.booking_id), occurred_at=now, case_id=case_id,
        booking_id=msg.booking_id, ident_id=msg.ident_id, fbi_number=msg.fbi_number,
        ori=msg.ori, fips5=msg.fips5, aor=j.aor, booked_at=msg.booked_at, status=status,
        offense_level=offense_level, facts=tuple(facts), charges=msg.charges,
        lea_receives=msg.lea_receives))


def resume_research(uow: UnitOfWork, case_id: str, due_at: datetime, svc: Services) -> None:
    """The :data:`RETRY` deadline: ask again the sources that did not answer, and tell the
    field office if the status moved (an outage delays research, it must not decide a case)."""
    known, _ = latest(uow, case_id)
    facts: list[Fact] = []
    for source in SOURCES:
        if known.get(f"{source}.unavailable", (False,))[0]:
            answer = _ask(uow, svc, case_id, source, str(known["IDENT.subject"][0]),
                          stage="lesc_retry", reason="no answer at first research")
            if answer is not None:
                facts += [*answer, _unanswered(source, uow.now(), still=False)]
    if add_facts(uow, svc, case_id, facts, "research resumed after a source outage"):
        uow.emit(DossierUpdated(message_id=mid("DossierUpdated", case_id, "retry"),
                                occurred_at=uow.now(), case_id=case_id,
                                reason="a source that was down answered"))

