"""The main job: replay a scenario end to end and write the run's products.

Steps: build the synthetic nation for the scenario's counties (calibrated to ICE's county
table), load the world into a fresh store, replay every day of the period through the system
(then the settling days with no new bookings), and write ``scomm.db``, ``statistics.csv``,
Parquet snapshots, ``metrics.json`` and ``report.html`` into the output folder.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine

from scomm.adapters import db, parquet
from scomm.adapters.bus import FaultHook
from scomm.adapters.clock import ManualClock
from scomm.adapters.sources import default_profiles
from scomm.bootstrap import bootstrap
from scomm.oversight import statistics
from scomm.policy.catalog import load_catalog
from scomm.sim import report
from scomm.sim.calibration import STATS_END, expected_counts, rates_for
from scomm.sim.evaluation import evaluate
from scomm.sim.jurisdictions import Jurisdiction, load_jurisdictions, select
from scomm.sim.nation import ChargeModel, NationBuilder, expected_bookings
from scomm.sim.scenario import Scenario
from scomm.sim.seed import seed_nation, seed_reference
from scomm.sim.world import World


@dataclass
class RunResult:
    out_dir: Path
    metrics: dict[str, Any]
    statistics: list[statistics.CountyStats]
    comparison: list[dict[str, Any]]
    seconds: float
    store_url: str


def _progress(console: Console, quiet: bool) -> Progress:
    return Progress(TextColumn("[bold]{task.description:<28}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                    disable=quiet, transient=False)


def _comparison(conn: Any, scenario: Scenario, selected: list[Jurisdiction]) -> list[
        dict[str, Any]]:
    """Simulated vs real (scaled) submissions and matches over the window both cover."""
    until = min(scenario.period.end, STATS_END)
    sim = {s.fips5: s for s in statistics.county_table(conn, [j.fips5 for j in selected],
                                                       until=until)}
    rows = []
    for j in selected:
        real = expected_counts(j, scenario.period.start, until, scenario.scale)
        s = sim.get(j.fips5)
        rows.append({"fips5": j.fips5, "county": j.county_name, "state": j.state_abbr,
                     "aor": j.aor or "", "activation_date": j.activation_date,
                     "sim_submissions": s.submissions if s else 0,
                     "real_submissions": real.submissions,
                     "sim_matches": s.ident_matches_total if s else 0,
                     "real_matches": real.matches})
    return rows


def simulate(scenario: Scenario, out_dir: Path, url: str | None = None,
             console: Console | None = None, quiet: bool = False,
             fault: FaultHook | None = None, search_ahead: bool = True) -> RunResult:
    """Replay ``scenario`` into ``out_dir``. ``search_ahead=False`` makes every search wait
    for its submission, the slow way the tests compare the batched replay with."""
    started = time.perf_counter()
    console = console or Console(stderr=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    engine: Engine = db.make_engine(url or db.default_url(out_dir))
    db.reset(engine)
    db.migrate(engine)
    start = scenario.period.start
    clock = ManualClock(datetime.combine(start, dtime(0), tzinfo=UTC))
    everywhere = load_jurisdictions()
    selected = select(scenario.states, scenario.counties)
    rates = rates_for(selected)
    catalog = load_catalog()
    days = (scenario.period.end - start).days + 1
    builder = NationBuilder(scenario.seed, start, scenario.period.end, catalog)
    with _progress(console, quiet) as progress:
        task = progress.add_task("building the nation", total=len(selected))
        pools: dict[str, list[int]] = {}
        for j in selected:
            pools[j.fips5] = builder.county_pool(
                j, rates[j.fips5], expected_bookings(rates[j.fips5], days, scenario.scale),
                scenario.nation.pool_factor)
            progress.advance(task)
        in_ident = sum(1 for p in builder.people if p.ident_id)
        builder.background([j.fips5 for j in selected],
                           round(in_ident * scenario.nation.ident_background_factor))
        nation = builder.build(pools)
        seed_reference(engine, everywhere.values(), scenario)
        task = progress.add_task("loading federal records", total=len(nation.people))
        seed_nation(engine, clock, nation, out_dir / "galleries",
                    advance=lambda n: progress.advance(task, n))
    system = bootstrap(engine, clock, migrate=False, fault=fault, galleries=out_dir / "galleries",
                       sources=default_profiles().with_overrides(scenario.sources))
    world = World(scenario, nation, system, clock, {j.fips5: j for j in selected}, rates,
                  ChargeModel(catalog, nation.params), search_ahead=search_ahead)
    system.bus.listeners.append(world.listener)
    end = scenario.period.end + timedelta(days=scenario.settle_days)
    with _progress(console, quiet) as progress:
        task = progress.add_task("replaying days", total=(end - start).days + 1)
        world.schedule_days(start, scenario.period.end)
        day = start
        while day <= end:
            world.run(datetime.combine(day + timedelta(days=1), dtime(0), tzinfo=UTC))
            progress.advance(task)
            day += timedelta(days=1)
    world.save_truth()
    searches = {f"{name}_{what}": getattr(store, what)
                for name, store in (("iafis", system.services.iafis),
                                    ("ident", system.services.ident))
                for what in ("searched_ahead", "settled")}
    system.close()
    codes = {b: t.current_codes for b, t in world.truth.items()}
    with engine.connect() as conn:
        parquet.export(conn, out_dir / "parquet", actor="job:simulate", at=clock.now())
        conn.commit()
        metrics = evaluate(conn, nation, codes)
        stats = statistics.county_table(conn, [j.fips5 for j in selected])
        comparison = _comparison(conn, scenario, selected)
        seconds = time.perf_counter() - started
        metrics["searches"] = searches
        metrics["seconds"] = round(seconds, 1)
        metrics["bookings_per_second"] = round(metrics["bookings"] / seconds, 1)
        report.render(out_dir / "report.html", conn, scenario, metrics, stats, comparison,
                      seconds)
    write_statistics(out_dir / "statistics.csv", stats)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str) + "\n")
    engine.dispose()
    return RunResult(out_dir=out_dir, metrics=metrics, statistics=stats,
                     comparison=comparison, seconds=seconds,
                     store_url=engine.url.render_as_string(hide_password=True))


def write_statistics(path: Path, rows: list[statistics.CountyStats]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=statistics.COLUMNS)
        writer.writeheader()
        for r in statistics.as_rows(rows):
            writer.writerow(r)
        total: dict[str, Any] = {c: "" for c in statistics.COLUMNS}
        total.update({"fips5": "TOTAL", **statistics.totals(rows)})
        writer.writerow(total)
