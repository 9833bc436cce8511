"""The oversight reports over ten million cases: DuckDB over a Parquet snapshot (issue #6, 8).

    python bench/reports.py --base RUN_DIR/parquet [--cases 10000000] [--work DIR]

A simulated run's snapshot (``scomm simulate`` writes one to ``OUT/parquet``) is scaled up by
replication: every case-level table ``k`` times, each copy's identifiers suffixed with the copy
number, so the ten million cases keep the run's mix of offices, months, outcomes and traces;
IDENT submissions (``criminal_searches``) are replicated to ICE's real ratio of submissions to
matches (19,858,457 / 1,087,109, about 18.3 a case). So that the compliance report lists cases
as the OIG found them, the copies of ``--undocumented`` of the cases (default 43 of 766, the
OIG's sample) get no encounter record, which leaves them undocumented. Each report is then run
once to warm the file cache and timed over ``--repeats`` runs through ``adapters/warehouse.py``.
Prints one JSON object (recorded in docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from rich.progress import Progress
from sqlalchemy import Connection

from scomm.adapters.parquet import SNAPSHOTS
from scomm.adapters.warehouse import open_warehouse
from scomm.oversight import compliance, costs, discretion, statistics

SUBMISSIONS_PER_MATCH = 19_858_457 / 1_087_109
#: table -> identifier columns a copy suffixes (None: not replicated)
IDS: dict[str, tuple[str, ...] | None] = {
    "jurisdictions": None,
    "bookings": None, "booking_monitoring": None, "submissions": None,
    "immigration_searches": None, "source_queries": None, "dossier_facts": None,
    "criminal_searches": ("booking_id",),
    "cases": ("case_id", "booking_id"), "decisions": ("case_id",),
    "detainers": ("detainer_id", "case_id", "booking_id"), "encounters": ("case_id",),
    "dispositions": ("case_id",), "custody": ("case_id", "booking_id"),
    "alerts": ("alert_id", "ref_id"),
}


def scale(base: Path, out: Path, cases: int, undocumented: float) -> dict[str, int]:
    """Write the replicated snapshot; returns rows per table."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    base_cases = int(con.execute(
        f"SELECT count(*) FROM read_parquet('{base / 'cases.parquet'}')").fetchone()[0])
    k = math.ceil(cases / base_cases)
    searches = int(con.execute(
        f"SELECT count(*) FROM read_parquet('{base / 'criminal_searches.parquet'}') "
        "WHERE shared_with_ident").fetchone()[0])
    k_searches = math.ceil(k * base_cases * SUBMISSIONS_PER_MATCH / max(1, searches))
    with Progress(transient=True) as progress:
        task = progress.add_task("scaling the snapshot", total=len(SNAPSHOTS))
        for table in SNAPSHOTS:
            name, src = table.name, base / f"{table.name}.parquet"
            ids = IDS[name]
            copies = k_searches if name == "criminal_searches" else k
            if ids is None:
                query = f"SELECT * FROM read_parquet('{src}')"
            else:
                replace = ", ".join(f"{c} || '~' || r AS {c}" for c in ids)
                query = (f"SELECT * REPLACE ({replace}) FROM read_parquet('{src}'), "
                         f"range({copies}) t(r)")
                if name == "encounters":
                    query += f" WHERE r >= {round(copies * undocumented)}"
            con.execute(f"COPY ({query}) TO '{out / f'{name}.parquet'}' (FORMAT parquet)")
            progress.advance(task)
    return _counts(out)


def _counts(work: Path) -> dict[str, int]:
    con = duckdb.connect()
    return {t.name: int(con.execute(
        f"SELECT count(*) FROM read_parquet('{work / f'{t.name}.parquet'}')").fetchone()[0])
        for t in SNAPSHOTS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("--cases", type=int, default=10_000_000)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--undocumented", type=float, default=43 / 766)
    parser.add_argument("--reuse", action="store_true",
                        help="time the snapshot already scaled in --work")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="scomm-reports-"))
    started = time.perf_counter()
    rows = (_counts(work) if args.reuse
            else scale(args.base, work, args.cases, args.undocumented))
    scaled = time.perf_counter() - started
    as_of = datetime(2013, 1, 1, tzinfo=UTC)
    per_diem = costs.load_per_diem(None)
    reports: dict[str, Callable[[Connection], Any]] = {
        "compliance": lambda c: compliance.compliance(c, as_of),
        "statistics": statistics.county_table,
        "costs": lambda c: costs.ledger(c, per_diem),
        "discretion": discretion.outcomes,
    }
    engine = open_warehouse(work)
    timings: dict[str, dict[str, float | int]] = {}
    with engine.connect() as conn:
        for name, report in reports.items():
            result = report(conn)
            seconds = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                report(conn)
                seconds.append(time.perf_counter() - t0)
            timings[name] = {"seconds_best": round(min(seconds), 2),
                             "seconds_worst": round(max(seconds), 2), "result_rows": len(result)}
            if name == "compliance":
                timings[name]["cases_listed"] = sum(len(r.cases) for r in result)
    engine.dispose()
    print(json.dumps({"cases": rows["cases"], "rows": rows, "scale_seconds": round(scaled, 1),
                      "reports": timings, "machine": platform.machine(),
                      "python": platform.python_version()}, indent=1))


if __name__ == "__main__":
    main()
