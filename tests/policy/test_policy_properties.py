"""Properties of the evaluator over generated cases: deterministic, safe for citizens,
consistent with the removal statistics, and always explained by its trace."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.policy.catalog import load_catalog
from scomm.policy.evaluator import decide, removal_category
from scomm.policy.facts import ConvictionRecord, DecisionFacts, Sourced

AS_OF = datetime(2013, 1, 1, tzinfo=UTC)
STATUSES = [
    "citizen", "naturalized_citizen", "lpr", "lpr_removable_conviction", "lawful_nonimmigrant",
    "overstay", "entered_without_inspection", "removed_reentered", "fugitive",
    "unable_to_determine",
]  # fmt: skip
CODES = list(load_catalog().codes())


def _s(value: Any) -> Sourced[Any]:
    return Sourced(value=value, source="generated", as_of=AS_OF)


days_before = st.integers(min_value=0, max_value=15 * 365)
convictions = st.lists(
    st.builds(
        lambda code, back, days, loss: (code, back, days, loss),
        st.sampled_from(CODES),
        days_before,
        st.integers(0, 5000),
        st.none() | st.integers(0, 50_000),
    ),
    max_size=4,
)
optional_bool = st.none() | st.booleans()


@st.composite
def cases(draw: st.DrawFn) -> tuple[DecisionFacts, date]:
    on = draw(st.dates(min_value=date(2008, 10, 27), max_value=date(2014, 12, 31)))
    convs = tuple(
        ConvictionRecord(
            ncic_code=c, convicted_on=on - timedelta(days=b), sentence_days=d, loss_usd=x
        )
        for c, b, d, x in draw(convictions)
    )
    optional: dict[str, Any] = {}
    for name in (
        "entered_without_inspection", "visa_abuse", "prior_removal", "immigration_fraud",
        "gang_member", "national_security_concern", "victim_or_witness", "arrived_as_child",
    ):  # fmt: skip
        value = draw(optional_bool)
        if value is not None:
            optional[name] = _s(value)
    if draw(st.booleans()):
        optional["last_entry_on"] = _s(on - timedelta(days=draw(days_before)))
    if draw(st.booleans()):
        optional["final_order_on"] = _s(on - timedelta(days=draw(days_before)))
    if draw(st.booleans()):
        optional["age"] = _s(draw(st.integers(0, 100)))
    facts = DecisionFacts(
        status=_s(draw(st.sampled_from(STATUSES))),
        convictions=_s(convs),
        pending_charges=_s(tuple(draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=3)))),
        **optional,
    )
    return facts, on


@settings(max_examples=300, deadline=None)
@given(cases())
def test_decisions_are_deterministic_and_explained(case: tuple[DecisionFacts, date]) -> None:
    facts, on = case
    first, second = decide(facts, on), decide(facts, on)
    assert first == second
    assert first.recommended_action in (
        "detainer",
        "conditional_detainer",
        "no_action",
        "not_removable",
    )
    assert first.reason
    assert first.trace, "every decision has a trace"
    assert all(r.version in first.policy_version for r in first.trace)
    for rule in first.trace:
        for used in rule.facts_used.values():
            assert used.source


@settings(max_examples=300, deadline=None)
@given(cases())
def test_citizens_and_lawful_residents_are_never_detained(case: tuple[DecisionFacts, date]) -> None:
    facts, on = case
    decision = decide(facts, on)
    if facts.status.value in ("citizen", "naturalized_citizen", "lpr"):
        assert decision.recommended_action == "not_removable"
        assert decision.priority is None
    if decision.recommended_action == "conditional_detainer":
        assert all(load_catalog().get(c).minor_traffic for c in facts.pending_charges.value)


@settings(max_examples=300, deadline=None)
@given(cases())
def test_removal_category_agrees_with_conviction_level(case: tuple[DecisionFacts, date]) -> None:
    facts, on = case
    level = decide(facts, max(on, date(2011, 3, 2))).conviction_level
    category = removal_category(facts)
    if level is not None:
        assert category == f"convicted_level{level}"
    else:
        assert not category.startswith("convicted")
