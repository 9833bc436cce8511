"""The fingerprint engine at scale: enrolment, start-up, 1:N speed, accuracy, memory.

    python bench/biometrics.py --identities N --seed S [--mated 1000] [--nonmated 1000]
        [--batch 16] [--dir DIR] [--eer-pairs 1000] [--afis-pairs 200] [--calibrate]
        [--prefilter-only M]

Prints one JSON object (recorded in docs/benchmarks.md). Protocol, as in NIST FpVTE:

- the gallery holds capture 0 of identities ``0 .. N-1`` of population ``S`` (default noise);
- a mated probe is capture 1 of an enrolled identity drawn at random; a non-mated probe is
  capture 1 of an identity ≥ N, never enrolled;
- FNIR at FPIR f: the threshold is where non-mated searches reach f, from a Gumbel fit of this
  run's best non-mated scores (a thousand searches cannot place 10⁻⁴ empirically; the fit is
  the calibration model of ``scomm.biometrics.calibration``), and a mated search fails when
  its mate is not the first candidate at or above it. ``observed`` figures count directly;
- the prefilter miss rate is the share of mated searches whose mate is not among the
  ``SHORTLIST`` identities the prefilter hands to verification; ``prefilter_mate_rank_*`` give
  the share of mates within the first 1, 2, 4 and ``SHORTLIST`` of the scan;
- searches are identifications (``k = 1``, the setting the threshold is calibrated for), with
  the screen's early gates on (``SCREEN_ACCEPT``, ``SCREEN_REJECT``): a mate stopped at the
  screen is a miss, and ``nonmated_past_screen`` is the share of non-mated searches that got
  past it at all. The best non-mated scores behind the fit come from the same non-mated probes
  searched with the gates off, since gated ones mostly return no candidate to score;
- ``afis_comparison``: our finger matchers beside the ``afis`` package's on one sample of
  ``--afis-pairs`` mated and twice as many non-mated finger pairs (``bench/afis_compare.py``).

Searching runs in a child process that only opens the stored gallery, so its resident memory
and its start-up time are what a service restarting on the gallery pays.
``ram_bytes_per_identity`` is the growth of the child's anonymous resident memory (``RssAnon``:
what the gallery needs in RAM) from just before the open to after the searches, per identity;
``mapped_bytes_per_identity`` the growth of its file-backed resident pages (``RssFile``: the
minutiae of the candidates the searches read, clean page cache the kernel reclaims under
pressure), which grows with the number of searches run, not with the gallery.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from afis_compare import compare
from rich.progress import Progress

from scomm.biometrics import mcc
from scomm.biometrics.calibration import Calibration
from scomm.biometrics.evaluation import eer, finger_pairs
from scomm.biometrics.gallery import ENGINE, SHORTLIST, Gallery
from scomm.biometrics.synthetic import ImpressionNoise, identity_impression, make_population
from scomm.biometrics.template import Tenprint

CHUNK = 20_000
FPIRS = (0.01, 0.001, 0.0001)


def build(path: Path, n: int, seed: int) -> dict[str, float]:
    """Enrol capture 0 of identities 0..n-1; generation and enrolment timed apart."""
    gen = enrol = 0.0
    with Gallery.create(path) as gallery, Progress(transient=True) as progress:
        task = progress.add_task(f"enrolling {n:,} identities", total=n)
        for lo in range(0, n, CHUNK):
            count = min(CHUNK, n - lo)
            t0 = time.perf_counter()
            pop = make_population(seed, lo, count, workers=2)
            t1 = time.perf_counter()
            gallery.enrol_packed([f"S{i:08d}" for i in range(lo, lo + count)], pop)
            t2 = time.perf_counter()
            gen, enrol = gen + t1 - t0, enrol + t2 - t1
            progress.advance(task, count)
        gallery.flush()
    return {"generate_s": round(gen, 1), "enrol_s": round(enrol, 1),
            "enrol_per_s": round(n / enrol, 1) if enrol else 0.0}


def probes(seed: int, n: int, mated: int, nonmated: int) -> tuple[list[Tenprint], list[str | None]]:
    rng = np.random.default_rng(seed + 1)
    ids = rng.choice(n, size=min(mated, n), replace=False) if n else np.zeros(0, dtype=int)
    out: list[Tenprint] = [identity_impression(seed, int(i), 1) for i in ids]
    mates: list[str | None] = [f"S{int(i):08d}" for i in ids]
    out += [identity_impression(seed, n + j, 1) for j in range(nonmated)]
    mates += [None] * nonmated
    return out, mates


def search_phase(path: Path, seed: int, n: int, mated: int, nonmated: int,
                 batch: int) -> dict[str, Any]:
    """Run in the child: open, search one by one and in batches, score against truth. The
    kernels are compiled on a throw-away gallery first, so the resident memory measured from
    just before the open to just after the searches is the gallery's own."""
    queries, mates = probes(seed, n, mated, nonmated)
    with Gallery.temporary() as warm:
        warm.enrol("warm-up", queries[0])
        warm.search(queries[0])
    anon0, file0 = resident()
    gallery = Gallery.open(path)
    startup = gallery.startup_seconds
    gallery.search(queries[0])
    latencies, lists = [], []
    t0 = time.perf_counter()
    for q in queries:
        s = time.perf_counter()
        lists.append(gallery.search(q))
        latencies.append(time.perf_counter() - s)
    single = time.perf_counter() - t0
    t0 = time.perf_counter()
    for lo in range(0, len(queries), batch):
        gallery.search_many(queries[lo:lo + batch], k=1)
    batched = time.perf_counter() - t0
    t0 = time.perf_counter()
    for lo in range(0, len(queries), batch):
        gallery.prefilter(queries[lo:lo + batch])
    prefilter = time.perf_counter() - t0
    anon, file = resident()
    mated = [(q, m) for q, m in zip(queries, mates, strict=True) if m is not None]
    _, rows = gallery.prefilter([q for q, _ in mated])
    order = [gallery.row_subjects(rr) for rr in rows]
    prefilter_rank = [
        o.index(m) + 1 if m in o else 0 for o, (_, m) in zip(order, mated, strict=True)
    ]
    strangers = [q for q, m in zip(queries, mates, strict=True) if m is None]
    gallery.gates = False
    ungated = [cl for lo in range(0, len(strangers), batch)
               for cl in gallery.search_many(strangers[lo:lo + batch], k=1)]
    gallery.gates = True
    best_non = [cl.candidates[0].score if cl.candidates else 0.0 for cl in ungated]
    past_screen = [bool(cl.candidates) for cl, m in zip(lists, mates, strict=True) if m is None]
    mate_rank, mate_score = [], []
    for cl, mate in zip(lists, mates, strict=True):
        if mate is None:
            continue
        ids = [c.subject_id for c in cl.candidates]
        rank = ids.index(mate) + 1 if mate in ids else 0
        mate_rank.append(rank)
        mate_score.append(cl.candidates[rank - 1].score if rank else 0.0)
    ms = np.array(latencies) * 1e3
    return {
        "startup_s": round(startup, 3),
        "ram_bytes_per_identity": round((anon - anon0) / max(n, 1), 1),
        "mapped_bytes_per_identity": round((file - file0) / max(n, 1), 1),
        "searches_per_s": round(len(queries) / single, 1),
        "searches_per_s_batched": round(len(queries) / batched, 1),
        "prefilter_per_s_batched": round(len(queries) / prefilter, 1),
        "latency_p50_ms": round(float(np.percentile(ms, 50)), 1),
        "latency_p99_ms": round(float(np.percentile(ms, 99)), 1),
        "nonmated_past_screen": round(float(np.mean(past_screen)), 5) if past_screen else None,
        "mate_rank": mate_rank, "mate_score": mate_score, "best_nonmated": best_non,
        "prefilter_rank": prefilter_rank,
        "threshold_shipped": gallery.threshold,
    }


