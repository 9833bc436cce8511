"""What the system knows of a jurisdiction: where it is, who covers it, when it went live."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class JurisdictionInfo:
    fips5: str
    state_abbr: str
    county_name: str
    aor: str
    activation_date: date | None
    tz: str

    def activated_on(self, day: date) -> bool:
        return self.activation_date is not None and day >= self.activation_date
