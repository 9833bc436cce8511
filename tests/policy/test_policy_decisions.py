"""Representative decisions under each policy version, the trace, determinism, and the
guarantee that protected attributes cannot reach the evaluator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from scomm.domain.errors import InvalidInput
from scomm.policy.evaluator import decide, removal_category, sc_offense_level
from scomm.policy.facts import PROTECTED_ATTRIBUTES, ConvictionRecord, DecisionFacts

Facts = Callable[..., DecisionFacts]
Conv = Callable[..., ConvictionRecord]

MEMO = date(2011, 9, 1)  # priorities 2011 + discretion, before minor traffic
PLAN = date(2010, 5, 1)  # 2008 plan
MT = date(2012, 6, 1)  # + minor traffic
NDG = date(2013, 1, 10)  # + National Detainer Guidance


def fired(decision: Any) -> list[str]:
    return [r.rule_id for r in decision.trace]


# ---------------------------------------------------------------- 2011 priorities


def test_aggravated_felon_is_priority_1_level_1_detainer(
    make_facts: Facts, make_conviction: Conv
) -> None:
    f = make_facts(convictions=(make_conviction("1305", days=730),))
    d = decide(f, MEMO)
    assert (d.priority, d.conviction_level, d.recommended_action) == (1, 1, "detainer")
    assert d.offense_level == 1
    assert {"CL-1", "P1-convicted", "A-priority-1"} <= set(fired(d))


def test_violent_crime_with_short_sentence_is_not_an_aggravated_felony(
    make_facts: Facts, make_conviction: Conv
) -> None:
    # Class F needs a term of at least one year: 6 months makes it a felony, Level 2.
    d = decide(make_facts(convictions=(make_conviction("1305", days=180),)), MEMO)
    assert d.conviction_level == 2


def test_fraud_is_aggravated_only_over_10000(make_facts: Facts, make_conviction: Conv) -> None:
    small = decide(make_facts(convictions=(make_conviction("2602", loss=9000),)), MEMO)
    large = decide(make_facts(convictions=(make_conviction("2602", loss=25000),)), MEMO)
    unknown = decide(make_facts(convictions=(make_conviction("2602"),)), MEMO)
    assert (small.conviction_level, large.conviction_level, unknown.conviction_level) == (2, 1, 2)


def test_two_felonies_are_level_1(make_facts: Facts, make_conviction: Conv) -> None:
    d = decide(make_facts(convictions=(make_conviction("2404"), make_conviction("2203"))), MEMO)
    assert d.conviction_level == 1


def test_three_misdemeanors_are_level_2(make_facts: Facts, make_conviction: Conv) -> None:
    three = tuple(make_conviction(c) for c in ("2303", "5311", "5404"))
    two = three[:2]
    assert decide(make_facts(convictions=three), MEMO).conviction_level == 2
    d2 = decide(make_facts(convictions=two), MEMO)
    assert (d2.conviction_level, d2.priority, d2.recommended_action) == (3, 1, "detainer")


def test_infractions_and_supervision_violations_are_not_convictions(
    make_facts: Facts, make_conviction: Conv
) -> None:
    d = decide(make_facts(convictions=(make_conviction("5483"), make_conviction("5012"))), MEMO)
    assert d.conviction_level is None


@pytest.mark.parametrize("status", ["citizen", "naturalized_citizen"])
def test_us_citizen_is_not_removable_even_with_level_1_charge(
    make_facts: Facts, make_conviction: Conv, status: str
) -> None:
    f = make_facts(
        status=status, charges=("0903",), convictions=(make_conviction("1305", days=900),)
    )
    for on in (PLAN, MEMO, MT, NDG):
        d = decide(f, on)
        assert d.recommended_action == "not_removable", on
        assert d.priority is None


def test_lpr_without_removable_conviction_is_not_removable(
    make_facts: Facts, make_conviction: Conv
) -> None:
    d = decide(make_facts(status="lpr", convictions=(make_conviction("2303"),)), MEMO)
    assert d.recommended_action == "not_removable"
    assert "lawful status without a removable conviction" in d.reason


def test_lpr_with_removable_conviction_is_priority_1(
    make_facts: Facts, make_conviction: Conv
) -> None:
    f = make_facts(
        status="lpr_removable_conviction", convictions=(make_conviction("3530", days=1800),)
    )
    d = decide(f, MEMO)
    assert (d.priority, d.conviction_level, d.recommended_action) == (1, 1, "detainer")


def test_recent_ewi_is_priority_2_and_older_entry_is_not(make_facts: Facts) -> None:
    recent = make_facts(
        status="entered_without_inspection",
        last_entry_on=date(2009, 9, 2),
        entered_without_inspection=True,
    )
    old = make_facts(
        status="entered_without_inspection",
        last_entry_on=date(2008, 9, 1),
        entered_without_inspection=True,
    )
    assert decide(recent, MEMO).priority == 2
    assert decide(recent, MEMO).recommended_action == "detainer"
    d_old = decide(old, MEMO)
    assert d_old.priority is None
    assert (d_old.recommended_action, d_old.reason) == ("no_action", "not a priority")


def test_visa_abuse_is_priority_2(make_facts: Facts) -> None:
    d = decide(make_facts(status="lawful_nonimmigrant", visa_abuse=True), MEMO)
    assert (d.priority, d.recommended_action) == (2, "detainer")


def test_fugitive_is_priority_3(make_facts: Facts) -> None:
    d = decide(make_facts(status="fugitive", final_order_on=date(2009, 4, 1)), MEMO)
    assert (d.priority, d.recommended_action) == (3, "detainer")
    assert "P3-fugitive" in fired(d)


def test_reentry_and_fraud_are_priority_3(make_facts: Facts) -> None:
    assert decide(make_facts(status="removed_reentered", prior_removal=True), MEMO).priority == 3
    assert decide(make_facts(immigration_fraud=True), MEMO).priority == 3


def test_gang_member_16_or_older_is_priority_1(make_facts: Facts) -> None:
    assert decide(make_facts(gang_member=True, age=19), MEMO).priority == 1
    assert decide(make_facts(gang_member=True, age=15), MEMO).priority is None


def test_non_priority_with_level_1_charge_gets_detainer(make_facts: Facts) -> None:
    d = decide(make_facts(charges=("1313", "5202")), MEMO)
    assert d.priority is None
    assert d.recommended_action == "detainer"
    assert "A-level-1-charge" in fired(d)


def test_status_undetermined_is_no_action(make_facts: Facts) -> None:
    d = decide(make_facts(status="unable_to_determine", charges=("0903",)), MEMO)
    assert d.recommended_action == "no_action"
    assert "could not be determined" in d.reason


# ---------------------------------------------------------------- 2008 plan


def test_2008_plan_level_1_charge_detainer_level_2_3_by_conviction(
    make_facts: Facts, make_conviction: Conv
) -> None:
    assert decide(make_facts(charges=("1201",)), PLAN).recommended_action == "detainer"
    charge_only = decide(make_facts(charges=("2303",)), PLAN)
    assert (charge_only.recommended_action, charge_only.offense_level) == ("no_action", 2)
    convicted = decide(make_facts(charges=("2303",), convictions=(make_conviction("5311"),)), PLAN)
    assert convicted.recommended_action == "detainer"
    assert convicted.priority is None and convicted.conviction_level is None


def test_2008_level_by_drug_sentence(make_facts: Facts) -> None:
    assert decide(make_facts(charges=("3530",)), PLAN).offense_level == 1  # cocaine sale, felony
    assert decide(make_facts(charges=("3562",)), PLAN).offense_level == 2  # marijuana possession
    assert sc_offense_level(["3562", "5499"], PLAN) == 2
    assert sc_offense_level([], PLAN) is None


# ---------------------------------------------------------------- minor traffic, 2012 guidance


def test_minor_traffic_only_conditional_detainer_after_2012_04_27(make_facts: Facts) -> None:
    f = make_facts(status="entered_without_inspection", charges=("5481",))
    before = decide(f, date(2012, 4, 26))
    after = decide(f, date(2012, 4, 27))
    assert (before.recommended_action, before.reason) == ("no_action", "not a priority")
    assert after.recommended_action == "conditional_detainer"
    assert after.operative_upon_conviction
    assert "MT-conditional-detainer" in fired(after)
    assert after.policy_version.endswith("+minor-traffic-2012-04-27")


def test_minor_traffic_under_2008_plan_is_discretion(make_facts: Facts) -> None:
    assert decide(make_facts(charges=("5499",)), PLAN).recommended_action == "no_action"


def test_dui_is_never_minor_traffic(make_facts: Facts) -> None:
    assert decide(make_facts(charges=("5404",)), MT).recommended_action == "no_action"


def test_minor_traffic_with_other_priority_stays_detainer(
    make_facts: Facts, make_conviction: Conv
) -> None:
    convicted = make_facts(charges=("5481",), convictions=(make_conviction("2303"),))
    assert decide(convicted, MT).recommended_action == "detainer"
    recent = make_facts(
        status="entered_without_inspection",
        charges=("5481",),
        last_entry_on=date(2011, 1, 1),
        entered_without_inspection=True,
    )
    assert decide(recent, MT).recommended_action == "detainer"


def test_national_detainer_guidance_needs_a_basis(make_facts: Facts, make_conviction: Conv) -> None:
    minor = decide(make_facts(charges=("5481",)), NDG)
    assert minor.recommended_action == "no_action"
    assert "ND-no-basis" in fired(minor)
    recent_ewi = make_facts(
        status="entered_without_inspection",
        last_entry_on=date(2012, 1, 1),
        entered_without_inspection=True,
    )
    assert decide(recent_ewi, NDG).recommended_action == "no_action"
    one_misdemeanor = make_facts(convictions=(make_conviction("2303"),))
    assert decide(one_misdemeanor, MT).recommended_action == "detainer"
    assert decide(one_misdemeanor, NDG).recommended_action == "no_action"
    dui = decide(make_facts(convictions=(make_conviction("5404"),)), NDG)
    assert dui.recommended_action == "detainer" and "ND-significant-misdemeanor" in fired(dui)
    felony_charge = decide(make_facts(charges=("2203",)), NDG)
    assert "ND-felony-charge" in fired(felony_charge)
    reentry = decide(make_facts(status="removed_reentered", prior_removal=True), NDG)
    assert reentry.recommended_action == "detainer" and "ND-reentry" in fired(reentry)


# ---------------------------------------------------------------- discretion, victims


def test_victim_or_witness_yields_no_action_absent_p1_level_1(
    make_facts: Facts, make_conviction: Conv
) -> None:
    p2_victim = make_facts(status="lawful_nonimmigrant", visa_abuse=True, victim_or_witness=True)
    d = decide(p2_victim, MEMO)
    assert d.recommended_action == "no_action"
    assert "victim or witness" in d.reason
    assert any(f.factor == "victim_or_witness" for f in d.discretion_flags)
    level1 = make_facts(victim_or_witness=True, convictions=(make_conviction("0903", days=5000),))
    assert decide(level1, MEMO).recommended_action == "detainer"
    level3 = make_facts(victim_or_witness=True, convictions=(make_conviction("2303"),))
    assert decide(level3, MEMO).recommended_action == "no_action"


def test_victim_memo_does_not_apply_before_june_17_2011(make_facts: Facts) -> None:
    f = make_facts(status="lawful_nonimmigrant", visa_abuse=True, victim_or_witness=True)
    d = decide(f, date(2011, 6, 16))
    assert d.recommended_action == "detainer" and d.discretion_flags == ()


def test_victim_charged_with_minor_traffic_gets_no_conditional_detainer(make_facts: Facts) -> None:
    d = decide(make_facts(charges=("5481",), victim_or_witness=True), MT)
    assert d.recommended_action == "no_action"


def test_discretion_factors_are_flags_only(make_facts: Facts, make_conviction: Conv) -> None:
    f = make_facts(
        convictions=(make_conviction("2203", days=400),),
        arrived_as_child=True,
        us_military_service=True,
        years_present=22,
        age=70,
        prior_removal=True,
    )
    d = decide(f, MEMO)
    flags = {(x.factor, x.direction) for x in d.discretion_flags}
    assert {
        ("arrived_as_child", "positive"),
        ("us_military_service", "positive"),
        ("years_present", "positive"),
        ("age_elderly", "positive"),
        ("felony_conviction", "negative"),
        ("egregious_immigration_history", "negative"),
    } <= flags
    assert d.recommended_action == "detainer"  # flags never change the outcome


# ---------------------------------------------------------------- trace, determinism, inputs


def test_trace_names_rules_and_facts_with_sources(make_facts: Facts, make_conviction: Conv) -> None:
    f = make_facts(convictions=(make_conviction("1305", days=730),), charges=("5404",))
    d = decide(f, MEMO)
    first = d.trace[0]
    assert (first.rulebook, first.version) == ("sc-offense-levels", "sc-levels-2008-10-27")
    assert first.facts_used["convictions[0]"].source == "IAFIS criminal history"
    removable = next(r for r in d.trace if r.rule_id == "R-removable")
    assert removable.facts_used["status"].value == "overstay"
    assert removable.facts_used["status"].source == "CIS/EID status check"
    assert removable.facts_used["status"].as_of is not None
    cl1 = next(r for r in d.trace if r.rule_id == "CL-1")
    assert cl1.version == "priorities-2011-03-02"
    agg = cl1.facts_used["aggravated_felony_convictions"]
    assert agg.value == 1 and "convictions[0]=1305" in agg.source and "IAFIS" in agg.source
    p1 = next(r for r in d.trace if r.rule_id == "P1-convicted")
    assert p1.facts_used["conviction_level"].source == "rule priorities-2011-03-02/CL-1"
    absent = next(r for r in d.trace if r.rule_id == "P1-convicted").facts_used
    assert absent["national_security_concern"].source == "not in dossier"


def test_decision_is_deterministic_and_round_trips(
    make_facts: Facts, make_conviction: Conv
) -> None:
    f = make_facts(
        convictions=(make_conviction("2303"), make_conviction("5404")),
        charges=("5481", "1313"),
        age=30,
    )
    a, b = decide(f, MT), decide(f, MT)
    assert a == b
    assert a.model_dump_json() == b.model_dump_json()
    assert type(a).model_validate_json(a.model_dump_json()) == a


def test_same_facts_under_another_version_give_a_diff(make_facts: Facts) -> None:
    f = make_facts(status="entered_without_inspection", charges=("5481",))
    now = decide(f, MT)
    then = decide(f, MT, policy_on=date(2011, 9, 1))
    assert now.policy_version != then.policy_version
    assert (now.recommended_action, then.recommended_action) == (
        "conditional_detainer",
        "no_action",
    )


def test_protected_attributes_cannot_be_passed(make_facts: Facts) -> None:
    base = make_facts().model_dump()
    leak = {"value": "x", "source": "booking", "as_of": "2012-01-01T00:00:00Z"}
    for name in ("race", "ethnicity", "national_origin", "language", "appearance"):
        with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
            DecisionFacts.model_validate({**base, name: leak})
    assert not set(DecisionFacts.model_fields) & PROTECTED_ATTRIBUTES
    for field in DecisionFacts.model_fields:
        for word in ("race", "ethnic", "origin", "language", "appearance", "nationality"):
            assert word not in field


def test_decide_refuses_other_inputs_and_future_facts(
    make_facts: Facts, make_conviction: Conv
) -> None:
    with pytest.raises(InvalidInput):
        decide({"status": "overstay"}, MEMO)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=r"convictions\[0\]\.convicted_on"):
        decide(make_facts(convictions=(make_conviction("2303", on=date(2012, 1, 1)),)), MEMO)
    with pytest.raises(InvalidInput, match="last_entry_on"):
        decide(make_facts(last_entry_on=date(2012, 1, 1)), MEMO)
    with pytest.raises(InvalidInput):
        decide(make_facts(charges=("9012",)), MEMO)


def test_facts_need_sources(make_facts: Facts) -> None:
    data = make_facts().model_dump()
    data["status"]["source"] = ""
    with pytest.raises(ValidationError):
        DecisionFacts.model_validate(data)
    data = make_facts().model_dump()
    data["status"]["as_of"] = "2012-01-01T00:00:00"  # naive
    with pytest.raises(ValidationError):
        DecisionFacts.model_validate(data)


# ---------------------------------------------------------------- removal statistics


@pytest.mark.parametrize(
    ("kwargs", "category"),
    [
        ({"convictions": ("0903:3650",)}, "convicted_level1"),
        ({"convictions": ("2203:0",), "status": "fugitive"}, "convicted_level2"),
        ({"convictions": ("2303:0",), "prior_removal": True}, "convicted_level3"),
        (
            {"status": "fugitive", "final_order_on": date(2010, 1, 1), "prior_removal": True},
            "ice_fugitive",
        ),
        ({"status": "removed_reentered", "prior_removal": True}, "prior_removal_return"),
        ({"status": "entered_without_inspection"}, "ewi_visa_overstay"),
        ({"status": "overstay", "convictions": ("5483:0",)}, "ewi_visa_overstay"),
    ],
)
def test_removal_category(
    make_facts: Facts, make_conviction: Conv, kwargs: dict[str, Any], category: str
) -> None:
    convictions = tuple(
        make_conviction(c.split(":")[0], days=int(c.split(":")[1]))
        for c in kwargs.pop("convictions", ())
    )
    assert removal_category(make_facts(convictions=convictions, **kwargs)) == category
