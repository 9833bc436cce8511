"""The 48-hour detainer limit (8 CFR 287.7(d)): boundary cases and properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.domain.detainer_clock import (
    detainer_deadline,
    federal_holidays,
    is_excluded_day,
)
from scomm.domain.errors import InvalidInput

LA = ZoneInfo("America/Los_Angeles")
NY = ZoneInfo("America/New_York")
CHI = ZoneInfo("America/Chicago")


def local(tz: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=tz)  # type: ignore[misc]


def deadline_local(release: datetime, tz: ZoneInfo, **kwargs: object) -> datetime:
    result = detainer_deadline(release, str(tz), **kwargs)  # type: ignore[arg-type]
    assert result.tzinfo is UTC
    return result.astimezone(tz)


# ---------------------------------------------------------------- boundary cases


def test_thanksgiving_week() -> None:
    # Wed 15:00 -> 9h Wed, Thanksgiving skipped, 24h Fri, weekend skipped, 15h Mon.
    release = local(LA, 2026, 11, 25, 15, 0)
    assert deadline_local(release, LA) == local(LA, 2026, 11, 30, 15, 0)


def test_new_year_observed_on_friday_2010_12_31() -> None:
    # 2011-01-01 was a Saturday, so Friday 2010-12-31 was the federal holiday.
    assert date(2010, 12, 31) in federal_holidays()
    release = local(NY, 2010, 12, 30, 9, 30)
    assert deadline_local(release, NY) == local(NY, 2011, 1, 4, 9, 30)


def test_new_year_on_friday_2021() -> None:
    release = local(CHI, 2020, 12, 31, 9, 30)
    assert deadline_local(release, CHI) == local(CHI, 2021, 1, 5, 9, 30)


def test_release_on_a_saturday_starts_counting_monday() -> None:
    release = local(LA, 2012, 6, 2, 10, 0)  # Saturday
    assert deadline_local(release, LA) == local(LA, 2012, 6, 6, 0, 0)  # Mon+Tue, whole days


def test_release_at_exactly_midnight() -> None:
    release = local(NY, 2012, 6, 5, 0, 0)  # Tuesday 00:00
    assert deadline_local(release, NY) == local(NY, 2012, 6, 7, 0, 0)
    thursday = local(NY, 2012, 6, 7, 0, 0)
    # Thu + Fri use up the 48 hours at Saturday 00:00: the start of an excluded day.
    assert deadline_local(thursday, NY) == local(NY, 2012, 6, 9, 0, 0)


def test_dst_spring_forward_week_counts_real_hours() -> None:
    # DST began Sunday 2012-03-11 in the U.S.; Friday 12:00 -> 12h Fri + 36h Mon/Tue.
    release = local(LA, 2012, 3, 9, 12, 0)
    result = deadline_local(release, LA)
    assert result == local(LA, 2012, 3, 13, 12, 0)
    counted = (datetime(2012, 3, 10, tzinfo=LA) - release) + (
        result - datetime(2012, 3, 12, tzinfo=LA)
    )
    assert counted == timedelta(hours=48)


def test_dst_fall_back_week_counts_real_hours() -> None:
    # DST ended Sunday 2012-11-04; Friday 18:00 -> 6h Fri + 24h Mon + 18h Tue.
    release = local(NY, 2012, 11, 2, 18, 0)
    assert deadline_local(release, NY) == local(NY, 2012, 11, 6, 18, 0)


def test_dst_change_on_a_counted_day_uses_elapsed_time() -> None:
    # U.S. changes fall on Sundays (excluded anyway); Gaza moved its clocks on a weekday, at
    # midnight: Friday 2012-03-30 began at 01:00. Wall-clock arithmetic would end at 12:00
    # local, one real hour short; the rule counts 48 real hours, ending at 13:00 local.
    tz = ZoneInfo("Asia/Gaza")
    release = datetime(2012, 3, 28, 12, 0, tzinfo=tz)  # Wednesday
    result = detainer_deadline(release, "Asia/Gaza")
    assert result == release.astimezone(UTC) + timedelta(hours=48)
    assert result.astimezone(tz) == datetime(2012, 3, 30, 13, 0, tzinfo=tz)
    # Thursday noon + 12 real hours ends exactly where Friday begins (01:00 local).
    thursday_noon = datetime(2012, 3, 29, 12, 0, tzinfo=tz)
    end = detainer_deadline(thursday_noon, "Asia/Gaza", hours=12)
    assert end == datetime(2012, 3, 29, 22, 0, tzinfo=UTC)
    assert end.astimezone(tz) == datetime(2012, 3, 30, 1, 0, tzinfo=tz)


def test_pluggable_calendar_and_hours() -> None:
    release = local(LA, 2012, 6, 5, 9, 0)  # Tuesday
    assert deadline_local(release, LA) == local(LA, 2012, 6, 7, 9, 0)
    # A state holiday on Wednesday in a custom calendar pushes it a day.
    assert deadline_local(release, LA, calendar={date(2012, 6, 6)}) == local(LA, 2012, 6, 8, 9, 0)
    assert deadline_local(release, LA, hours=0) == release
    assert deadline_local(release, LA, hours=24) == local(LA, 2012, 6, 6, 9, 0)


def test_result_is_utc_and_same_for_any_input_zone() -> None:
    release = local(LA, 2012, 6, 5, 9, 0)
    a = detainer_deadline(release, "America/Los_Angeles")
    b = detainer_deadline(release.astimezone(UTC), "America/Los_Angeles")
    c = detainer_deadline(release.astimezone(NY), "America/Los_Angeles")
    assert a == b == c and a.tzinfo is UTC


def test_facility_zone_decides_the_days() -> None:
    # Friday 23:00 in Los Angeles is Saturday 02:00 in New York: the facility's day counts.
    release = local(LA, 2012, 6, 8, 23, 0)
    in_la = detainer_deadline(release, "America/Los_Angeles")
    in_ny = detainer_deadline(release, "America/New_York")
    assert in_la != in_ny
    assert in_la.astimezone(LA) == local(LA, 2012, 6, 12, 23, 0)  # 1h Fri + Mon + 23h Tue


def test_refuses_naive_datetimes_and_unknown_zones() -> None:
    with pytest.raises(InvalidInput, match="release_at"):
        detainer_deadline(datetime(2012, 6, 5, 9, 0), "America/Chicago")
    with pytest.raises(InvalidInput, match="facility_tz"):
        detainer_deadline(local(LA, 2012, 6, 5, 9, 0), "Mars/Olympus")
    with pytest.raises(InvalidInput, match="hours"):
        detainer_deadline(local(LA, 2012, 6, 5, 9, 0), "America/Chicago", hours=-1)


# ---------------------------------------------------------------- properties

ZONES = [
    "America/Los_Angeles",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Puerto_Rico",
]
instants = st.datetimes(
    min_value=datetime(2008, 10, 1),
    max_value=datetime(2030, 12, 31),
    timezones=st.just(UTC),
)


def _counted(start: datetime, end: datetime, tz: ZoneInfo) -> timedelta:
    """Real time between two instants that falls on the facility's non-excluded days."""
    total = timedelta(0)
    t = start
    while t < end:
        day = t.astimezone(tz).date()
        next_midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
        step_end = min(end, next_midnight.astimezone(UTC))
        if not is_excluded_day(day):
            total += step_end - t
        t = step_end
    return total


