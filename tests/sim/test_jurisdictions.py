"""The jurisdiction table: real counts and dates survive loading, gaps are filled by the
documented rules, and a bad scenario entry is named exactly."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from scomm.domain.errors import InvalidInput
from scomm.sim import jurisdictions
from scomm.sim.jurisdictions import (
    ICE_NATIONAL_TOTALS,
    NATIONWIDE_COMPLETION,
    IceCountyStats,
    JurisdictionDataError,
    load_jurisdictions,
    nearest_aor,
    select,
    timezone_exception_count,
)

ICE_AORS = {
    "ATL", "BAL", "BOS", "BUF", "CHI", "DAL", "DEN", "DET", "ELP", "HOU", "LOS", "MIA",
    "NEW", "NOL", "NYC", "PHI", "PHO", "SEA", "SFR", "SLC", "SNA", "SND", "SPM", "WAS",
}  # fmt: skip


def test_every_county_of_the_50_states_and_dc_once() -> None:
    js = load_jurisdictions()
    assert len(js) == 3143
    assert list(js) == sorted(js)
    assert all(len(f) == 5 and f.isdigit() and js[f].fips5 == f for f in js)
    assert len({j.state_abbr for j in js.values()}) == 51


def test_national_sums_are_ices_published_totals() -> None:
    stats = [j.ice_stats for j in load_jurisdictions().values() if j.ice_stats is not None]
    total = IceCountyStats.total(stats)
    assert total == ICE_NATIONAL_TOTALS
    assert total.submissions == 19_858_457
    assert total.ident_matches_total == 1_087_109
    assert (total.ident_matches_level1, total.ident_matches_level2_3) == (239_343, 847_766)
    assert total.removals_total == 220_301
    assert len(stats) == 3021


def test_harris_county_first_activation() -> None:
    harris = load_jurisdictions()["48201"]
    assert (harris.state_abbr, harris.state_name, harris.county_name) == (
        "TX",
        "Texas",
        "Harris County",
    )
    assert harris.aor == "HOU" and not harris.aor_inferred
    assert harris.activation_date == date(2008, 10, 27)
    assert harris.date_precision == "day"
    assert harris.ice_stats is not None
    assert harris.ice_stats.submissions == 522_595
    assert harris.ice_stats.ident_matches_total == 48_152
    assert harris.ice_stats.removals_total == 16_874
    assert (
        harris.ice_stats.removals_convicted_level1,
        harris.ice_stats.removals_convicted_level2,
        harris.ice_stats.removals_convicted_level3,
    ) == (4_992, 3_557, 6_613)
    earliest = min(load_jurisdictions().values(), key=lambda j: j.activation_date)
    assert earliest.fips5 == "48201"


def test_los_angeles_and_maricopa() -> None:
    js = load_jurisdictions()
    la, maricopa = js["06037"], js["04013"]
    assert (la.aor, la.activation_date) == ("LOS", date(2009, 8, 27))
    assert la.ice_stats is not None
    assert (la.ice_stats.submissions, la.ice_stats.ident_matches_total) == (1_112_028, 119_595)
    assert la.ice_stats.removals_total == 26_030
    assert (maricopa.aor, maricopa.activation_date) == ("PHO", date(2009, 1, 16))
    assert maricopa.ice_stats is not None and maricopa.ice_stats.submissions == 926_835


@pytest.mark.parametrize(
    ("fips5", "tz"),
    [
        ("48141", "America/Denver"),  # El Paso TX
        ("48229", "America/Denver"),  # Hudspeth TX
        ("04013", "America/Phoenix"),  # Maricopa AZ
        ("48201", "America/Chicago"),  # Harris TX
        ("36047", "America/New_York"),  # Kings NY
        ("12033", "America/Chicago"),  # Escambia FL, panhandle
        ("12045", "America/New_York"),  # Gulf FL: seat Port St. Joe is Eastern
        ("41045", "America/Boise"),  # Malheur OR
        ("16055", "America/Los_Angeles"),  # Kootenai ID, north
        ("16001", "America/Boise"),  # Ada ID, south
        ("18089", "America/Chicago"),  # Lake IN
        ("18097", "America/Indiana/Indianapolis"),  # Marion IN
        ("21111", "America/Kentucky/Louisville"),  # Jefferson KY
        ("21227", "America/Chicago"),  # Warren KY
        ("47093", "America/New_York"),  # Knox TN
        ("47037", "America/Chicago"),  # Davidson TN
        ("26053", "America/Menominee"),  # Gogebic MI
        ("26163", "America/Detroit"),  # Wayne MI
        ("20181", "America/Denver"),  # Sherman KS
        ("31157", "America/Denver"),  # Scotts Bluff NE
        ("38089", "America/Denver"),  # Stark ND
        ("46103", "America/Denver"),  # Pennington SD
        ("02020", "America/Anchorage"),  # Anchorage AK
        ("15003", "Pacific/Honolulu"),  # Honolulu HI
        ("11001", "America/New_York"),  # DC
    ],
)
def test_time_zones(fips5: str, tz: str) -> None:
    assert load_jurisdictions()[fips5].tz == tz


def test_every_zone_is_a_real_iana_zone_and_exceptions_are_counted() -> None:
    zones = {j.tz for j in load_jurisdictions().values()}
    for tz in zones:
        ZoneInfo(tz)
    assert timezone_exception_count() == 172


def test_mercer_nd_zone_carries_its_2010_move_to_central() -> None:
    """Why sub-zones matter: Mercer ND changed zone inside the replay period."""
    mercer = ZoneInfo(load_jurisdictions()["38057"].tz)
    before = datetime(2010, 7, 1, 12, tzinfo=mercer).utcoffset()
    after = datetime(2011, 7, 1, 12, tzinfo=mercer).utcoffset()
    assert before is not None and after is not None
    assert before.total_seconds() == -6 * 3600  # MDT
    assert after.total_seconds() == -5 * 3600  # CDT


def test_date_precision_and_conservative_dates() -> None:
    js = load_jurisdictions()
    counts = {p: sum(1 for j in js.values() if j.date_precision == p) for p in ("day", "month")}
    assert counts == {"day": 3021, "month": 113}
    assert js["11001"].activation_date == date(2012, 6, 30)  # DC: June 2012, month's last day
    assert js["36047"].activation_date == date(2012, 5, 31)  # Kings NY: May 2012
    assert js["44001"].activation_date == date(2011, 3, 31)  # Bristol RI: March 2011
    # January 2013 counties: month end capped at the nationwide completion.
    cook = js["17031"]
    assert (cook.date_precision, cook.activation_date) == ("month", NATIONWIDE_COMPLETION)
    unknown = sorted(f for f, j in js.items() if j.date_precision == "unknown")
    assert unknown == [
        "02230", "15005", "46113", "51595", "51600", "51683", "51685", "51735", "54017",
    ]  # fmt: skip
    assert all(js[f].activation_date == date(2013, 1, 22) for f in unknown)
    assert max(j.activation_date for j in js.values()) == NATIONWIDE_COMPLETION


def test_stats_only_where_ice_published_them() -> None:
    js = load_jurisdictions()
    assert sum(1 for j in js.values() if j.ice_stats is None) == 122
    assert all((j.ice_stats is None) == (j.date_precision != "day") for j in js.values()), (
        "ICE's table has numbers exactly for the counties with an exact date"
    )
    nyc = js["36085"]
    assert nyc.ice_name == "New York City" and nyc.county_name == "Richmond County"
    assert nyc.ice_stats is not None and nyc.ice_stats.submissions == 119_066


def test_inferred_aors() -> None:
    js = load_jurisdictions()
    inferred = {f: j.aor for f, j in js.items() if j.aor_inferred}
    assert len(inferred) == 122
    assert all(j.aor in ICE_AORS for j in js.values())
    assert inferred["17031"] == "CHI"  # Cook IL: Illinois has one AOR in ICE's table
    assert inferred["01089"] == "NOL"  # Madison AL
    assert inferred["11001"] == "WAS"  # DC: override
    assert {inferred[f] for f in ("36005", "36047", "36061", "36081")} == {"NYC"}
    assert inferred["02230"] == "SEA"  # Skagway AK
    assert inferred["51600"] == "WAS"  # Fairfax city VA


def test_nearest_aor_rule() -> None:
    peers = {"36003": "BUF", "36059": "NYC", "36063": "BUF"}
    assert nearest_aor("36005", peers) == "BUF"
    assert nearest_aor("36061", peers) == "NYC"  # 36059 and 36063 tie: lower code wins
    assert nearest_aor("36001", {}) is None


def test_load_returns_a_private_copy() -> None:
    first = load_jurisdictions()
    del first["48201"]
    assert "48201" in load_jurisdictions()


def test_select_all_states_counties_and_union() -> None:
    assert len(select()) == 3143
    texas = select(states=["TX"])
    assert len(texas) == 254 and all(j.state_abbr == "TX" for j in texas)
    picked = select(states=["DE"], counties=["48201", "10001", "48201"])
    assert [j.fips5 for j in picked] == ["10001", "10003", "10005", "48201"]


@pytest.mark.parametrize(
    ("kwargs", "where", "problem"),
    [
        ({"states": ["TX", "XX"]}, "scenario.states[1]", "unknown state 'XX'"),
        ({"states": ["tx"]}, "scenario.states[0]", "unknown state 'tx' (did you mean 'TX'?)"),
        ({"states": "TX"}, "scenario.states", "must be a list of state codes"),
        ({"counties": ["48201", "99999"]}, "scenario.counties[1]", "unknown county '99999'"),
        ({"counties": ["6037"]}, "scenario.counties[0]", "must be 5 digits, got '6037'"),
        ({"counties": [6037]}, "scenario.counties[0]", "quoted 5-digit string, got 6037"),
        ({"counties": "48201"}, "scenario.counties", "must be a list of county FIPS codes"),
    ],
)
def test_select_names_the_bad_entry(kwargs: dict[str, object], where: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        select(
            **kwargs,  # type: ignore[arg-type]
            where_states="scenario.states",
            where_counties="scenario.counties",
        )
    assert caught.value.where == where
    assert problem in caught.value.problem


def _tampered(monkeypatch: pytest.MonkeyPatch, name: str, edit: dict[int, dict[str, str]]) -> None:
    """Make ``_read_csv(name)`` return its rows with some fields replaced (row index -> fields)."""
    original = jurisdictions._read_csv

    def fake(requested: str) -> list[dict[str, str]]:
        rows = original(requested)
        if requested == name:
            for index, fields in edit.items():
                rows[index] = {**rows[index], **fields}
        return rows

    monkeypatch.setattr(jurisdictions, "_read_csv", fake)


def _load_uncached() -> object:
    return jurisdictions._load.__wrapped__()


def test_load_rejects_a_changed_national_total(monkeypatch: pytest.MonkeyPatch) -> None:
    _tampered(
        monkeypatch, "sc_ident_iafis_county_stats_thru_2012-08-31.csv", {0: {"submissions": "2744"}}
    )
    with pytest.raises(JurisdictionDataError, match="national sums"):
        _load_uncached()


def test_load_rejects_a_duplicate_county(monkeypatch: pytest.MonkeyPatch) -> None:
    _tampered(monkeypatch, "sc_county_activation_combined.csv", {1: {"fips5": "01001"}})
    with pytest.raises(JurisdictionDataError, match="duplicate fips5 01001"):
        _load_uncached()


def test_load_rejects_a_non_string_fips(monkeypatch: pytest.MonkeyPatch) -> None:
    _tampered(monkeypatch, "census_2010_national_county.csv", {0: {"fips5": "1001"}})
    with pytest.raises(JurisdictionDataError, match="not a 5-digit string"):
        _load_uncached()


def test_load_rejects_an_unknown_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    _tampered(monkeypatch, "timezone_rules.csv", {0: {"tz": "America/Nowhere"}})
    with pytest.raises(JurisdictionDataError, match="not an IANA time zone"):
        _load_uncached()


def test_load_requires_a_zone_for_every_state(monkeypatch: pytest.MonkeyPatch) -> None:
    _tampered(monkeypatch, "timezone_rules.csv", {0: {"scope": "county", "key": "02013"}})
    with pytest.raises(JurisdictionDataError, match="no default zone for AK"):
        _load_uncached()
