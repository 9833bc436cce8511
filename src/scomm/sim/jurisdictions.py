"""The 3,143 jurisdictions of the replay: every county and county-equivalent in the 50 states
and DC, with its real Secure Communities activation date, ICE field office, local time zone and,
where ICE published them, its real IDENT/IAFIS statistics through 2012-08-31.

Why a module of its own: the simulator needs to know *when* each county's fingerprints began to
be shared with IDENT (participation), *which* field office answers its matches (AOR), and the
county's local time (the 48-hour detainer limit counts local calendar days, DESIGN invariant 6).
All of that comes from real public county-level files shipped in ``scomm/sim/data/`` (see the
PROVENANCE.md there), read once and checked on load so that a damaged or edited data file fails
loudly instead of silently skewing every replay.

Three gaps in the real data are filled by documented rules, and each filled value is marked:

* **Activation date.** 3,021 counties have ICE's exact date (``date_precision='day'``). 113 have
  only a year and month (``'month'``); they get the month's *last* day, capped at the nationwide
  completion date 2013-01-22, so the replay never shares a county's prints earlier than really
  happened (the cap only bites for January 2013, when ICE reported every county live by the
  22nd). 9 small areas, most of which ICE reported together with a neighbour, have no date at
  all (``'unknown'``); they get 2013-01-22, the day ICE announced every jurisdiction live: the
  first day on which they were certainly activated.
* **Field office.** 122 counties have no AOR in ICE's table (106 activated only in January 2013,
  and 16 absent from it). Their AOR is, in order: an explicit override from
  ``aor_overrides.csv`` (DC, and the four NYC boroughs ICE reported inside its "New York City"
  row); else the state's AOR when ICE uses exactly one for the state's other counties; else the
  AOR of the nearest county of the same state by FIPS code (ties go to the lower code). Such
  counties have ``aor_inferred=True``. With the shipped data the overrides cover 5 counties, the
  one-AOR rule the other 117, and the nearest-FIPS rule none (New York, the only state with
  several AORs and missing counties, is covered by the overrides); it stays as the general rule.
* **Time zone.** Derived from ``timezone_rules.csv``: a default zone for each state, and county
  rows for the counties that lie wholly or mainly in another zone (or in a zone with its own tzdb
  history, such as Mercer County ND, which moved from Mountain to Central on 2010-11-07). A split
  county gets the zone of its county seat and jail, where bookings happen.
"""

from __future__ import annotations

import csv
import functools
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scomm.domain.errors import InvalidInput, ScommError

DatePrecision = Literal["day", "month", "unknown"]

ICE_STATS_THROUGH = date(2012, 8, 31)
"""ICE's county table counts from each county's activation through this day (inclusive)."""

NATIONWIDE_COMPLETION = date(2013, 1, 22)
"""ICE announced every one of the 3,181 jurisdictions activated on this day."""

EXPECTED_COUNTY_COUNT = 3143

STATE_NAMES: Mapping[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin",
    "WY": "Wyoming",
}  # fmt: skip
"""USPS code to name for the 50 states and DC; checked on load against the names in ICE's table."""

_DATA_FILES = {
    "census": "census_2010_national_county.csv",
    "activation": "sc_county_activation_combined.csv",
    "ice": "sc_ident_iafis_county_stats_thru_2012-08-31.csv",
    "tz": "timezone_rules.csv",
    "aor": "aor_overrides.csv",
}


class JurisdictionDataError(ScommError):
    """A shipped data file is missing, inconsistent or does not add up to ICE's published totals.

    Raised on load so that nothing runs on damaged calibration data; the message names the file
    and the row or total that is wrong.
    """


