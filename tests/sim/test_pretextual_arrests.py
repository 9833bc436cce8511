"""An injected pretextual-arrest pattern adds the group's minor-traffic bookings, nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from scomm.adapters import db
from scomm.adapters.tables import booking_monitoring, bookings
from scomm.policy.catalog import load_catalog
from scomm.sim import scenario as scenarios
from scomm.sim.run import simulate

TINY = Path(__file__).parents[1] / "data" / "tiny.yaml"


def test_extra_minor_traffic_bookings_of_the_group(tiny_run: Any, tmp_path: Path) -> None:
    spec = yaml.safe_load(TINY.read_text())
    spec["behaviours"] = [*spec["behaviours"], {
        "kind": "pretextual_arrests", "counties": ["35013"], "from": "2011-06-01",
        "multiplier": 4.0}]
    run = simulate(scenarios.parse(spec), tmp_path, quiet=True)
    catalog = load_catalog()
    engine = db.make_engine(db.default_url(run.out_dir))
    with engine.connect() as conn:
        rows = conn.execute(select(bookings.c.booking_id, bookings.c.booked_at,
                                   bookings.c.charges, booking_monitoring.c.ethnicity)
                            .join(booking_monitoring, booking_monitoring.c.booking_id ==
                                  bookings.c.booking_id)).all()
    engine.dispose()
    extra = [r for r in rows if "-P" in r.booking_id]
    assert len(extra) > 10
    assert all(r.ethnicity == "Hispanic" for r in extra)
    assert all(len(r.charges) == 1 and catalog.get(r.charges[0]["ncic_code"]).minor_traffic
               for r in extra)
    assert min(r.booked_at.date().isoformat() for r in extra) >= "2011-06-01"
    regular = {r.booking_id for r in rows} - {r.booking_id for r in extra}
    assert regular == set(_ids(tiny_run))  # the rest of the run is drawn as before


def _ids(run: Any) -> list[str]:
    engine = db.make_engine(db.default_url(run.out_dir))
    with engine.connect() as conn:
        ids = list(conn.execute(select(bookings.c.booking_id)).scalars())
    engine.dispose()
    return ids
