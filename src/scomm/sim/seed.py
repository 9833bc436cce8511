"""Load the world as it stood before the run into the store.

Jurisdictions and their activation dates (real), the scenario's participation elections, and
the federal records of the synthetic nation: FBI identities with their arrest histories, IDENT
identities with their encounters, and the other sources the support center consults. The truth
about each person goes to the ``sim_`` tables only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Engine, Table, insert

from scomm.adapters.audit import AuditWriter
from scomm.adapters.clock import Clock
from scomm.adapters.tables import (
    iafis_history,
    iafis_subjects,
    ident_subjects,
    jurisdictions,
    participation_elections,
    source_records,
)
from scomm.biometrics.synthetic import impress
from scomm.biometrics.template import encode_tenprint
from scomm.sim.jurisdictions import Jurisdiction
from scomm.sim.nation import (
    ENCOUNTER_TYPE,
    STREAM_IMPRESSIONS,
    Nation,
    Person,
    history_for,
    records_for,
    rng_for,
)
from scomm.sim.scenario import ParticipationElection, Scenario
from scomm.sim.truth import sim_people

BATCH = 2000


def _batched(conn: Any, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    batch: list[dict[str, Any]] = []
    n = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            conn.execute(insert(table), batch)
            n += len(batch)
            batch = []
    if batch:
        conn.execute(insert(table), batch)
        n += len(batch)
    return n


def seed_reference(engine: Engine, all_jurisdictions: Iterable[Jurisdiction],
                   scenario: Scenario) -> None:
    elections = [b for b in scenario.behaviours if isinstance(b, ParticipationElection)]
    with engine.begin() as conn:
        _batched(conn, jurisdictions, ({
            "fips5": j.fips5, "state_abbr": j.state_abbr, "county_name": j.county_name,
            "aor": j.aor, "activation_date": j.activation_date,
            "date_precision": j.date_precision, "tz": j.tz} for j in all_jurisdictions))
        _batched(conn, participation_elections, ({
            "election_id": f"E{i:04d}", "scope": "county" if e.county else "state",
            "key": e.county or e.state, "mode": e.mode, "requested_on": e.requested_on}
            for i, e in enumerate(elections)))


def impression_of(nation: Nation, person: Person, k: int) -> str:
    """The ``k``-th capture of a person's fingers (k=0 IDENT, 1 FBI, bookings from 100)."""
    rng = rng_for(nation.seed, STREAM_IMPRESSIONS, person.index, k)
    return encode_tenprint(impress(nation.master(person), rng))


def seed_nation(engine: Engine, clock: Clock, nation: Nation,
                advance: Callable[[int], None] = lambda n: None) -> dict[str, int]:
    """Write truth, IAFIS, IDENT and source records; returns row counts per table."""
    counts = {"people": 0, "iafis": 0, "ident": 0, "history": 0, "records": 0}
    now = clock.now()
    people: Sequence[Person] = nation.people
    with engine.begin() as conn:
        audit = AuditWriter(conn)
        for start in range(0, len(people), BATCH):
            chunk = people[start:start + BATCH]
            conn.execute(insert(sim_people), [{
                "person_id": p.person_id, "true_status": p.status, "home_fips5": p.fips5,
                "born_on": p.born_on,
                "detail": {"ident_id": p.ident_id, "fbi_number": p.fbi_number,
                           "booked": p.booked, "immigration": p.immigration,
                           "priors": [[pr.arrested_on.isoformat(), pr.ncic_code, pr.convicted,
                                       pr.sentence_days] for pr in p.priors],
                           "level1_propensity": p.level1_propensity,
                           "first_name": p.first_name, "last_name": p.last_name}}
                for p in chunk])
            iafis = [p for p in chunk if p.fbi_number]
            ident = [p for p in chunk if p.ident_id]
            if iafis:
                conn.execute(insert(iafis_subjects), [
                    {"fbi_number": p.fbi_number, "enrolled_at": now,
                     "prints": impression_of(nation, p, 1)} for p in iafis])
                rows = [h for p in iafis for h in history_for(p, nation.params)]
                if rows:
                    conn.execute(insert(iafis_history), rows)
                counts["history"] += len(rows)
            if ident:
                conn.execute(insert(ident_subjects), [
                    {"ident_id": p.ident_id, "enrolled_at": now,
                     "prints": impression_of(nation, p, 0),
                     "encounter_type": ENCOUNTER_TYPE[p.status]} for p in ident])
                recs = [r for p in ident for r in records_for(p, nation.params)]
                if recs:
                    conn.execute(insert(source_records), recs)
                counts["records"] += len(recs)
            for p in iafis:
                audit.append(now, "import:fbi-legacy", "import", "criminal_history",
                             str(p.fbi_number))
            for p in ident:
                audit.append(now, "import:dhs-legacy", "import", "ident_encounter",
                             str(p.ident_id))
            counts["people"] += len(chunk)
            counts["iafis"] += len(iafis)
            counts["ident"] += len(ident)
            advance(len(chunk))
        audit.flush()
    return counts