@dataclass(frozen=True, slots=True)
class IceCountyStats:
    """One row of ICE's "IDENT/IAFIS Interoperability Statistics", cumulative from the county's
    activation through 2012-08-31. Field names are the column names of the shipped CSV.

    ``ident_matches_level1`` / ``ident_matches_level2_3`` use ICE's *offense-based* levels (the
    LESC's classification of the match); the ``removals_convicted_level*`` columns use the
    *conviction-based* levels. The two are different things (DESIGN, "Two different levels").
    """

    submissions: int
    ident_matches_level1: int
    ident_matches_level2_3: int
    ident_matches_total: int
    removals_convicted_level1: int
    removals_convicted_level2: int
    removals_convicted_level3: int
    removals_ice_fugitives: int
    removals_prior_removals_returns: int
    removals_ewi_visa_violators_overstays: int
    removals_total: int

    @classmethod
    def total(cls, rows: Iterable[IceCountyStats]) -> IceCountyStats:
        """Column sums, e.g. the national or a state total."""
        sums = dict.fromkeys((f.name for f in fields(cls)), 0)
        for row in rows:
            for name in sums:
                sums[name] += getattr(row, name)
        return cls(**sums)


ICE_NATIONAL_TOTALS = IceCountyStats(
    submissions=19_858_457,
    ident_matches_level1=239_343,
    ident_matches_level2_3=847_766,
    ident_matches_total=1_087_109,
    removals_convicted_level1=61_345,
    removals_convicted_level2=38_900,
    removals_convicted_level3=65_812,
    removals_ice_fugitives=6_158,
    removals_prior_removals_returns=36_702,
    removals_ewi_visa_violators_overstays=11_384,
    removals_total=220_301,
)
"""The national sums of ICE's county table (shared/data/PROVENANCE.md §2); checked on load."""


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """A county (or county-equivalent) as the replay sees it.

    ``activation_date`` is always set: exact when ``date_precision == 'day'``, otherwise the
    conservative stand-in described in the module docstring. ``aor`` is always set;
    ``aor_inferred`` says it was not in ICE's table. ``ice_name`` is the label ICE used for the
    row (it differs from ``county_name`` for 36085, which ICE labelled "New York City" and which
    counts all five boroughs). ``ice_stats`` is None when ICE published no numbers for the county:
    it was not activated by 2012-08-31, or ICE did not list it separately.
    """

    fips5: str
    state_abbr: str
    state_name: str
    county_name: str
    aor: str
    aor_inferred: bool
    activation_date: date
    date_precision: DatePrecision
    tz: str
    ice_name: str | None
    ice_stats: IceCountyStats | None


def ice_table_path() -> Path:
    """The shipped copy of ICE's county statistics table, for tools that read it as published."""
    return Path(str(resources.files("scomm.sim") / "data" / _DATA_FILES["ice"]))


def _read_csv(name: str) -> list[dict[str, str]]:
    """Rows of a packaged CSV as strings (FIPS codes keep their leading zeros)."""
    resource = resources.files("scomm.sim") / "data" / name
    try:
        text = resource.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise JurisdictionDataError(f"{name}: packaged data file is missing") from exc
    return list(csv.DictReader(io.StringIO(text)))


def _fips5(value: str, where: str) -> str:
    if len(value) != 5 or not value.isdigit():
        raise JurisdictionDataError(f"{where}: fips5 {value!r} is not a 5-digit string")
    return value


