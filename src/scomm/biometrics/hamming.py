"""Exact top-k Hamming scan of identity codes: the 1:N prefilter's inner loop.

Why our own and not faiss. faiss's ``IndexBinaryFlat`` has specialised distance code for codes
of 4 to 64 bytes; an identity code is 320 bytes (ten 256-bit finger codes, and shorter ones
lose the mate under poor captures: ``docs/benchmarks.md``), which falls to its generic
computer. Measured here on a million random codes, faiss 1.15.1 took ~40-50 ms per query
alone and ~20-24 ms per query in batches of 16; this scan (hardware popcount over the code's
40 words, the queries of a batch kept in L1) ~20-25 ms and ~5-8 ms. At ten million codes it
takes 121 ms alone and 33 ms per query in batches (``docs/benchmarks.md``).

Shape of the work. Rows are split into tasks of :data:`ROWS_PER_TASK`, spread over numba's
threads; each row, once loaded, meets every query of the batch (the queries stay in L1), so a
batch of 16 reads the gallery once, not 16 times. Each task keeps each query's
``k`` best in a small sorted list (an insertion only when a row beats the current k-th, which
is rare after the first few blocks); the lists of all tasks are merged at the end. Ties are
broken by row number, so the result does not depend on the number of threads.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from scomm.biometrics._jit import njit, prange
from scomm.biometrics.mcc import _popcount

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
B = npt.NDArray[np.bool_]

WORDS = 40
"""64-bit words per identity code (320 bytes)."""

ROWS_PER_TASK = 16_384
"""Rows per thread task (5 MB of codes): many more tasks than threads, so that a thread slowed
by a neighbour on a shared machine does not hold up the scan (8 tasks at a million rows were
1.7 times slower than 64)."""

FAR = np.int64(1) << 62
"""The distance reported for an empty place on a shortlist."""


@njit()
def _insert(dist: I64, rows: I64, d: int, r: int) -> None:
    """Insert row ``r`` at distance ``d`` into the sorted ``k``-best lists (caller checked
    ``d < dist[-1]``)."""
    j = dist.shape[0] - 1
    while j > 0 and dist[j - 1] > d:
        dist[j] = dist[j - 1]
        rows[j] = rows[j - 1]
        j -= 1
    dist[j] = d
    rows[j] = r


@njit(parallel=True)
def _scan(codes: U64, alive: B, n: int, queries: U64, k: int, tasks: int) -> tuple[I64, I64]:
    nq = queries.shape[0]
    best_d = np.full((tasks, nq, k), FAR, dtype=np.int64)
    best_r = np.full((tasks, nq, k), -1, dtype=np.int64)
    size = (n + tasks - 1) // tasks
    for t in prange(tasks):
        worst = np.full(nq, FAR, dtype=np.int64)
        for r in range(t * size, min(n, (t + 1) * size)):
            if not alive[r]:
                continue
            for q in range(nq):
                d = 0
                for w in range(codes.shape[1]):
                    d += _popcount(codes[r, w] ^ queries[q, w])
                if d < worst[q]:
                    _insert(best_d[t, q], best_r[t, q], d, r)
                    worst[q] = best_d[t, q, k - 1]
    return best_d, best_r


def scan(codes: U64, alive: B, n: int, queries: U64, k: int) -> tuple[I64, I64]:
    """The ``k`` nearest live rows among the first ``n`` of ``codes`` ``(≥ n, WORDS)`` for
    each of ``queries`` ``(Q, WORDS)``: distances and rows ``(Q, k)``, nearest first, ties by
    row; row -1 (distance 2⁶²) past the number of live rows."""
    if codes.dtype != np.uint64 or queries.dtype != np.uint64:
        raise TypeError("codes and queries must be uint64 arrays")
    if codes.shape[1:] != (WORDS,) or queries.shape[1:] != (WORDS,):
        raise ValueError(f"codes and queries must have {WORDS} words per row")
    if k < 1:
        raise ValueError(f"k must be ≥ 1, got {k}")
    if not 0 <= n <= min(codes.shape[0], alive.shape[0]):
        raise ValueError(f"n = {n}, but codes hold {codes.shape[0]} rows, flags {alive.shape[0]}")
    tasks = max(1, min(256, n // ROWS_PER_TASK))
    best_d, best_r = _scan(codes, alive, n, np.ascontiguousarray(queries), k, tasks)
    nq = queries.shape[0]
    dist = best_d.transpose(1, 0, 2).reshape(nq, -1)
    rows = best_r.transpose(1, 0, 2).reshape(nq, -1)
    key = np.where(rows < 0, np.iinfo(np.int64).max, rows)
    order = np.lexsort((key, dist), axis=1)[:, :k]
    return np.take_along_axis(dist, order, 1), np.take_along_axis(rows, order, 1)
