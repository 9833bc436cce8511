"""End-to-end pipeline throughput: bookings per second through every agency.

Runs the default scenario and a larger one (``southwest``) with the main job's code path on
the embedded default (SQLite, in-process bus), or on PostgreSQL with ``--db``, and prints one
JSON object. Figures are recorded in docs/benchmarks.md.

    python bench/pipeline.py [--scenarios default southwest] [--db URL]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

from scomm.sim import scenario as scenarios
from scomm.sim.run import simulate


def run_one(name: str, db: str | None) -> dict[str, object]:
    spec = scenarios.load(scenarios.builtin(name))
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = simulate(spec, Path(tmp), url=db, quiet=True)
        seconds = time.perf_counter() - started
    m = result.metrics
    return {
        "scenario": name,
        "bookings": m["bookings"],
        "submissions": m["submissions"],
        "ident_matches": m["ident_matches"],
        "detainers": m["detainers"],
        "seconds": round(seconds, 2),
        "bookings_per_s": round(float(m["bookings"]) / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="+", default=["default", "southwest"])
    parser.add_argument("--db", default=None, help="database URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    runs = [run_one(name, args.db) for name in args.scenarios]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"benchmark": "pipeline", "backend": "postgresql" if args.db else "sqlite",
                      "python": platform.python_version(), "cpus": os.cpu_count(), "runs": runs,
                      "peak_rss_bytes": peak}, indent=2))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
