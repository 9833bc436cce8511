"""The support center's status rules: one status from the defined set, conflicts settled by
the rules' order and recorded, not hidden."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from scomm.agencies.lesc import Research, conflicts, determine

BOOKED = date(2011, 6, 1)


def _r(removable: bool = False, **facts: Any) -> Research:
    return Research(facts={k.replace("__", "."): v for k, v in facts.items()},
                    booked_on=BOOKED, removable_conviction=removable)


@pytest.mark.parametrize(("research", "status"), [
    (_r(CLAIMS__naturalized_on="2005-03-01"), "naturalized_citizen"),
    (_r(IDENT__encounter_type="adoption_petitioner"), "citizen"),
    (_r(IDENT__encounter_type="trusted_traveler", CIS__status="citizen"), "citizen"),
    (_r(**{"NCIC-IVF__fugitive": True}), "fugitive"),
    (_r(EOIR__final_order_on="2009-01-01"), "fugitive"),
    (_r(EOIR__final_order_on="2009-01-01", ENFORCE__removed_on="2009-02-01"),
     "removed_reentered"),
    (_r(True, CIS__status="lpr"), "lpr_removable_conviction"),
    (_r(CIS__status="lpr"), "lpr"),
    (_r(ADIS__admitted_until="2012-01-01"), "lawful_nonimmigrant"),
    (_r(ADIS__admitted_until="2010-01-01"), "overstay"),
    (_r(IDENT__encounter_type="border_apprehension"), "entered_without_inspection"),
    (_r(), "unable_to_determine"),
    (_r(HOTLINE__verified_status="naturalized_citizen", CIS__status="lpr"),
     "naturalized_citizen"),
])
def test_each_status(research: Research, status: str) -> None:
    assert determine(research)[0] == status


def test_a_naturalisation_outranks_a_stale_central_index_entry_and_says_so() -> None:
    r = _r(CLAIMS__naturalized_on="2005-03-01", CIS__status="lpr")
    status, rule = determine(r)
    assert status == "naturalized_citizen" and rule.startswith("naturalized:")
    assert conflicts(r) == [{"outranked": "lpr", "points_to": "lpr",
                             "settled_by": "naturalized"}]


def test_a_removal_outranks_a_later_visa_entry() -> None:
    r = _r(ENFORCE__removed_on="2008-05-01", ADIS__admitted_until="2012-01-01")
    assert determine(r)[0] == "removed_reentered"
    assert [c["outranked"] for c in conflicts(r)] == ["lawful-visa"]


def test_no_conflict_when_the_sources_agree() -> None:
    assert conflicts(_r(CIS__status="lpr")) == []