def resident() -> tuple[int, int]:
    """This process's anonymous and file-backed resident bytes (Linux ``/proc``)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return (int(fields["RssAnon"].split()[0]) * 1024, int(fields["RssFile"].split()[0]) * 1024)


def accuracy(res: dict[str, Any], n: int) -> dict[str, Any]:
    ranks = np.array(res.pop("mate_rank"))
    scores = np.array(res.pop("mate_score"))
    best = np.array(res.pop("best_nonmated"))
    pre = np.array(res.pop("prefilter_rank"))
    out: dict[str, Any] = {
        "mated_searches": int(ranks.size), "nonmated_searches": int(best.size),
        "rank1": round(float(np.mean(ranks == 1)), 5) if ranks.size else None,
        "prefilter_miss_rate": round(float(np.mean(pre == 0)), 5) if pre.size else None,
        **{f"prefilter_mate_rank_le_{r}": round(float(np.mean((pre > 0) & (pre <= r))), 5)
           for r in sorted({1, 2, 4, SHORTLIST})},
        "nonmated_best_median": round(float(np.median(best)), 4),
        "nonmated_best_max": round(float(best.max()), 4),
        "mated_score_min": round(float(scores[ranks > 0].min()), 4) if (ranks > 0).any() else None,
    }
    fit = Calibration.fit(best, n, ENGINE)
    out["calibration_fit"] = {"location_1": fit.location_1, "scale": fit.scale}
    for f in FPIRS:
        t = fit.threshold(f, n)
        out[f"fnir_at_fpir_{f}"] = round(float(1 - np.mean((ranks == 1) & (scores >= t))), 5)
        out[f"threshold_at_fpir_{f}"] = round(t, 4)
    t = res["threshold_shipped"]
    out["shipped_threshold"] = round(t, 4)
    out["observed_fpir_at_shipped"] = round(float(np.mean(best >= t)), 5)
    out["observed_fnir_at_shipped"] = round(float(1 - np.mean((ranks == 1) & (scores >= t))), 5)
    out["_fit"] = fit
    return out


def single_finger_eer(seed: int, pairs: int) -> dict[str, float]:
    res = {}
    for name, noise in (("", ImpressionNoise()), ("_poor", ImpressionNoise.poor())):
        g, i = finger_pairs(np.random.default_rng(seed), pairs, 10 * pairs, noise, mcc.finger_score)
        res[f"single_finger_eer{name}"] = round(eer(g, i), 5)
    return res


def prefilter_only(total: int, path: Path, batch: int, seed: int) -> dict[str, Any]:
    """Time the scan alone at ``total`` identities: the stored gallery's real codes, then
    uniformly random codes up to ``total`` (the scan's cost does not depend on content)."""
    from scomm.biometrics import encoder, hamming
    from scomm.biometrics.gallery import IDENTITY_CODE_BYTES
    from scomm.biometrics.records import TemplateStore
    from scomm.biometrics.template import Packed

    store = TemplateStore.open(path, encoder.VERSION)
    real = len(store)
    codes = np.empty((max(total, real), IDENTITY_CODE_BYTES), dtype=np.uint8)
    codes[:real] = store.code_buffer()[0][:real]
    rng = np.random.default_rng(seed)
    for lo in range(real, total, 500_000):
        m = min(500_000, total - lo)
        codes[lo:lo + m] = rng.integers(0, 256, (m, IDENTITY_CODE_BYTES), dtype=np.uint8)
    store.close()
    alive = np.ones(codes.shape[0], dtype=bool)
    words = codes.view(np.uint64)
    queries, _ = probes(seed, real, 64, 0)
    packed = Packed.of(queries)
    q = encoder.encode_arrays(packed.minutiae, packed.counts, probe=True)
    q = q.reshape(len(queries), -1).view(np.uint64)
    hamming.scan(words, alive, codes.shape[0], q[:1], SHORTLIST)
    t0 = time.perf_counter()
    for i in range(q.shape[0]):
        hamming.scan(words, alive, codes.shape[0], q[i:i + 1], SHORTLIST)
    single = (time.perf_counter() - t0) / q.shape[0]
    t0 = time.perf_counter()
    for lo in range(0, q.shape[0], batch):
        hamming.scan(words, alive, codes.shape[0], q[lo:lo + batch], SHORTLIST)
    batched = (time.perf_counter() - t0) / q.shape[0]
    return {"prefilter_only_identities": int(codes.shape[0]),
            "prefilter_only_real_codes": real,
            "prefilter_only_ms_single": round(single * 1e3, 2),
            "prefilter_only_per_s_single": round(1 / single, 1),
            "prefilter_only_per_s_batched": round(1 / batched, 1),
            "prefilter_only_rss_bytes": psutil.Process().memory_info().rss}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--identities", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mated", type=int, default=1000)
    ap.add_argument("--nonmated", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--dir", type=Path, help="keep the gallery here (default: a temporary one)")
    ap.add_argument("--eer-pairs", type=int, default=1000)
    ap.add_argument("--afis-pairs", type=int, default=200, metavar="G",
                    help="mated pairs of the afis comparison (0 skips it)")
    ap.add_argument("--calibrate", action="store_true",
                    help="write this run's fit to src/scomm/biometrics/data/calibration.json")
    ap.add_argument("--prefilter-only", type=int, default=0, metavar="M",
                    help="also time the prefilter alone at M identities")
    ap.add_argument("--phase", choices=["all", "search"], default="all",
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase != "all":
        res = search_phase(args.dir, args.seed, args.identities, args.mated, args.nonmated,
                           args.batch)
        print(json.dumps(res))
        return 0
    with tempfile.TemporaryDirectory(prefix="scomm-bench-") as tmp:
        root = args.dir or Path(tmp)
        out: dict[str, Any] = {
            "benchmark": "biometrics", "engine": ENGINE, "identities": args.identities,
            "seed": args.seed, "cpus": os.cpu_count(), "python": platform.python_version(),
        }
        out.update(build(root / "gallery", args.identities, args.seed))
        res = _child(root / "gallery", args, "search")
        acc = accuracy(res, args.identities)
        fit = acc.pop("_fit")
        out.update(res)
        out.update(acc)
        disk = sum(f.stat().st_size for f in (root / "gallery").iterdir())
        out["disk_bytes_per_identity"] = round(disk / max(args.identities, 1), 1)
        out.update(single_finger_eer(args.seed, args.eer_pairs))
        if args.afis_pairs:
            out["afis_comparison"] = compare(args.seed, args.afis_pairs, 2 * args.afis_pairs)
        if args.prefilter_only:
            out.update(prefilter_only(args.prefilter_only, root / "gallery", args.batch, args.seed))
        if args.calibrate:
            target = Path(__file__).parents[1] / "src/scomm/biometrics/data/calibration.json"
            fit.save(target)
            out["calibration_written"] = str(target)
    print(json.dumps(out, indent=1, default=_jsonable))
    return 0


def _jsonable(x: object) -> object:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    raise TypeError(type(x))


def _child(path: Path, args: argparse.Namespace, phase: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--phase", phase, "--dir", str(path),
           "--identities", str(args.identities), "--seed", str(args.seed),
           "--mated", str(args.mated), "--nonmated", str(args.nonmated),
           "--batch", str(args.batch)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


if __name__ == "__main__":
    sys.exit(main())
