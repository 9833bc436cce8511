"""`scomm detainer deadline --release ISO8601` prints the 48-hour limit in UTC."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from scomm.entrypoints.cli import app

runner = CliRunner()


@pytest.mark.parametrize("args, expected", [
    # Thursday before the observed New Year's Day 2011 (Friday): Fri, Sat, Sun not counted
    (["--release", "2010-12-30T17:00:00-07:00"], "2011-01-05T00:00:00Z"),
    # Wednesday before Thanksgiving 2010, with the facility's zone
    (["--release", "2010-11-24T10:00:00-05:00", "--tz", "America/New_York"],
     "2010-11-29T15:00:00Z"),
    # Friday before the spring-forward Sunday: 48 real hours on Fri, Mon, Tue
    (["--release", "2011-03-11T12:00:00-08:00", "--tz", "America/Los_Angeles"],
     "2011-03-15T19:00:00Z"),
])
def test_deadline_in_utc(args: list[str], expected: str) -> None:
    result = runner.invoke(app, ["detainer", "deadline", *args])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == expected


@pytest.mark.parametrize("args, where", [
    (["--release", "2010-11-24T10:00:00"], "--release: needs its UTC offset"),
    (["--release", "Tuesday"], "--release: not an ISO 8601"),
    (["--release", "2010-11-24T10:00:00-05:00", "--tz", "Mars/Base"], "facility_tz"),
])
def test_bad_release_is_refused(args: list[str], where: str) -> None:
    result = runner.invoke(app, ["detainer", "deadline", *args])
    assert result.exit_code == 2 and where in result.output
