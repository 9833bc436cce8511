"""Read the support center's dossier as the typed facts of a decision.

The field office decides on what the LESC found (invariant 4: research once). Each decision
fact keeps the source and query time of the dossier fact it came from, so the decision's
trace can say "prior removal: yes, per ENFORCE, queried 2011-04-02 13:10 UTC".
Race, ethnicity, language and birthplace are not in the dossier and could not be passed on
if they were: ``DecisionFacts`` forbids them (invariant 2).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from scomm.adapters.tables import dossier_facts
from scomm.adapters.uow import UnitOfWork
from scomm.domain.errors import InvalidInput
from scomm.policy.facts import ConvictionRecord, DecisionFacts, Sourced


def latest(uow: UnitOfWork, case_id: str) -> tuple[dict[str, tuple[Any, str, datetime]], int]:
    """Each fact's latest value with its source and time (a later fact supersedes an earlier
    one of the same name; the earlier stays on file), and the next free sequence number."""
    rows = uow.conn.execute(select(dossier_facts.c.seq, dossier_facts.c.name,
                                   dossier_facts.c.value, dossier_facts.c.source,
                                   dossier_facts.c.queried_at)
                            .where(dossier_facts.c.case_id == case_id)
                            .order_by(dossier_facts.c.seq)).all()
    if not rows:
        raise InvalidInput("case_id", f"no dossier for case {case_id!r}")
    uow.audit("read", "dossier", case_id)
    return {r.name: (r.value, r.source, r.queried_at) for r in rows}, rows[-1].seq + 1


def decision_facts(uow: UnitOfWork, case_id: str) -> DecisionFacts:
    f, _ = latest(uow, case_id)

    def sourced(name: str, value: Any = None) -> Any:
        raw, source, at = f[name]
        return Sourced(value=raw if value is None else value, source=source, as_of=at)

    convictions = tuple(ConvictionRecord(ncic_code=c["ncic_code"],
                                         convicted_on=date.fromisoformat(c["convicted_on"]),
                                         sentence_days=c["sentence_days"] or 0)
                        for c in f["III.convictions"][0])
    values: dict[str, Any] = {
        "status": sourced("LESC.status"),
        "convictions": sourced("III.convictions", convictions),
        "pending_charges": sourced("booking.charges", tuple(f["booking.charges"][0])),
    }
    apprehended = f.get("IDENT.encounter_type", (None,))[0] == "border_apprehension"
    if "ADIS.entered_on" in f:
        values["last_entry_on"] = sourced("ADIS.entered_on",
                                          date.fromisoformat(f["ADIS.entered_on"][0]))
    elif apprehended:
        values["last_entry_on"] = sourced("IDENT.encountered_on",
                                          date.fromisoformat(f["IDENT.encountered_on"][0]))
    if "IDENT.encounter_type" in f:
        values["entered_without_inspection"] = sourced("IDENT.encounter_type", apprehended)
    if "ADIS.admitted_until" in f:
        values["visa_abuse"] = sourced("LESC.status", f["LESC.status"][0] == "overstay")
    if "EOIR.final_order_on" in f:
        values["final_order_on"] = sourced("EOIR.final_order_on",
                                           date.fromisoformat(f["EOIR.final_order_on"][0]))
    if "ENFORCE.removed_on" in f:
        values["prior_removal"] = sourced("ENFORCE.removed_on", True)
    if "HOTLINE.victim_or_witness" in f:
        values["victim_or_witness"] = sourced("HOTLINE.victim_or_witness")
    return DecisionFacts(**values)
