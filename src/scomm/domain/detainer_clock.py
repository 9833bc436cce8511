"""The 48-hour detainer limit of 8 CFR 287.7(d) (DESIGN invariant 6). Pure: no I/O, no clock.

A detainer asks the jail to hold a person "for a period not to exceed 48 hours, excluding
Saturdays, Sundays, and holidays" past the time they would otherwise be released. So the limit
is 48 *elapsed* hours that skip whole excluded days; it is not business hours.

Two choices make the result correct everywhere and explainable:

* **Which days are excluded** is a question about calendar days *where the person is held*:
  the facility's local date decides, through its IANA time zone. The holiday calendar is
  pluggable because the regulation does not say whether state or local holidays count; the
  default is U.S. federal holidays with their observed days (a Saturday holiday is observed
  the Friday before, a Sunday one the Monday after), so 2010-12-31, the observed New Year's
  Day 2011, is skipped.
* **How long an hour is** is real elapsed time: the walk is done on UTC instants and local
  time is used only to find the day boundaries. Adding a ``timedelta`` to an aware local
  datetime is wall-clock arithmetic and would be an hour off across a DST change on a counted
  day (reference platform.md 2.1, pitfall).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from scomm.domain.errors import InvalidInput

DETAINER_HOURS = 48


class HolidayCalendar(Protocol):
    """Anything that answers "is this local date a holiday?" (``holidays.US`` does)."""

    def __contains__(self, day: object, /) -> bool: ...


@cache
def federal_holidays() -> HolidayCalendar:
    """U.S. federal holidays (5 U.S.C. 6103) with observed days; years load on demand."""
    calendar: HolidayCalendar = holidays.country_holidays("US", observed=True)
    return calendar


def _zone(facility_tz: str | tzinfo) -> tzinfo:
    if isinstance(facility_tz, tzinfo):
        return facility_tz
    try:
        return ZoneInfo(facility_tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput("facility_tz", f"unknown IANA time zone {facility_tz!r}") from exc


def is_excluded_day(day: date, calendar: HolidayCalendar | None = None) -> bool:
    """Saturday, Sunday or a holiday of ``calendar`` (default: federal)."""
    holidays_in_force = federal_holidays() if calendar is None else calendar
    return day.weekday() >= 5 or day in holidays_in_force


def _next_local_midnight(instant: datetime, zone: tzinfo) -> datetime:
    """The UTC instant at which the facility's next local calendar day begins."""
    local_day = instant.astimezone(zone).date()
    return datetime.combine(local_day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def detainer_deadline(
    release_at: datetime,
    facility_tz: str | tzinfo,
    hours: int = DETAINER_HOURS,
    calendar: HolidayCalendar | None = None,
) -> datetime:
    """The latest instant (UTC) a detainer may hold someone who would be released at
    ``release_at``: ``hours`` of real time counted only on the facility's non-excluded days.

    If the count runs out exactly at a local midnight, that midnight is the deadline even if
    the day starting then is excluded (the hold ends, it does not reach into that day).
    Naive datetimes are refused: an instant without a zone has no meaning in a jail in
    another time zone. ``facility_tz`` is an IANA name (days follow its DST rules) or a
    ``tzinfo`` such as a fixed UTC offset when only the offset is known.
    """
    if release_at.tzinfo is None or release_at.utcoffset() is None:
        raise InvalidInput("release_at", "must be a time-zone-aware datetime")
    if hours < 0:
        raise InvalidInput("hours", f"must not be negative, got {hours}")
    zone = _zone(facility_tz)
    cal = federal_holidays() if calendar is None else calendar  # an empty calendar is valid
    remaining = timedelta(hours=hours)
    t = release_at.astimezone(UTC)
    while remaining > timedelta(0):
        day_end = _next_local_midnight(t, zone)
        if is_excluded_day(t.astimezone(zone).date(), cal):
            t = day_end
            continue
        step = min(remaining, day_end - t)
        t += step
        remaining -= step
    return t
