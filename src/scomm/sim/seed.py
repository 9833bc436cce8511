"""Load the world as it stood before the run into the store.

Jurisdictions and their activation dates (real), the scenario's participation elections, and
the federal records of the synthetic nation: FBI identities with their arrest histories, IDENT
identities with their encounters, and the other sources the support center consults. The truth
about each person goes to the ``sim_`` tables only.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, Table, insert

from scomm.adapters import db
from scomm.adapters.audit import AuditWriter
from scomm.adapters.clock import Clock
from scomm.adapters.index import gallery_dir
from scomm.adapters.tables import (
    iafis_history,
    iafis_subjects,
    ident_subjects,
    jurisdictions,
    participation_elections,
    source_records,
)
from scomm.biometrics.gallery import Gallery
from scomm.biometrics.synthetic import identity_impression, make_captures
from scomm.biometrics.template import Packed, encode_packed, encode_tenprint
from scomm.sim.jurisdictions import Jurisdiction
from scomm.sim.nation import (
    ENCOUNTER_TYPE,
    Nation,
    Person,
    history_for,
    records_for,
)
from scomm.sim.scenario import ParticipationElection, Scenario
from scomm.sim.truth import sim_people

BATCH = 5000
"""People written per statement batch; their prints are generated and encoded per batch too."""

WORKERS = 2
"""Threads generating prints (the machine's two cores)."""


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
    return encode_tenprint(identity_impression(nation.seed, person.index, k))


CAPTURE_IDENT, CAPTURE_FBI = 0, 1


class _Galleries:
    """The two galleries being seeded next to their tables, or none.

    Why seed them here. The tables are the system of record and a gallery can always be
    rebuilt from them, but rebuilding means decoding every template again: for the national
    replay's 1.6 million seeded templates that is most of an hour, while enrolling the arrays
    just generated costs only their encoding. The galleries are written into the folder the
    run's system then opens (:func:`scomm.adapters.index.gallery_dir`); it checks them against
    the tables and rebuilds any that do not agree, so a failed seeding cannot leave a wrong one.
    """

    def __init__(self, root: Path | None) -> None:
        self.by_table: dict[str, Gallery] = {}
        if root is None:
            return
        for table in (iafis_subjects, ident_subjects):
            path = gallery_dir(root, table)
            if path.exists():
                shutil.rmtree(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.by_table[table.name] = Gallery.create(path)

    def enrol(self, table: Table, ids: list[str], packed: Packed) -> None:
        gallery = self.by_table.get(table.name)
        if gallery is not None:
            gallery.enrol_packed(ids, packed)

    def close(self) -> None:
        for gallery in self.by_table.values():
            gallery.flush()
            gallery.close()


def _captures(nation: Nation, people: Sequence[Person], capture: int) -> tuple[Packed, list[str]]:
    packed = make_captures(nation.seed, np.array([p.index for p in people], dtype=np.int64),
                           capture=capture, workers=WORKERS)
    return packed, encode_packed(packed)


def seed_nation(engine: Engine, clock: Clock, nation: Nation, galleries: Path | None = None,
                advance: Callable[[int], None] = lambda n: None) -> dict[str, int]:
    """Write truth, IAFIS, IDENT and source records; returns row counts per table.

    With ``galleries``, the fingerprint galleries of the two subject tables are built there
    from the same generated arrays (see :class:`_Galleries`).
    """
    counts = {"people": 0, "iafis": 0, "ident": 0, "history": 0, "records": 0}
    now = clock.now()
    people: Sequence[Person] = nation.people
    seeded = _Galleries(galleries)
    try:
        with engine.begin() as conn:
            audit = AuditWriter(conn)
            for start in range(0, len(people), BATCH):
                chunk = people[start:start + BATCH]
                _seed_chunk(conn, audit, now, nation, chunk, seeded, counts)
                advance(len(chunk))
            audit.flush()
    finally:
        seeded.close()
    db.checkpoint(engine)
    return counts


def _seed_chunk(conn: Any, audit: AuditWriter, now: datetime, nation: Nation,
                chunk: Sequence[Person], seeded: _Galleries, counts: dict[str, int]) -> None:
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
        packed, prints = _captures(nation, iafis, CAPTURE_FBI)
        ids = [str(p.fbi_number) for p in iafis]
        conn.execute(insert(iafis_subjects), [
            {"fbi_number": i, "enrolled_at": now, "prints": t}
            for i, t in zip(ids, prints, strict=True)])
        seeded.enrol(iafis_subjects, ids, packed)
        rows = [h for p in iafis for h in history_for(p, nation.params)]
        if rows:
            conn.execute(insert(iafis_history), rows)
        counts["history"] += len(rows)
    if ident:
        packed, prints = _captures(nation, ident, CAPTURE_IDENT)
        ids = [str(p.ident_id) for p in ident]
        conn.execute(insert(ident_subjects), [
            {"ident_id": i, "enrolled_at": now, "prints": t,
             "encounter_type": ENCOUNTER_TYPE[p.status]}
            for i, t, p in zip(ids, prints, ident, strict=True)])
        seeded.enrol(ident_subjects, ids, packed)
        recs = [r for p in ident for r in records_for(p, nation.params)]
        if recs:
            conn.execute(insert(source_records), recs)
        counts["records"] += len(recs)
    for p in iafis:
        audit.append(now, "import:fbi-legacy", "import", "criminal_history", str(p.fbi_number))
    for p in ident:
        audit.append(now, "import:dhs-legacy", "import", "ident_encounter", str(p.ident_id))
    counts["people"] += len(chunk)
    counts["iafis"] += len(iafis)
    counts["ident"] += len(ident)
