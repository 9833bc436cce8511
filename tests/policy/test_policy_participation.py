"""Participation rules on sample dates (OIG-12-66 Appendix E definitions, MOAs)."""

from __future__ import annotations

from datetime import date
from importlib import resources

import pytest

from scomm.domain.errors import InvalidInput
from scomm.domain.messages import Routing
from scomm.policy.participation import (
    Election,
    forwards_minor_offense_prints,
    load_participation,
    optional_aspects_on,
    parse_participation,
    participation_definition_on,
    routing_on,
)

HARRIS = ("TX", "48201", date(2008, 10, 27))
SANTA_CLARA = ("CA", "06085", date(2010, 5, 11))


def route(on: date, county: tuple[str, str, date | None], *elections: Election) -> Routing:
    state, fips5, activated = county
    return routing_on(on, state, fips5, activated, elections)


def test_seven_definitions_plus_moa_events_are_dated() -> None:
    ids = [d.id for d in load_participation().definitions]
    assert ids == [
        "plan-2008",
        "def1-2009-08",
        "def2-2010-03",
        "def3-2010-04",
        "def4-2010-07",
        "def5-2010-08",
        "def6-2010-09",
        "def7-2010-10",
        "moa-cancellation-2011-08",
        "nationwide-2013-01",
    ]
    assert participation_definition_on(date(2010, 7, 15)).id == "def4-2010-07"  # type: ignore[union-attr]
    assert participation_definition_on(date(2008, 1, 1)) is None
    assert len(load_participation().moas) == 40


def test_activated_without_election_is_full_participation() -> None:
    r = route(date(2009, 1, 5), HARRIS)
    assert (r.shared, r.lea_receives) == (True, True)
    assert r.rule_id == "participation/plan-2008/full"


def test_limited_election_in_august_2010_shares_but_agency_does_not_receive() -> None:
    limited = Election(mode="limited", requested_on=date(2010, 7, 20), fips5="06085")
    r = route(date(2010, 8, 1), SANTA_CLARA, limited)
    assert (r.shared, r.lea_receives) == (True, False)
    assert r.rule_id == "participation/def5-2010-08/limited"
    assert "results to ICE but not to the agency" in r.reason


def test_postponed_election_is_not_shared() -> None:
    postponed = Election(mode="postponed", requested_on=date(2010, 7, 20), fips5="06085")
    r = route(date(2010, 8, 1), SANTA_CLARA, postponed)
    assert (r.shared, r.lea_receives) == (False, False)
    assert r.rule_id == "participation/def5-2010-08/postponed"


def test_after_moa_cancellation_elections_are_ignored() -> None:
    postponed = Election(mode="postponed", requested_on=date(2010, 7, 20), fips5="06085")
    before = route(date(2011, 8, 4), SANTA_CLARA, postponed)
    after = route(date(2011, 8, 5), SANTA_CLARA, postponed)
    assert before.shared is False
    assert (after.shared, after.lea_receives) == (True, True)
    assert after.rule_id == "participation/moa-cancellation-2011-08/shared"
    assert "1 election(s) ignored" in after.reason
    late = Election(mode="limited", requested_on=date(2012, 3, 1), state_abbr="CA")
    assert route(date(2012, 5, 1), SANTA_CLARA, late).lea_receives is True


def test_not_activated_is_not_shared() -> None:
    r = routing_on(date(2010, 8, 1), "CA", "06085", date(2010, 9, 1), [])
    assert (r.shared, r.lea_receives) == (False, False)
    assert r.rule_id.endswith("/not-activated")
    unknown = routing_on(date(2012, 1, 1), "AK", "02013", None, [])
    assert unknown.shared is False and "unknown" in unknown.reason


def test_nationwide_completion_activates_everyone() -> None:
    r = routing_on(date(2013, 1, 22), "AK", "02013", None, [])
    assert (r.shared, r.lea_receives) == (True, True)
    assert r.rule_id == "participation/nationwide-2013-01/shared"


def test_before_the_program_nothing_is_shared() -> None:
    r = route(date(2008, 10, 26), HARRIS)
    assert r.shared is False and r.rule_id == "participation/before-program"


def test_limited_is_not_an_option_before_april_2010() -> None:
    limited = Election(mode="limited", requested_on=date(2010, 1, 5), fips5="06085")
    r = route(date(2010, 3, 15), ("CA", "06085", date(2010, 1, 1)), limited)
    assert (r.shared, r.lea_receives) == (True, True)
    assert r.rule_id == "participation/def2-2010-03/election-not-honored"
    assert route(date(2010, 4, 2), ("CA", "06085", date(2010, 1, 1)), limited).lea_receives is False


