"""The decision facts as they really are, for measuring decisions against policy.

OIG-12-64 judged each sampled decision against ICE's policy; here the yardstick is the policy
applied to the person's *true* status and record, so a decision that followed stale research
(a naturalised citizen still listed as a permanent resident) counts as inconsistent, and the
error is visible.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from scomm.policy.catalog import load_catalog
from scomm.policy.facts import ConvictionRecord, DecisionFacts, Sourced
from scomm.sim.nation import Person

TRUE_STATUS = {
    "citizen_by_birth": "citizen",
    "usc_adoptive_parent": "citizen",
    "usc_trusted_traveler": "citizen",
    "naturalized_citizen": "naturalized_citizen",
    "lpr": "lpr",
    "lpr_removable_conviction": "lpr_removable_conviction",
    "lawful_nonimmigrant": "lawful_nonimmigrant",
    "overstay": "overstay",
    "entered_without_inspection": "entered_without_inspection",
    "ewi_never_encountered": "entered_without_inspection",
    "removed_reentered": "removed_reentered",
    "fugitive": "fugitive",
}

SOURCE = "ground truth (sim)"


def true_status(person: Person) -> str:
    """The status the law gives the person. A permanent resident drawn as such whose true
    record holds a removable conviction is removable, whatever the population mix said: the
    law, not the draw, decides (the same definition the support center applies)."""
    status = TRUE_STATUS[person.status]
    catalog = load_catalog()
    if status == "lpr" and any(p.convicted and catalog.removable_conviction(p.ncic_code)
                               for p in person.priors):
        return "lpr_removable_conviction"
    return status


def true_facts(person: Person, current_codes: tuple[str, ...], on: date,
               victim_or_witness: bool = False) -> DecisionFacts:
    at = datetime.combine(on, time(0), tzinfo=UTC)

    def s(value: Any) -> Any:
        return Sourced(value=value, source=SOURCE, as_of=at)

    imm = person.immigration
    values: dict[str, Any] = {
        "status": s(true_status(person)),
        "convictions": s(tuple(ConvictionRecord(ncic_code=p.ncic_code,
                                                convicted_on=p.arrested_on,
                                                sentence_days=p.sentence_days)
                               for p in person.priors if p.convicted)),
        "pending_charges": s(tuple(current_codes)),
        "entered_without_inspection": s(person.status in {
            "entered_without_inspection", "ewi_never_encountered"}),
        "visa_abuse": s(person.status == "overstay"),
        "prior_removal": s("removed_on" in imm),
    }
    if "entered_on" in imm:
        values["last_entry_on"] = s(date.fromisoformat(imm["entered_on"]))
    if "final_order_on" in imm:
        values["final_order_on"] = s(date.fromisoformat(imm["final_order_on"]))
    if victim_or_witness:
        values["victim_or_witness"] = s(True)
    return DecisionFacts(**values)
