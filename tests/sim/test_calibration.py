"""Calibration: the rates reproduce ICE's county table, imputed counties are flagged, and the
real counts are pro-rated to any window."""

from __future__ import annotations

import math
import statistics
from dataclasses import astuple
from datetime import date

import pytest

from scomm.domain.errors import InvalidInput
from scomm.sim.calibration import (
    STATS_END,
    CountyRates,
    days_active,
    expected_counts,
    national_totals,
    rates_for,
)
from scomm.sim.jurisdictions import ICE_NATIONAL_TOTALS, Jurisdiction, load_jurisdictions

HARRIS_DAYS = (date(2012, 8, 31) - date(2008, 10, 27)).days + 1


@pytest.fixture(scope="module")
def everyone() -> dict[str, Jurisdiction]:
    return load_jurisdictions()


@pytest.fixture(scope="module")
def rates(everyone: dict[str, Jurisdiction]) -> dict[str, CountyRates]:
    return rates_for(everyone.values())


def test_stats_end() -> None:
    assert date(2012, 8, 31) == STATS_END


def test_harris_rates(everyone: dict[str, Jurisdiction], rates: dict[str, CountyRates]) -> None:
    harris = rates["48201"]
    assert HARRIS_DAYS == 1405 == days_active(everyone["48201"])
    assert harris.source == "county"
    assert harris.bookings_per_day == pytest.approx(522_595 / HARRIS_DAYS)
    assert harris.ident_match_rate == pytest.approx(48_152 / 522_595)
    assert harris.level1_share == pytest.approx(7_410 / 48_152)
    assert harris.removal_rate_per_match == pytest.approx(16_874 / 48_152)
    assert harris.removal_mix.convicted_level1 == pytest.approx(4_992 / 16_874)
    assert harris.removal_mix.ice_fugitives == pytest.approx(332 / 16_874)


def test_every_rate_is_usable(rates: dict[str, CountyRates]) -> None:
    assert len(rates) == 3143
    for r in rates.values():
        assert r.bookings_per_day >= 0 and math.isfinite(r.bookings_per_day)
        assert 0 <= r.ident_match_rate <= 1
        assert 0 <= r.level1_share <= 1
        assert r.removal_rate_per_match >= 0
        assert sum(astuple(r.removal_mix)) == pytest.approx(1.0)


def test_imputed_counties_are_flagged(
    everyone: dict[str, Jurisdiction], rates: dict[str, CountyRates]
) -> None:
    imputed = {f for f, r in rates.items() if r.source == "imputed"}
    assert len(imputed) == 122
    assert imputed == {f for f, j in everyone.items() if j.ice_stats is None}
    assert {"17031", "36047", "11001", "51595"} <= imputed

    illinois_per_day = [
        j.ice_stats.submissions / days_active(j)
        for j in everyone.values()
        if j.state_abbr == "IL" and j.ice_stats is not None and j.ice_stats.submissions > 0
    ]
    assert rates["17031"].bookings_per_day == pytest.approx(statistics.median(illinois_per_day))

    il = [j.ice_stats for j in everyone.values() if j.state_abbr == "IL" and j.ice_stats]
    il_matches = sum(s.ident_matches_total for s in il)
    assert rates["17031"].ident_match_rate == pytest.approx(
        il_matches / sum(s.submissions for s in il)
    )
    assert rates["17031"].level1_share == pytest.approx(
        sum(s.ident_matches_level1 for s in il) / il_matches
    )


def test_dc_has_no_state_peers_and_takes_national_values(
    everyone: dict[str, Jurisdiction], rates: dict[str, CountyRates]
) -> None:
    national_per_day = [
        j.ice_stats.submissions / days_active(j)
        for j in everyone.values()
        if j.ice_stats is not None and j.ice_stats.submissions > 0
    ]
    assert rates["11001"].bookings_per_day == pytest.approx(statistics.median(national_per_day))
    assert rates["11001"].ident_match_rate == pytest.approx(1_087_109 / 19_858_457)
    assert rates["11001"].level1_share == pytest.approx(239_343 / 1_087_109)


def test_zero_submission_counties_book_nobody(rates: dict[str, CountyRates]) -> None:
    amite = rates["28005"]  # Amite MS: active since 2011-11-22, zero submissions
    assert (amite.source, amite.bookings_per_day) == ("county", 0.0)
    assert sum(1 for r in rates.values() if r.bookings_per_day == 0) == 39