def test_moa_termination_needs_an_moa_and_30_days_notice() -> None:
    # April 2010 (def3): a state opts out only by terminating its MOA, effective after 30 days.
    county = ("CA", "06085", date(2009, 6, 1))
    terminate = Election(mode="postponed", requested_on=date(2010, 4, 10), state_abbr="CA")
    during = route(date(2010, 5, 1), county, terminate)
    after = route(date(2010, 5, 10), county, terminate)
    assert during.shared is True and "30 days' notice" in during.reason
    assert after.shared is False
    no_moa = Election(mode="postponed", requested_on=date(2010, 4, 10), state_abbr="AK")
    r = routing_on(date(2010, 6, 1), "AK", "02013", date(2009, 6, 1), [no_moa])
    assert r.shared is True and "no MOA" in r.reason
    by_county = Election(mode="postponed", requested_on=date(2010, 4, 10), fips5="06085")
    assert route(date(2010, 6, 1), county, by_county).shared is True


def test_latest_election_wins_and_county_beats_state_on_a_tie() -> None:
    county = SANTA_CLARA
    state_postpone = Election(mode="postponed", requested_on=date(2010, 7, 5), state_abbr="CA")
    county_full = Election(mode="full", requested_on=date(2010, 7, 5), fips5="06085")
    assert route(date(2010, 8, 1), county, state_postpone, county_full).shared is True
    later_limited = Election(mode="limited", requested_on=date(2010, 7, 20), fips5="06085")
    r = route(date(2010, 8, 1), county, state_postpone, later_limited)
    assert (r.shared, r.lea_receives) == (True, False)
    other_county = Election(mode="postponed", requested_on=date(2010, 7, 5), fips5="06001")
    assert route(date(2010, 8, 1), county, other_county).shared is True
    future = Election(mode="postponed", requested_on=date(2010, 9, 1), fips5="06085")
    assert route(date(2010, 8, 1), county, future).shared is True


def test_optional_aspects_change_over_time() -> None:
    july = optional_aspects_on(date(2010, 7, 15))
    assert any("Limited participation" in a for a in july)
    assert any("Postponing participation until 2013" in a for a in july)
    after = optional_aspects_on(date(2011, 9, 1))
    assert not any("MOA" in a for a in after)
    assert len(after) == 1 and "minor offenses" in after[0]
    assert optional_aspects_on(date(2008, 1, 1)) == []
    assert optional_aspects_on(date(2009, 9, 1)) != optional_aspects_on(date(2010, 3, 2))


def test_states_may_withhold_minor_offense_prints() -> None:
    assert forwards_minor_offense_prints("IL", date(2012, 1, 1), []) is True
    withhold = Election(
        mode="no_minor_offense_prints", requested_on=date(2011, 11, 1), state_abbr="IL"
    )
    assert forwards_minor_offense_prints("IL", date(2012, 1, 1), [withhold]) is False
    assert forwards_minor_offense_prints("IL", date(2011, 10, 1), [withhold]) is True
    assert forwards_minor_offense_prints("NY", date(2012, 1, 1), [withhold]) is True
    resume = Election(mode="full", requested_on=date(2012, 6, 1), state_abbr="IL")
    assert forwards_minor_offense_prints("IL", date(2012, 7, 1), [withhold, resume]) is True
    # Not an SC participation choice: routing ignores it.
    assert routing_on(date(2012, 1, 1), "IL", "17031", date(2009, 11, 1), [withhold]).shared


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mode": "limited", "requested_on": date(2010, 1, 1)},
        {"mode": "limited", "requested_on": date(2010, 1, 1), "fips5": "06085", "state_abbr": "CA"},
        {"mode": "limited", "requested_on": date(2010, 1, 1), "fips5": "6085"},
        {"mode": "opt_out", "requested_on": date(2010, 1, 1), "fips5": "06085"},
        {"mode": "no_minor_offense_prints", "requested_on": date(2010, 1, 1), "fips5": "06085"},
    ],
)
def test_malformed_elections_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        Election(**kwargs)  # type: ignore[arg-type]


def test_routing_validates_its_keys() -> None:
    with pytest.raises(InvalidInput):
        routing_on(date(2010, 1, 1), "Texas", "48201", None, [])
    with pytest.raises(InvalidInput):
        routing_on(date(2010, 1, 1), "TX", "482", None, [])


def test_participation_file_validation_names_the_definition() -> None:
    folder = resources.files("scomm.policy").joinpath("rulebooks")
    text = folder.joinpath("participation.yaml").read_text()
    good = "postponed: {scopes: [county, state], notice_days: 0, requires_moa: false,\n"
    good += '                  how: "participation postponed'
    broken = text.replace(good, good.replace("[county, state]", "[city]"), 1)
    assert broken != text
    with pytest.raises(InvalidInput, match="definition def4-2010-07"):
        parse_participation(broken)
    unordered = text.replace("effective_from: 2010-08-01", "effective_from: 2010-06-01", 1)
    with pytest.raises(InvalidInput, match="increasing"):
        parse_participation(unordered)
