"""Reference data the agencies read on every message: jurisdictions and participation elections.

Both change rarely (an activation schedule, a county's election), so they are read once per
bus start and held in memory; ``refresh`` reloads them after an administrative change.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select

from scomm.adapters.tables import jurisdictions, participation_elections
from scomm.domain.errors import InvalidInput
from scomm.domain.jurisdiction import JurisdictionInfo
from scomm.policy.participation import Election


class ReferenceData:
    def __init__(self) -> None:
        self.jurisdictions: dict[str, JurisdictionInfo] = {}
        self.elections: list[Election] = []

    def refresh(self, engine: Engine) -> None:
        with engine.connect() as conn:
            self.load(conn)

    def load(self, conn: Connection) -> None:
        self.jurisdictions = {
            r.fips5: JurisdictionInfo(fips5=r.fips5, state_abbr=r.state_abbr,
                                      county_name=r.county_name, aor=r.aor or "UNK",
                                      activation_date=r.activation_date, tz=r.tz)
            for r in conn.execute(select(jurisdictions))
        }
        self.elections = [
            Election(mode=r.mode, requested_on=r.requested_on,
                     fips5=r.key if r.scope == "county" else None,
                     state_abbr=r.key if r.scope == "state" else None)
            for r in conn.execute(select(participation_elections)
                                  .order_by(participation_elections.c.requested_on))
        ]

    def jurisdiction(self, fips5: str) -> JurisdictionInfo:
        try:
            return self.jurisdictions[fips5]
        except KeyError:
            raise InvalidInput("fips5", f"no jurisdiction {fips5!r} is registered") from None
