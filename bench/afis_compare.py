"""scomm's finger matchers beside those of the ``afis`` PyPI package, on the same finger pairs.

    python bench/afis_compare.py [--genuine 200] [--impostor 400] [--seed S]

Prints one JSON object; ``bench/biometrics.py`` calls :func:`compare` and records it under
``afis_comparison``. Every matcher scores the very same single-finger pairs (default capture
noise, positions cycling through 1..10, :func:`scomm.biometrics.evaluation.finger_pairs`), one
comparison per call on one thread, building both sides' templates inside the call as a 1:1
verification does. Rows:

- ``scomm_mcc``: :func:`scomm.biometrics.mcc.finger_score`, the engine's verifier;
- ``scomm_hough``: :func:`scomm.biometrics.matcher.finger_score`, our edge-table matcher;
- ``afis_mcc``: afis' MCC (Cappelli et al. 2010, binary cylinders, LSS-R), Python and numpy;
- ``afis_bozorth3``: afis' port of NBIS BOZORTH3, scored by its raw score (afis caps the
  normalised score at 1, which would tie every clear genuine pair);
- ``afis_nbis_bozorth3``: NIST's C BOZORTH3 behind afis' ``libafis_lfs``. The wheel does not
  ship that library; ``bash bench/build_nbis.sh`` builds it from the afis source distribution
  into ``bench/.native/`` (~2 s), and without it the row says so instead of giving a figure.

Both noise models are run: default captures (``ImpressionNoise()``) and poor ones
(``ImpressionNoise.poor()``), where matchers actually differ.

Conventions. afis takes ``(N, 5)`` float arrays ``x, y, θ, kind, quality`` with ``kind`` 0 for
a ridge ending and 1 for a bifurcation, and the image height. Our angles are ISO/IEC 19794-2's,
counter-clockwise as seen on the image, which is also the sense of NBIS' ``xyt`` files and the
one BOZORTH3 scores best with. afis' MCC places cylinder cells with the paper's formula, whose
grid turns by ``-θ`` in afis' y-up frame, so its cylinders are rotation-invariant only for
angles measured the other way round; it is given ``2π - θ``, which on a sample of 20 mated
pairs raised its median genuine score from 0.055 to 0.090 and its worst from 0.014 to 0.055.
Each matcher thus gets the convention it was built for.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from afis.matchers import match

from scomm.biometrics import matcher, mcc
from scomm.biometrics.evaluation import eer, finger_pairs
from scomm.biometrics.synthetic import ImpressionNoise, impress, make_master_tenprint
from scomm.biometrics.template import ANGLE_UNITS, BIFURCATION, COORD_MAX, FingerTemplate

NATIVE = Path(__file__).parent / ".native" / "libafis_lfs.so"
"""Where ``bench/build_nbis.sh`` puts NBIS; afis looks for it on first use of the library."""

HEIGHT = COORD_MAX + 1
Scorer = Callable[[FingerTemplate, FingerTemplate], float]


def afis_minutiae(t: FingerTemplate, *, mirrored_angles: bool = False) -> npt.NDArray[np.float64]:
    """Our template as afis' ``(N, 5)`` array (see the module docstring for the angles)."""
    m = t.minutiae.astype(np.float64)
    out = np.empty((len(m), 5))
    out[:, 0], out[:, 1] = m[:, 0], m[:, 1]
    theta = m[:, 2] * (2 * math.pi / ANGLE_UNITS)
    out[:, 2] = np.mod(-theta, 2 * math.pi) if mirrored_angles else theta
    out[:, 3] = m[:, 3] == BIFURCATION
    out[:, 4] = t.quality / 100
    return out


def afis_scorer(name: str, *, mirrored_angles: bool = False, raw: bool = False) -> Scorer:
    def score(a: FingerTemplate, b: FingerTemplate) -> float:
        r = match(afis_minutiae(a, mirrored_angles=mirrored_angles),
                  afis_minutiae(b, mirrored_angles=mirrored_angles), name=name,
                  height_a=HEIGHT, height_b=HEIGHT, width_a=HEIGHT, width_b=HEIGHT)
        return float(r.raw_score if raw else r.score)
    return score


MATCHERS: dict[str, Scorer] = {
    "scomm_mcc": mcc.finger_score,
    "scomm_hough": matcher.finger_score,
    "afis_mcc": afis_scorer("mcc", mirrored_angles=True),
    "afis_bozorth3": afis_scorer("bozorth3", raw=True),
    "afis_nbis_bozorth3": afis_scorer("nbis_bozorth3", raw=True),
}


def timed(score: Scorer) -> tuple[Scorer, list[float]]:
    """``score`` that also records how long each call took."""
    spent: list[float] = []

    def run(a: FingerTemplate, b: FingerTemplate) -> float:
        t0 = time.perf_counter()
        s = score(a, b)
        spent.append(time.perf_counter() - t0)
        return s
    return run, spent


def compare(seed: int, genuine: int, impostor: int) -> dict[str, Any]:
    """EER under both noise models and single-thread comparisons per second of each matcher,
    all on the same pairs."""
    if NATIVE.is_file():
        os.environ.setdefault("AFIS_LFS_LIB", str(NATIVE))
    rows: dict[str, Any] = {}
    for name, score in MATCHERS.items():
        run, spent = timed(score)
        try:
            run(*_warm_pair(seed))
        except Exception as exc:  # afis raises its own error types for a missing backend
            rows[name] = {"unavailable": f"{type(exc).__name__}: {exc}"}
            continue
        spent.clear()
        row: dict[str, Any] = {}
        for label, noise in (("", ImpressionNoise()), ("_poor", ImpressionNoise.poor())):
            g, i = finger_pairs(np.random.default_rng(seed), genuine, impostor, noise, run)
            row[f"eer{label}"] = round(eer(g, i), 4)
        row["comparisons_per_s"] = round(len(spent) / sum(spent), 1)
        row["genuine_pairs"], row["impostor_pairs"] = int(g.size), int(i.size)
        rows[name] = row
    return rows


def _warm_pair(seed: int) -> tuple[FingerTemplate, FingerTemplate]:
    """A mated pair to compile and load each matcher on before it is timed."""
    rng = np.random.default_rng(seed + 7)
    while True:
        master = make_master_tenprint(rng)
        a, b = impress(master, rng).fingers[1], impress(master, rng).fingers[1]
        if a is not None and b is not None:
            return a, b


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--genuine", type=int, default=200)
    ap.add_argument("--impostor", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    print(json.dumps(compare(args.seed, args.genuine, args.impostor), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