def test_rates_reproduce_the_real_table(
    everyone: dict[str, Jurisdiction], rates: dict[str, CountyRates]
) -> None:
    """Driving every measured county at its rate over its active days gives ICE's totals."""
    measured = [f for f, r in rates.items() if r.source == "county"]
    bookings = sum(rates[f].bookings_per_day * days_active(everyone[f]) for f in measured)
    matches = sum(
        rates[f].bookings_per_day * days_active(everyone[f]) * rates[f].ident_match_rate
        for f in measured
    )
    level1 = sum(
        rates[f].bookings_per_day
        * days_active(everyone[f])
        * rates[f].ident_match_rate
        * rates[f].level1_share
        for f in measured
    )
    assert bookings == pytest.approx(19_858_457)
    assert matches == pytest.approx(1_087_109)
    assert level1 == pytest.approx(239_343)


def test_rates_do_not_depend_on_the_selection(rates: dict[str, CountyRates]) -> None:
    cook = load_jurisdictions()["17031"]
    assert rates_for([cook]) == {"17031": rates["17031"]}


def test_expected_counts_full_window_is_the_real_row(everyone: dict[str, Jurisdiction]) -> None:
    got = expected_counts(everyone["48201"], date(2008, 1, 1), date(2013, 12, 31), 1.0)
    assert (got.first_day, got.last_day, got.days) == (date(2008, 10, 27), STATS_END, 1405)
    assert got.submissions == pytest.approx(522_595)
    assert got.ident_matches_total == got.matches == pytest.approx(48_152)
    assert got.ident_matches_level1 == pytest.approx(7_410)
    assert got.ident_matches_level2_3 == pytest.approx(40_742)
    assert got.removals_total == pytest.approx(16_874)
    assert got.has_real_stats


def test_expected_counts_pro_rates_and_scales(everyone: dict[str, Jurisdiction]) -> None:
    got = expected_counts(everyone["48201"], date(2010, 1, 1), date(2010, 12, 31), 0.01)
    assert got.days == 365
    assert got.submissions == pytest.approx(522_595 * 365 / 1405 * 0.01)
    assert got.ident_matches_total == pytest.approx(48_152 * 365 / 1405 * 0.01)
    straddle = expected_counts(everyone["48201"], date(2008, 10, 1), date(2008, 10, 31), 1.0)
    assert (straddle.first_day, straddle.days) == (date(2008, 10, 27), 5)
    assert straddle.submissions == pytest.approx(522_595 * 5 / 1405)


def test_expected_counts_outside_the_table(everyone: dict[str, Jurisdiction]) -> None:
    before = expected_counts(everyone["48201"], date(2008, 1, 1), date(2008, 10, 26), 1.0)
    after = expected_counts(everyone["48201"], date(2012, 9, 1), date(2013, 1, 22), 1.0)
    for nothing in (before, after):
        assert nothing.days == 0 and nothing.submissions == 0 and nothing.first_day is None
        assert nothing.has_real_stats
    cook = expected_counts(everyone["17031"], date(2008, 1, 1), date(2013, 12, 31), 1.0)
    assert not cook.has_real_stats and cook.ident_matches_total == 0
    kings = expected_counts(everyone["36047"], date(2012, 1, 1), date(2012, 12, 31), 1.0)
    assert (kings.days, kings.submissions, kings.has_real_stats) == (93, 0.0, False)


def test_expected_counts_empty_window_and_bad_scale(everyone: dict[str, Jurisdiction]) -> None:
    harris = everyone["48201"]
    # A scenario starting after the table ends, clipped to STATS_END, asks for an empty window.
    empty = expected_counts(harris, date(2012, 10, 1), STATS_END, 1.0)
    assert (empty.days, empty.submissions, empty.matches) == (0, 0.0, 0.0)
    with pytest.raises(InvalidInput) as caught:
        expected_counts(harris, date(2011, 1, 1), date(2011, 1, 2), 0.0)
    assert caught.value.where == "scale"


def test_national_totals() -> None:
    totals = national_totals()
    assert totals == ICE_NATIONAL_TOTALS
    assert (totals.submissions, totals.ident_matches_total, totals.removals_total) == (
        19_858_457,
        1_087_109,
        220_301,
    )
