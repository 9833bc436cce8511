"""Where the screen's gates sit: mates' and strangers' screen scores, and what the gates save.

    python bench/screen_gates.py --identities 20000 --seed 1 [--probes 500] [--repeats 2]

Prints one JSON object (recorded in docs/benchmarks.md):

- ``screen``: percentiles of the two-finger screen score (the probe's two fingers with the
  most valid cylinders, as the gallery screens) of the mate, and of the best stranger on the
  shortlist, for mated and non-mated probes under default and poor captures. Every shortlisted
  candidate is completed (``k = SHORTLIST``, gates off), so each score is known;
- ``gates``: searches/s of the same mated and non-mated probes, one at a time and in batches
  of 50, with the gates off and on, ``--repeats`` times in turn (a shared host drifts).

``SCREEN_REJECT`` must sit above every stranger's score and below every mate's; the accept
gate ``SCREEN_ACCEPT`` above every stranger's.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

from scomm.biometrics import mcc
from scomm.biometrics.gallery import (
    SCREEN_ACCEPT,
    SCREEN_FINGERS,
    SCREEN_REJECT,
    SHORTLIST,
    Gallery,
)
from scomm.biometrics.synthetic import ImpressionNoise, identity_impression, make_population
from scomm.biometrics.template import Tenprint

CAPTURE = 7
PERCENTILES = (0, 0.1, 1, 50, 99, 100)


def screen_scores(gallery: Gallery, probes: list[Tenprint],
                  mates: list[str | None]) -> tuple[list[float], list[float]]:
    """The mate's screen score (mated probes) and the best stranger's, per probe."""
    gallery.gates = False
    lists = gallery.search_many(probes, k=SHORTLIST)
    gallery.gates = True
    mate_scores, stranger_scores = [], []
    for probe, mate, cl in zip(probes, mates, lists, strict=True):
        sizes = mcc.prepare_tenprint(probe).sizes()[0]
        order = np.argsort(-sizes, kind="stable")
        best_stranger = 0.0
        for c in cl.candidates:
            fingers = [f for f in order if sizes[f] > 0 and c.finger_scores[f] > 0]
            score = float(sum(c.finger_scores[f] for f in fingers[:SCREEN_FINGERS]))
            if c.subject_id == mate:
                mate_scores.append(score)
            else:
                best_stranger = max(best_stranger, score)
        stranger_scores.append(best_stranger)
    return mate_scores, stranger_scores


def rate(gallery: Gallery, probes: list[Tenprint], batch: int) -> float:
    t0 = time.perf_counter()
    for lo in range(0, len(probes), batch):
        gallery.search_many(probes[lo:lo + batch])
    return round(len(probes) / (time.perf_counter() - t0), 1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--identities", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--probes", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    n, seed = args.identities, args.seed
    gallery = Gallery.temporary()
    for lo in range(0, n, 10000):
        count = min(10000, n - lo)
        gallery.enrol_packed([f"S{i:08d}" for i in range(lo, lo + count)],
                             make_population(seed, lo, count, workers=2))
    rng = np.random.default_rng(seed + 4)
    ids = rng.choice(n, 2 * args.probes, replace=False)
    out: dict[str, Any] = {"benchmark": "screen_gates", "identities": n, "seed": seed,
                           "screen_accept": SCREEN_ACCEPT, "screen_reject": SCREEN_REJECT,
                           "screen": {}, "gates": []}
    timed: dict[str, list[Tenprint]] = {}
    for name, noise, offset in (("default", ImpressionNoise(), 0),
                                ("poor", ImpressionNoise.poor(), args.probes)):
        mated_ids = ids[offset:offset + args.probes]
        mated = [identity_impression(seed, int(i), CAPTURE, noise) for i in mated_ids]
        strangers = [identity_impression(seed, n + offset * 4 + j, CAPTURE, noise)
                     for j in range(2 * args.probes)]
        mate, rival = screen_scores(gallery, mated, [f"S{int(i):08d}" for i in mated_ids])
        _, stranger = screen_scores(gallery, strangers, [None] * len(strangers))
        for key, values in ((f"mated_{name}_mate", mate), (f"mated_{name}_best_stranger", rival),
                            (f"nonmated_{name}_best_stranger", stranger)):
            out["screen"][key] = dict(zip(
                (f"p{q}" for q in PERCENTILES),
                np.percentile(values, PERCENTILES).round(4).tolist(), strict=True))
            out["screen"][key]["n"] = len(values)
        if name == "default":
            timed = {"mated": mated[:200], "nonmated": strangers[:200]}
    gallery.search(timed["mated"][0])
    for _ in range(args.repeats):
        for gates in (False, True):
            gallery.gates = gates
            out["gates"].append({
                "gates": gates,
                **{f"{kind}_single_per_s": rate(gallery, probes, 1)
                   for kind, probes in timed.items()},
                **{f"{kind}_batched50_per_s": rate(gallery, probes, 50)
                   for kind, probes in timed.items()},
            })
    gallery.gates = True
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