def _last_day_of_month(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def _activation(row: Mapping[str, str], where: str) -> tuple[date, DatePrecision]:
    """The activation date to use and how precisely it is known (rules: module docstring)."""
    precision = row["date_precision"]
    if precision == "day":
        return date.fromisoformat(row["activation_date"]), "day"
    if precision == "month":
        month_end = _last_day_of_month(int(row["activation_year"]), int(row["activation_month"]))
        return min(month_end, NATIONWIDE_COMPLETION), "month"
    if precision == "unknown":
        return NATIONWIDE_COMPLETION, "unknown"
    raise JurisdictionDataError(f"{where}: unknown date_precision {precision!r}")


def _ice_stats(row: Mapping[str, str], where: str) -> IceCountyStats:
    try:
        values = {f.name: int(row[f.name]) for f in fields(IceCountyStats)}
    except (KeyError, ValueError) as exc:
        raise JurisdictionDataError(f"{where}: unreadable statistics ({exc})") from exc
    stats = IceCountyStats(**values)
    if stats.ident_matches_level1 + stats.ident_matches_level2_3 != stats.ident_matches_total:
        raise JurisdictionDataError(f"{where}: Level 1 + Level 2/3 matches != total matches")
    categories = (
        stats.removals_convicted_level1
        + stats.removals_convicted_level2
        + stats.removals_convicted_level3
        + stats.removals_ice_fugitives
        + stats.removals_prior_removals_returns
        + stats.removals_ewi_visa_violators_overstays
    )
    if categories != stats.removals_total:
        raise JurisdictionDataError(f"{where}: removal categories do not add up to the total")
    return stats


def nearest_aor(fips5: str, known: Mapping[str, str]) -> str | None:
    """The AOR of the county in ``known`` (fips5 -> AOR, same state) whose FIPS code is nearest
    to ``fips5``; ties go to the lower code. None when ``known`` is empty.

    Why FIPS order: within a state, county codes are alphabetical, which says nothing certain
    about geography, but it is the only ordering the data has. It is the last resort after the
    overrides and the one-AOR-per-state rule, and is used only where those do not apply.
    """
    if not known:
        return None
    target = int(fips5)
    best = min(known, key=lambda other: (abs(int(other) - target), int(other)))
    return known[best]


def _inferred_aor(fips5: str, overrides: Mapping[str, str], peers: Mapping[str, str]) -> str | None:
    """AOR for a county missing from ICE's table: override, else the state's only AOR, else the
    nearest same-state county's (``peers`` is fips5 -> AOR of the state's counties in the table).
    """
    if fips5 in overrides:
        return overrides[fips5]
    distinct = set(peers.values())
    if len(distinct) == 1:
        return distinct.pop()
    return nearest_aor(fips5, peers)


def _timezones(counties: Mapping[str, str]) -> tuple[dict[str, str], int]:
    """Per-county IANA zone from ``timezone_rules.csv``; ``counties`` is fips5 -> state_abbr.

    Returns the zones and the number of county rules that differ from their state's default.
    """
    name = _DATA_FILES["tz"]
    state_zone: dict[str, str] = {}
    county_zone: dict[str, str] = {}
    for line, row in enumerate(_read_csv(name), start=2):
        where = f"{name} line {line}"
        scope, key, tz = row["scope"], row["key"], row["tz"]
        if not row["note"].strip():
            raise JurisdictionDataError(f"{where}: every rule needs a source note")
        if scope == "state":
            if key not in STATE_NAMES:
                raise JurisdictionDataError(f"{where}: unknown state {key!r}")
            target = state_zone
        elif scope == "county":
            if _fips5(key, where) not in counties:
                raise JurisdictionDataError(f"{where}: unknown county {key!r}")
            target = county_zone
        else:
            raise JurisdictionDataError(f"{where}: scope must be 'state' or 'county'")
        if key in target:
            raise JurisdictionDataError(f"{where}: second rule for {key}")
        target[key] = tz
    missing = sorted(set(STATE_NAMES) - set(state_zone))
    if missing:
        raise JurisdictionDataError(f"{name}: no default zone for {', '.join(missing)}")
    for tz in set(state_zone.values()) | set(county_zone.values()):
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise JurisdictionDataError(f"{name}: {tz!r} is not an IANA time zone") from exc
    zones = {f: county_zone.get(f, state_zone[st]) for f, st in counties.items()}
    exceptions = sum(1 for f, tz in county_zone.items() if tz != state_zone[counties[f]])
    return zones, exceptions


@dataclass(frozen=True, slots=True)
class _Loaded:
    by_fips: Mapping[str, Jurisdiction]
    timezone_exceptions: int


def _county_rows(name: str, keep: Callable[[dict[str, str]], bool] = lambda r: True
                 ) -> Iterator[tuple[str, str, dict[str, str]]]:
    """Each kept row of a county file with its location and FIPS code; a repeat is an error."""
    seen: set[str] = set()
    for line, row in enumerate(_read_csv(name), start=2):
        if not keep(row):
            continue
        where = f"{name} line {line}"
        fips = _fips5(row["fips5"], where)
        if fips in seen:
            raise JurisdictionDataError(f"{where}: duplicate fips5 {fips}")
        seen.add(fips)
        yield where, fips, row


@functools.cache
def _load() -> _Loaded:
    census_name = _DATA_FILES["census"]
    counties: dict[str, tuple[str, str]] = {}  # fips5 -> (state_abbr, county_name)
    for where, fips, row in _county_rows(census_name,
                                         keep=lambda r: r["in_50_states_dc"] == "True"):
        if row["state_abbr"] not in STATE_NAMES:
            raise JurisdictionDataError(f"{where}: unknown state")
        counties[fips] = (row["state_abbr"], row["county_name"])
    if len(counties) != EXPECTED_COUNTY_COUNT:
        raise JurisdictionDataError(
            f"{census_name}: {len(counties)} counties in the 50 states + DC, "
            f"expected {EXPECTED_COUNTY_COUNT}"
        )

    activation_name = _DATA_FILES["activation"]
    activation: dict[str, tuple[date, DatePrecision]] = {}
    for where, fips, row in _county_rows(activation_name):
        activation[fips] = _activation(row, where)
    if set(activation) != set(counties):
        raise JurisdictionDataError(f"{activation_name}: counties differ from the Census list")

    ice_name_file = _DATA_FILES["ice"]
    ice_rows: dict[str, dict[str, str]] = {}
    for where, fips, row in _county_rows(ice_name_file):
        if fips not in counties:
            raise JurisdictionDataError(f"{where}: fips5 {fips} is not a county of 50 states + DC")
        if row["state"] != STATE_NAMES[counties[fips][0]]:
            raise JurisdictionDataError(f"{where}: state {row['state']!r} disagrees with Census")
        ice_rows[fips] = row

    stats: dict[str, IceCountyStats] = {}
    ice_aor: dict[str, str] = {}
    for fips, row in ice_rows.items():
        where = f"{ice_name_file} fips5 {fips}"
        if row["activation_date"]:
            if activation[fips] != (date.fromisoformat(row["activation_date"]), "day"):
                raise JurisdictionDataError(
                    f"{where}: activation date disagrees with {activation_name}"
                )
            if not row["ice_aor"]:
                raise JurisdictionDataError(f"{where}: activated county without an AOR")
            stats[fips] = _ice_stats(row, where)
            ice_aor[fips] = row["ice_aor"]
        elif row["ice_aor"] or row["submissions"]:
            raise JurisdictionDataError(f"{where}: statistics without an activation date")

    national = IceCountyStats.total(stats.values())
    if national != ICE_NATIONAL_TOTALS:
        raise JurisdictionDataError(
            f"{ice_name_file}: national sums {national} differ from ICE's published "
            f"{ICE_NATIONAL_TOTALS}"
        )

    aor_name = _DATA_FILES["aor"]
    overrides: dict[str, str] = {}
    for line, row in enumerate(_read_csv(aor_name), start=2):
        where = f"{aor_name} line {line}"
        fips = _fips5(row["fips5"], where)
        if fips not in counties or fips in ice_aor or fips in overrides:
            raise JurisdictionDataError(f"{where}: {fips} is unknown, has ICE's AOR, or repeats")
        if not row["note"].strip():
            raise JurisdictionDataError(f"{where}: every override needs a source note")
        overrides[fips] = row["aor"]

    state_aors: dict[str, dict[str, str]] = defaultdict(dict)
    for fips, code in ice_aor.items():
        state_aors[counties[fips][0]][fips] = code

    zones, tz_exceptions = _timezones({f: st for f, (st, _) in counties.items()})

    by_fips: dict[str, Jurisdiction] = {}
    for fips in sorted(counties):
        state, county_name = counties[fips]
        inferred = fips not in ice_aor
        aor = ice_aor.get(fips) or _inferred_aor(fips, overrides, state_aors.get(state, {}))
        if aor is None:
            raise JurisdictionDataError(
                f"{fips} {county_name}: no AOR in ICE's table, no same-state county to "
                f"borrow one from, and no row in {aor_name}"
            )
        when, precision = activation[fips]
        ice_row = ice_rows.get(fips)
        by_fips[fips] = Jurisdiction(
            fips5=fips,
            state_abbr=state,
            state_name=STATE_NAMES[state],
            county_name=county_name,
            aor=aor,
            aor_inferred=inferred,
            activation_date=when,
            date_precision=precision,
            tz=zones[fips],
            ice_name=ice_row["county"] if ice_row is not None else None,
            ice_stats=stats.get(fips),
        )
    return _Loaded(by_fips=by_fips, timezone_exceptions=tz_exceptions)


def load_jurisdictions() -> dict[str, Jurisdiction]:
    """All 3,143 jurisdictions by fips5, in FIPS order.

    The files are read and validated once per process; each call returns a new dict so a caller
    that edits its copy cannot change what the next caller sees.
    """
    return dict(_load().by_fips)


def timezone_exception_count() -> int:
    """How many county rules put a county in a zone other than its state's default."""
    return _load().timezone_exceptions


def select(
    states: Sequence[str] = (),
    counties: Sequence[str] = (),
    where_states: str = "states",
    where_counties: str = "counties",
) -> list[Jurisdiction]:
    """The jurisdictions a scenario asks for: every county of ``states`` plus each of
    ``counties``, without duplicates, in FIPS order. Both empty means the whole nation.

    ``where_states`` / ``where_counties`` are the location of those lists in the caller's input
    (e.g. ``scenario.states``) so that an error names the exact entry to fix:
    ``InvalidInput("scenario.states[1]", "unknown state 'XX'")``. County codes must be
    5-character strings, because a YAML ``06037`` without quotes is the integer 6037 and would
    otherwise silently name nothing or the wrong county.
    """
    all_j = _load().by_fips
    if not states and not counties:
        return list(all_j.values())
    chosen: set[str] = set()

    if isinstance(states, str):
        raise InvalidInput(
            where_states, f"must be a list of state codes, not the string {states!r}"
        )
    known_states = {j.state_abbr for j in all_j.values()}
    for i, state in enumerate(states):
        where = f"{where_states}[{i}]"
        if not isinstance(state, str) or state not in known_states:
            hint = ""
            if isinstance(state, str) and state.strip().upper() in known_states:
                hint = f" (did you mean '{state.strip().upper()}'?)"
            raise InvalidInput(where, f"unknown state {state!r}{hint}")
        chosen.update(f for f, j in all_j.items() if j.state_abbr == state)

    if isinstance(counties, str):
        raise InvalidInput(
            where_counties, f"must be a list of county FIPS codes, not the string {counties!r}"
        )
    for i, county in enumerate(counties):
        where = f"{where_counties}[{i}]"
        if not isinstance(county, str):
            raise InvalidInput(
                where, f"county FIPS code must be a quoted 5-digit string, got {county!r}"
            )
        if len(county) != 5 or not county.isdigit():
            raise InvalidInput(where, f"county FIPS code must be 5 digits, got {county!r}")
        if county not in all_j:
            raise InvalidInput(where, f"unknown county '{county}'")
        chosen.add(county)

    return [all_j[f] for f in sorted(chosen)]
