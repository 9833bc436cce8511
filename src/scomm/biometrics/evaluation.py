"""The measurements behind the engine's calibrated constants, runnable from the command line.

``python -m scomm.biometrics.evaluation speed | eer | tenprint [--poor] [--matcher hough | mcc |
both]``; the 1:N figures come from ``bench/biometrics.py``.

Protocols follow the usual biometric conventions so the numbers compare with the literature:

- **1:1 (single finger)**: genuine pairs are two independent impressions of the same master
  finger; impostor pairs are impressions of the *same finger position* of different people (a
  tenprint search only ever compares like positions). EER is where the false non-match and
  false match rates cross.
- **1:N (tenprint)**: the gallery holds one impression per identity; a mated probe is a fresh
  impression of an enrolled identity, a non-mated probe one of a person never enrolled. FPIR is
  the share of non-mated searches whose best candidate reaches the threshold, FNIR the share of
  mated searches whose mate is not returned at or above it (NIST FpVTE / ISO 19795-1 terms).

Everything is seeded; the same arguments give the same numbers.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from scomm.biometrics import matcher, mcc
from scomm.biometrics.matcher import (
    MAX_REF_EDGES,
    REFINE,
    Workspace,
    _compare_all,
    finger_score,
    fuse,
    prepare_probe,
    reference_edges,
)
from scomm.biometrics.synthetic import (
    ImpressionNoise,
    impress,
    make_master_tenprint,
    make_population,
)
from scomm.biometrics.template import FINGER_POSITIONS, MAX_MINUTIAE, FingerTemplate, Tenprint

F64 = npt.NDArray[np.float64]
I16 = npt.NDArray[np.int16]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

DEFAULT_NOISE = ImpressionNoise()

FingerScorer = Callable[[FingerTemplate, FingerTemplate], float]
TenprintScorer = Callable[[Tenprint, Tenprint], npt.NDArray[np.float64]]

MATCHERS: dict[str, tuple[FingerScorer, TenprintScorer]] = {
    "hough": (matcher.finger_score, matcher.tenprint_scores),
    "mcc": (mcc.finger_score, mcc.tenprint_scores),
}
"""The matchers ``--matcher`` can compare: our Hough / edge-hash matcher and MCC (``mcc``)."""


def eer(genuine: Sequence[float] | F64, impostor: Sequence[float] | F64) -> float:
    """Equal error rate: the smallest max(FNMR, FMR) over all thresholds, a score ≥ threshold
    counting as a match (ties resolved against the matcher, as in FVC)."""
    g = np.sort(np.asarray(genuine, dtype=np.float64))
    i = np.sort(np.asarray(impostor, dtype=np.float64))
    if g.size == 0 or i.size == 0:
        raise ValueError("need genuine and impostor scores")
    thresholds = np.concatenate([g, i, [np.inf]])
    fnmr = np.searchsorted(g, thresholds, side="left") / g.size
    fmr = 1.0 - np.searchsorted(i, thresholds, side="left") / i.size
    return float(np.min(np.maximum(fnmr, fmr)))


def finger_pairs(
    rng: np.random.Generator,
    n_genuine: int,
    n_impostor: int,
    noise: ImpressionNoise = DEFAULT_NOISE,
    score: FingerScorer = finger_score,
) -> tuple[F64, F64]:
    """Single-finger genuine and impostor scores (positions cycle through 1..10).

    ``n_genuine`` people are drawn, each impressed twice; impostor pairs pair person ``i``'s
    first impression with a different person's second one at the same position. ``score``
    does not draw from ``rng``, so two matchers given equally seeded generators score the very
    same pairs.
    """
    people = max(n_genuine, 2)
    masters = [make_master_tenprint(rng) for _ in range(people)]
    first = [impress(m, rng, noise) for m in masters]
    second = [impress(m, rng, noise) for m in masters]
    gen: list[float] = []
    for i in range(n_genuine):
        a, b = first[i].fingers[i % 10], second[i].fingers[i % 10]
        if a is not None and b is not None:
            gen.append(score(a, b))
    imp: list[float] = []
    for j in range(n_impostor):
        i = j % people
        other = (i + 1 + int(rng.integers(people - 1))) % people
        a, b = first[i].fingers[j % 10], second[other].fingers[j % 10]
        if a is not None and b is not None:
            imp.append(score(a, b))
    return np.array(gen), np.array(imp)


def comparison_speed(
    rng: np.random.Generator, n_probes: int = 30, n_refs: int = 300
) -> tuple[float, float]:
    """Mean µs per single-threaded comparison of prepared fingers, and the mean minutiae count.

    Each probe is compared with ``n_refs`` references (one of them its mate, the rest
    non-mates) in a compiled loop, as the gallery does, so no Python call overhead is counted.
    """
    masters = [make_master_tenprint(rng) for _ in range(n_refs)]
    refs = [impress(m, rng).fingers[1] for m in masters]
    probes = [impress(masters[i], rng).fingers[1] for i in range(n_probes)]
    ref_t = [r for r in refs if r is not None]
    gm = np.zeros((len(ref_t), MAX_MINUTIAE + 1, 4), dtype=np.int16)
    gn = np.zeros(len(ref_t), dtype=np.int64)
    ge = np.zeros((len(ref_t), MAX_REF_EDGES, 6), dtype=np.uint8)
    ne = np.zeros(len(ref_t), dtype=np.int64)
    for r, t in enumerate(ref_t):
        gm[r, : len(t)] = t.minutiae
        gn[r] = len(t)
        e = reference_edges(t)
        ge[r, : len(e)] = e
        ne[r] = len(e)
    prepared = [prepare_probe(p) for p in probes if p is not None]
    scratch = Workspace().scratch
    _compare_all(prepared[0].arrays, (gm, gn, ge, ne), scratch, REFINE)
    start = time.perf_counter()
    for p in prepared:
        _compare_all(p.arrays, (gm, gn, ge, ne), scratch, REFINE)
    elapsed = time.perf_counter() - start
    mean_n = float(np.mean([p.n for p in prepared] + [len(t) for t in ref_t]))
    return elapsed / (len(prepared) * len(ref_t)) * 1e6, mean_n


@dataclass(frozen=True)
class MccSpeed:
    """MCC timings (medians over repeats, since the machine is shared; µs unless named)."""

    build_per_finger: float
    build_per_minutia: float
    compare_with_build: float
    compare_prepared: float
    identity_ms: float
    identity_ms_one_thread: float
    mean_minutiae: float
    mean_cylinders: float


def mcc_speed(
    rng: np.random.Generator, n_probes: int = 10, n_refs: int = 200, repeats: int = 5
) -> MccSpeed:
    """Single-threaded cylinder build and comparison times, and the 1:N kernel's cost per
    candidate identity on all threads.

    As :func:`comparison_speed`, each probe finger meets ``n_refs`` references (its mate among
    them) in a compiled loop; here every reference's cylinders are built on the fly, as
    :func:`scomm.biometrics.mcc.score_rows` does, so the comparison time includes the build
    and the matching alone is the difference. The 1:N figure runs ``score_rows`` for one
    tenprint probe over ``n_refs`` ten-finger gallery rows.
    """
    masters = [make_master_tenprint(rng) for _ in range(n_refs)]
    gallery = [impress(m, rng) for m in masters]
    probes = [impress(masters[i], rng) for i in range(n_probes)]
    mins = np.zeros((n_refs, FINGER_POSITIONS, MAX_MINUTIAE + 1, 4), dtype=np.int16)
    counts = np.full((n_refs, FINGER_POSITIONS), -1, dtype=np.int16)
    for r, t in enumerate(gallery):
        for f, finger in enumerate(t.fingers):
            if finger is not None:
                mins[r, f, : len(finger)] = finger.minutiae
                counts[r, f] = len(finger)
    refs = mins[:, 1].copy()
    ref_n = np.maximum(counts[:, 1], 0).astype(np.int64)
    ws = mcc.Workspace()
    buf = mcc._cyl_buffers(MAX_MINUTIAE + 1)
    fingers = [p.fingers[1] for p in probes]
    prepared = [mcc.cylinders(f, ws).arrays for f in fingers if f is not None]

    def median_time(run: Callable[[], object]) -> float:
        run()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return float(np.median(times))

    n_cyl = mcc._build_all(refs, ref_n, buf, ws.build)
    build = median_time(lambda: mcc._build_all(refs, ref_n, buf, ws.build)) / n_refs * 1e6
    both = (
        median_time(
            lambda: [mcc._match_all(p, refs, ref_n, buf, ws.build, ws.match) for p in prepared]
        )
        / (len(prepared) * n_refs)
        * 1e6
    )
    probe = mcc.prepare_tenprint(probes[0])
    ident = median_time(lambda: mcc.score_rows(probe, mins, counts)) / n_refs * 1e3
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        ident_one = median_time(lambda: mcc.score_rows(probe, mins, counts)) / n_refs * 1e3
    finally:
        numba.set_num_threads(threads)
    mean_n = float(ref_n[ref_n > 0].mean())
    return MccSpeed(
        build,
        build / mean_n,
        both,
        both - build,
        ident,
        ident_one,
        mean_n,
        n_cyl / max(int(np.count_nonzero(ref_n)), 1),
    )


@dataclass(frozen=True)
class Separation:
    """Fused ten-finger scores of mated and non-mated tenprint pairs."""

    mated: F64
    nonmated: F64

    def d_prime(self) -> float:
        """Decidability index: the gap of the means in pooled standard deviations."""
        pooled = math.sqrt((self.mated.var() + self.nonmated.var()) / 2.0)
        return float((self.mated.mean() - self.nonmated.mean()) / pooled)

    def overlap(self) -> float:
        """Share of mated pairs scoring at or below the best non-mated pair."""
        return float(np.mean(self.mated <= self.nonmated.max()))


def tenprint_separation(
    rng: np.random.Generator,
    n_mated: int,
    n_nonmated: int,
    noise: ImpressionNoise = DEFAULT_NOISE,
    scores: TenprintScorer = matcher.tenprint_scores,
) -> Separation:
    """Fused (:func:`~scomm.biometrics.matcher.fuse`) scores of ``n_mated`` pairs of two
    impressions of one person and ``n_nonmated`` pairs of two different people. Like
    :func:`finger_pairs`, the pairs depend on ``rng`` only, not on the matcher."""
    people = max(n_mated, 2)
    masters = [make_master_tenprint(rng) for _ in range(people)]
    first = [impress(m, rng, noise) for m in masters]
    second = [impress(m, rng, noise) for m in masters]
    mated = [fuse(scores(first[i], second[i])) for i in range(n_mated)]
    nonmated = []
    for j in range(n_nonmated):
        i = j % people
        other = (i + 1 + int(rng.integers(people - 1))) % people
        nonmated.append(fuse(scores(first[i], second[other])))
    return Separation(np.array(mated), np.array(nonmated))


def _print_mcc_speed(rng: np.random.Generator) -> None:
    sp = mcc_speed(rng)
    print(
        f"MCC cylinder build: {sp.build_per_finger:.0f} µs per finger single-threaded "
        f"(mean {sp.mean_minutiae:.0f} minutiae, {sp.build_per_minutia:.2f} µs per minutia, "
        f"{sp.mean_cylinders:.0f} valid cylinders)"
    )
    print(
        f"MCC comparison incl. reference build: {sp.compare_with_build:.0f} µs single-threaded "
        f"(matching alone {sp.compare_prepared:.0f} µs)"
    )
    print(
        f"MCC 1:N kernel (score_rows, {numba.get_num_threads()} threads): "
        f"{sp.identity_ms:.2f} ms per ten-finger candidate ({sp.identity_ms_one_thread:.2f} ms "
        "on 1 thread)"
    )


def _print_accuracy(
    what: str, matchers: Sequence[str], args: argparse.Namespace, noise: ImpressionNoise
) -> None:
    """EER or tenprint separation for each matcher, on the same seeded pairs."""
    for name in matchers:
        finger, tenprint = MATCHERS[name]
        rng = np.random.default_rng(args.seed)
        if what == "eer":
            gen, imp = finger_pairs(rng, 1000, 10_000, noise, finger)
            print(
                f"{name}: single-finger EER {eer(gen, imp):.4f} "
                f"({gen.size} genuine, {imp.size} impostor)"
            )
            print(
                f"  genuine p1/p50 {np.percentile(gen, 1):.3f}/{np.median(gen):.3f}; "
                f"impostor p50/p99.9/max {np.median(imp):.3f}/{np.percentile(imp, 99.9):.3f}/"
                f"{imp.max():.3f}"
            )
            continue
        sep = tenprint_separation(rng, args.mated, args.nonmated, noise, tenprint)
        m, n = sep.mated, sep.nonmated
        print(f"{name}: fused ten-finger scores, {m.size} mated / {n.size} non-mated pairs")
        print(
            f"  mated min/p1/median {m.min():.3f}/{np.percentile(m, 1):.3f}/{np.median(m):.3f}; "
            f"non-mated median/p99.9/max {np.median(n):.3f}/{np.percentile(n, 99.9):.3f}/"
            f"{n.max():.3f}"
        )
        print(
            f"  d' {sep.d_prime():.1f}; mated at or below the best non-mated: {sep.overlap():.4f}"
        )


def generation_speed(rng: np.random.Generator, n: int = 500) -> float:
    """Mean ms to draw one master tenprint and one impression of it, as objects."""
    impress(make_master_tenprint(rng), rng)
    start = time.perf_counter()
    for _ in range(n):
        impress(make_master_tenprint(rng), rng)
    return (time.perf_counter() - start) / n * 1e3


def bulk_generation_speed(workers: int, n: int = 20_000, repeats: int = 3) -> float:
    """µs per identity (master and one impression) when filling a packed population, the
    median of ``repeats`` batches of ``n`` (the machine may be shared)."""
    make_population(0, 0, 2 * workers, workers=workers)
    times = []
    for r in range(repeats):
        start = time.perf_counter()
        make_population(r, 0, n, workers=workers)
        times.append((time.perf_counter() - start) / n * 1e6)
    return float(np.median(times))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scomm.biometrics.evaluation")
    parser.add_argument("what", choices=["speed", "eer", "tenprint"])
    parser.add_argument(
        "--matcher",
        choices=["hough", "mcc", "both"],
        default="hough",
        help="for speed, eer and tenprint: our matcher, MCC, or both on the same pairs",
    )
    parser.add_argument("--poor", action="store_true", help="use ImpressionNoise.poor()")
    parser.add_argument("--size", type=int, default=10_000, help="gallery size")
    parser.add_argument("--mated", type=int, default=500)
    parser.add_argument("--nonmated", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    noise = ImpressionNoise.poor() if args.poor else ImpressionNoise()
    rng = np.random.default_rng(args.seed)
    matchers = ("hough", "mcc") if args.matcher == "both" else (args.matcher,)
    if args.what == "speed" and args.matcher == "mcc":
        _print_mcc_speed(rng)
    elif args.what == "speed":
        print(f"numba threads: {numba.get_num_threads()}")
        print(f"master tenprint + impression: {generation_speed(rng):.3f} ms")
        for workers in sorted({1, numba.get_num_threads()}):
            us = bulk_generation_speed(workers)
            threads = "1 thread" if workers == 1 else f"{workers} threads"
            print(f"bulk population ({threads}): {us:.0f} µs per identity")
        us, n = comparison_speed(rng)
        print(f"comparison: {us:.1f} µs single-threaded (mean {n:.0f} minutiae)")
        a, b = (impress(make_master_tenprint(rng), rng).fingers[1] for _ in range(2))
        if isinstance(a, FingerTemplate) and isinstance(b, FingerTemplate):
            finger_score(a, b)
            start = time.perf_counter()
            for _ in range(200):
                finger_score(a, b)
            one = (time.perf_counter() - start) / 200 * 1e6
            print(f"finger_score (1:1, preparing both sides): {one:.0f} µs")
        if args.matcher == "both":
            _print_mcc_speed(rng)
    else:
        _print_accuracy(args.what, matchers, args, noise)
    return 0


if __name__ == "__main__":
    sys.exit(main())
