"""Clocks. Domain code and agencies never read the wall clock; they are handed one of these."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock, for the service."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock the simulator moves forward; it refuses to go back in time."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance_to(self, t: datetime) -> None:
        t = t.astimezone(UTC)
        self._now = max(self._now, t)
