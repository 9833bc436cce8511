"""The profiling monitor's operating characteristics over seeds (issue #6, acceptance 4).

    python bench/monitor.py [--seeds 20] [--k 10] [--multiplier 2.5] [--states TX CA ...]

Every seed replays every county of the chosen states (all 50 and DC by default) at full
booking volume from 2008-10-01 to 2012-09-30 through the ledger (sim/ledger.py), once as it is
and once with Irving-like pretextual arrests injected in ``k`` counties from their activation
day, and screens both (sim/monitor_trials.py). Prints one JSON object: per seed and summed
(recorded in docs/benchmarks.md and docs/oversight.md).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict

from rich.progress import Progress

from scomm.sim import scenario as scenarios
from scomm.sim.monitor_trials import run_trial, summarise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--multiplier", type=float, default=2.5)
    parser.add_argument("--states", nargs="*",
                        default=list(scenarios.load(scenarios.builtin("national")).states))
    args = parser.parse_args()
    started = time.perf_counter()
    trials = []
    with Progress(transient=True) as progress:
        task = progress.add_task("seeds", total=args.seeds)
        for seed in range(1, args.seeds + 1):
            trials.append(run_trial(seed, tuple(args.states), args.k, args.multiplier))
            progress.advance(task)
    print(json.dumps({"summary": summarise(trials), "seconds": round(
        time.perf_counter() - started, 1), "k": args.k, "multiplier": args.multiplier,
        "states": len(args.states), "trials": [
            {**asdict(t), "recall": t.recall} for t in trials]}, indent=1))


if __name__ == "__main__":
    main()
