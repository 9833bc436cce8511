"""The official answer to "may we opt out?" is generated from the routing's own rules, so the
answer given and the routing done can never disagree (OIG-12-66 recommendation 1)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.policy.participation import (
    Election,
    load_participation,
    may_opt_out,
    moa_on,
    routing_on,
)

RULES = load_participation()
STATES = [*sorted(RULES.moas), "AK", "MA"]  # two states that never signed one
START = RULES.program_start
MODES = ("limited", "postponed")


def _honored(on: date, state: str, fips5: str | None, mode: str) -> bool | None:
    """Whether the routing honors an election of ``mode`` made on ``on`` once its notice has
    run; None when another definition is in force by then (the answer cannot speak for it)."""
    definition = RULES.definition_on(on)
    assert definition is not None
    terms = definition.honored.get(mode)
    notice = terms.notice_days if terms else RULES.moa_termination_notice_days
    day = on + timedelta(days=notice)
    if RULES.definition_on(day) != definition:
        return None
    county = fips5 or "99001"
    election = (Election(mode=mode, requested_on=on, fips5=fips5) if fips5  # type: ignore[arg-type]
                else Election(mode=mode, requested_on=on, state_abbr=state))  # type: ignore[arg-type]
    r = routing_on(day, state, county, START, [election])
    return not (r.shared and r.lea_receives)


@settings(max_examples=300, deadline=None)
@given(day=st.dates(min_value=START, max_value=date(2013, 6, 30)),
       state=st.sampled_from(STATES), county=st.booleans())
def test_the_answer_lists_exactly_the_elections_the_routing_honors(
        day: date, state: str, county: bool) -> None:
    fips5 = "99001" if county else None
    answer = may_opt_out(day, state, fips5)
    offered = {o.mode for o in answer.options}
    assert answer.may_opt_out == bool(offered)
    for mode in MODES:
        honored = _honored(day, state, fips5, mode)
        if honored is not None:
            assert (mode in offered) == honored, (mode, answer.text)


def test_two_answers_for_the_same_date_and_place_are_the_same() -> None:
    assert may_opt_out(date(2010, 7, 15), "CA", "06037") == may_opt_out(
        date(2010, 7, 15), "CA", "06037")


def test_sample_answers_over_the_program() -> None:
    assert not may_opt_out(date(2008, 1, 1), "CA").may_opt_out
    april = may_opt_out(date(2010, 4, 15), "CA")
    postponed = next(o for o in april.options if o.mode == "postponed")
    assert postponed.effective_on == date(2010, 5, 15)  # the MOA's 30 days' written notice
    assert {o.mode for o in may_opt_out(date(2010, 4, 15), "AK").options} == {"limited"}
    assert {o.mode for o in may_opt_out(date(2010, 7, 15), "CA", "06037").options} == {
        "limited", "postponed"}
    after = may_opt_out(date(2011, 9, 1), "CA")
    assert not after.may_opt_out and after.text.startswith("No. The ICE Director")


def test_moa_is_a_dated_record() -> None:
    before = moa_on("CA", date(2009, 5, 1))
    assert before.state == "not yet in force"
    assert (before.state_signed_on, before.ice_signed_on) == (date(2009, 4, 10), date(2009, 5, 8))
    assert moa_on("CA", date(2010, 1, 1)).state == "in force"
    assert moa_on("CA", date(2011, 8, 5)).state == "cancelled"
    assert moa_on("AK", date(2010, 1, 1)).state == "none"
    assert moa_on("CA", date(2010, 1, 1)).termination_notice_days == 30