@settings(max_examples=400, deadline=None)
@given(instants, st.sampled_from(ZONES))
def test_at_least_48_hours_and_exactly_48_counted(release: datetime, zone: str) -> None:
    result = detainer_deadline(release, zone)
    assert result >= release + timedelta(hours=48)
    assert _counted(release, result, ZoneInfo(zone)) == timedelta(hours=48)


@settings(max_examples=400, deadline=None)
@given(instants, st.sampled_from(ZONES))
def test_never_ends_inside_an_excluded_day(release: datetime, zone: str) -> None:
    tz = ZoneInfo(zone)
    result = detainer_deadline(release, zone).astimezone(tz)
    if is_excluded_day(result.date()):
        assert (result.hour, result.minute, result.second, result.microsecond) == (0, 0, 0, 0)


@settings(max_examples=400, deadline=None)
@given(instants, instants, st.sampled_from(ZONES))
def test_monotonic_in_release_time(a: datetime, b: datetime, zone: str) -> None:
    early, late = sorted((a, b))
    assert detainer_deadline(early, zone) <= detainer_deadline(late, zone)


@settings(max_examples=400, deadline=None)
@given(instants, st.sampled_from(ZONES))
def test_exactly_48_hours_when_no_excluded_day_intervenes(release: datetime, zone: str) -> None:
    tz = ZoneInfo(zone)
    first = release.astimezone(tz).date()
    last = (release + timedelta(hours=48)).astimezone(tz).date()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    result = detainer_deadline(release, zone)
    if not any(is_excluded_day(d) for d in days):
        assert result == release + timedelta(hours=48)
    else:
        assert result > release + timedelta(hours=48) or is_excluded_day(last)


holiday_sets = st.frozensets(st.dates(date(2008, 9, 1), date(2031, 2, 1)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(instants, st.sampled_from(ZONES), holiday_sets)
def test_injected_holidays_only_delay(release: datetime, zone: str, extra: frozenset[date]) -> None:
    weekends_only = detainer_deadline(release, zone, calendar=frozenset())
    assert detainer_deadline(release, zone, calendar=extra) >= weekends_only
    assert detainer_deadline(release, zone) >= weekends_only
