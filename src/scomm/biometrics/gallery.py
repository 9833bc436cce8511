"""Exhaustive in-memory 1:N tenprint search over packed arrays.

Why staged. A full ten-finger comparison costs ~10 × 20 µs, so scoring every identity of a
10,000-identity gallery on all fingers would take ~1 s on two cores. Instead:

1. **Prefilter** every identity, in a numba ``prange`` loop, on two fingers: the first two of
   :data:`PREFILTER_ORDER` that both the probe and the identity have (the index fingers unless
   one is missing: they are the most reliably captured, and the ones two-finger searches use).
   It uses the matcher's quick mode (``matcher.QUICK``): the reference contributes the edges of
   its 22 most central minutiae, and the score counts the Hough peak's correspondences that
   agree with the fitted transform, ~4 µs per finger instead of ~20.
2. **Re-score** the best :data:`RESCORE` identities of the prefilter on all ten fingers with
   the full matcher and fuse (:func:`~scomm.biometrics.matcher.fuse`).

Every identity is scored in stage 1, so the search is exhaustive; stage 2 only orders the
survivors. A mate is lost only if :data:`RESCORE` non-mates out-rank it in the prefilter.

Storage is one row per identity in arrays grown by doubling (amortised O(1) per ``add``):
per finger, minutiae padded to 128, each minutia's four nearest neighbours, and the prefilter
edges: ~19 KB per identity, 190 MB for 10,000. The full reference edges for stage 2 are rebuilt
from the stored neighbour lists (~1 µs per finger) rather than stored (~25 KB per identity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from scomm.biometrics.matcher import (
    MAX_QUICK_EDGES,
    REF_NEIGHBOURS,
    GalleryArrays,
    Probe,
    Stacked,
    _fill_row,
    _prefilter,
    _probe_index,
    _rescore,
    fuse,
)
from scomm.biometrics.template import FINGER_POSITIONS, MAX_MINUTIAE, Tenprint
from scomm.domain.errors import InvalidInput

PREFILTER_ORDER = (2, 7, 1, 6, 3, 8, 4, 9, 5, 10)
"""Finger positions the prefilter prefers, best first: index fingers, then thumbs, middle, ring,
little. For each identity the first two that both the probe and the identity have are used."""

RESCORE = 20
"""Identities re-scored on ten fingers. At 10,000 identities the mate's prefilter rank was 1 in
all 400 default-noise searches measured (its margin over the best non-mate: 13 correspondences
or more in 99 % of them); under ``ImpressionNoise.poor()`` it exceeded 1 in 4 of 300 and 20 in
one (rank 22). Re-scoring costs ~1 ms per 10 identities, so 20 is a cheap safety margin."""

IDENTIFY_RESCORE = 5
"""Identities re-scored when only the best one matters (:meth:`Gallery.identify`, the booking
searches of the flow). The ten-finger comparisons dominate a search of a small gallery (~0.35
ms of CPU per identity), and with default captures the mate ranked first in the prefilter in
every calibration search, so five keeps a margin at a quarter of the cost. Under
``ImpressionNoise.poor()`` 1 mate in 300 ranked below 5th in the prefilter and was missed.
Fewer re-scored identities can only lower the best non-mated score, so FPIR stays within the
calibration of :data:`DEFAULT_THRESHOLD`."""

DEFAULT_THRESHOLD = 0.68
"""Fused-score threshold for :meth:`Gallery.identify`, calibrated for FPIR ≈ 0.1 % at 10,000
identities with the default impression noise.

How: ``python -m scomm.biometrics.evaluation calibrate`` (seed 2024) enrolled 10,000 synthetic
identities and ran 3,000 non-mated searches with people never enrolled. The best fused score of
a search is the largest of 10,000 impostor scores, so it follows an extreme-value law; a Gumbel
fit (method of moments) to those 3,000 maxima puts its 99.9 % quantile, the FPIR = 0.1 % point,
at 0.675, rounded to 0.68. Observed: median best non-mated score 0.42, 99th percentile 0.56,
largest 0.72; 2 of 3,000 searches (0.07 %) reached 0.68.

FNIR at this threshold: 500 mated searches (default noise) all ranked the mate first, with fused
scores of at least 3.79 (median 5.11), so FNIR was 0 of 500 (< 0.6 % at 95 % confidence); the
gap to the non-mates is wide enough that the threshold could move by a factor of five without
changing that. Under ``ImpressionNoise.poor()`` see ``evaluation`` (``search --poor``).
"""

_NO_FINGER = -1
_INITIAL_CAPACITY = 64


@dataclass(frozen=True)
class Candidate:
    """One identity on a candidate list: its fused score and the ten finger scores behind it."""

    subject_id: str
    score: float
    finger_scores: tuple[float, ...]


# --- gallery --------------------------------------------------------------------------------


def _prepare(t: Tenprint) -> Stacked:
    """Prepare every finger of ``t`` for the probe role (a missing one as an empty probe)."""
    empty = np.zeros((0, 4), dtype=np.int16)
    parts: list[Probe] = []
    for f in t.fingers:
        m = empty if f is None else np.array(f.minutiae)
        parts.append((m, *_probe_index(m, m.shape[0])))
    off = np.zeros((len(parts) + 1, 7), dtype=np.int64)
    for i, p in enumerate(parts):
        off[i + 1] = off[i] + [a.shape[0] for a in p]
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        np.concatenate([p[3] for p in parts]),
        np.concatenate([p[4] for p in parts]),
        np.concatenate([p[5] for p in parts]),
        np.concatenate([p[6] for p in parts]),
        off,
    )


def _arrays(capacity: int) -> GalleryArrays:
    return (
        np.zeros((capacity, FINGER_POSITIONS, MAX_MINUTIAE + 1, 4), dtype=np.int16),
        np.full((capacity, FINGER_POSITIONS), _NO_FINGER, dtype=np.int16),
        np.zeros((capacity, FINGER_POSITIONS, MAX_QUICK_EDGES, 6), dtype=np.uint8),
        np.zeros((capacity, FINGER_POSITIONS), dtype=np.int16),
        np.full(
            (capacity, FINGER_POSITIONS, MAX_MINUTIAE + 1, REF_NEIGHBOURS), 255, dtype=np.uint8
        ),
    )


def _grow(old: GalleryArrays, n: int, capacity: int) -> GalleryArrays:
    new = _arrays(capacity)
    new[0][:n] = old[0][:n]
    new[1][:n] = old[1][:n]
    new[2][:n] = old[2][:n]
    new[3][:n] = old[3][:n]
    new[4][:n] = old[4][:n]
    return new


class Gallery:
    """An enrolled population searchable 1:N by tenprint (see the module docstring).

    ``threshold`` is the fused score :meth:`identify` requires; ``None`` takes
    :data:`DEFAULT_THRESHOLD`. Not thread-safe.
    """

    def __init__(self, threshold: float | None = None) -> None:
        self.threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
        if not math.isfinite(self.threshold) or self.threshold < 0:
            raise InvalidInput("threshold", f"must be a finite number ≥ 0, got {threshold!r}")
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}
        self._gal = _arrays(_INITIAL_CAPACITY)

    @property
    def capacity(self) -> int:
        return int(self._gal[0].shape[0])

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, subject_id: object) -> bool:
        return subject_id in self._rows

    def add(self, subject_id: str, tenprint: Tenprint) -> None:
        """Enrol ``tenprint`` under ``subject_id``, replacing what that id held before."""
        if not isinstance(subject_id, str) or not subject_id:
            raise InvalidInput("subject_id", f"must be a non-empty string, got {subject_id!r}")
        if not isinstance(tenprint, Tenprint):
            raise InvalidInput("tenprint", f"expected a Tenprint, got {type(tenprint).__name__}")
        row = self._rows.get(subject_id)
        if row is None:
            if len(self._ids) == self.capacity:
                self._gal = _grow(self._gal, len(self._ids), 2 * self.capacity)
            row = len(self._ids)
            self._ids.append(subject_id)
            self._rows[subject_id] = row
        mins, counts, _, nquick, nbrs = self._gal
        mins[row] = 0
        counts[row] = _NO_FINGER
        nquick[row] = 0
        nbrs[row] = 255
        for f, finger in enumerate(tenprint.fingers):
            if finger is not None:
                _fill_row(self._gal, row, f, np.array(finger.minutiae))

    def remove(self, subject_id: str) -> None:
        """Withdraw ``subject_id`` (the last row moves into its place); unknown ids are an error."""
        row = self._rows.pop(subject_id, None)
        if row is None:
            raise InvalidInput("subject_id", f"{subject_id!r} is not enrolled")
        last = len(self._ids) - 1
        if row != last:
            moved = self._ids[last]
            self._ids[row] = moved
            self._rows[moved] = row
            for a in self._gal:
                a[row] = a[last]
        self._ids.pop()
        self._gal[1][last] = _NO_FINGER

    def search(self, probe: Tenprint, k: int = 5, rescore: int = RESCORE) -> list[Candidate]:
        """The ``k`` best identities for ``probe``, best first (fused score, then id).

        ``rescore`` identities from the top of the prefilter are scored on ten fingers.
        """
        if not isinstance(probe, Tenprint):
            raise InvalidInput("probe", f"expected a Tenprint, got {type(probe).__name__}")
        if k < 1:
            raise InvalidInput("k", f"must be ≥ 1, got {k}")
        n = len(self._ids)
        present = [p for p in PREFILTER_ORDER if probe.fingers[p - 1] is not None]
        if n == 0 or not present:
            return []
        stack = _prepare(probe)
        order = np.array([p - 1 for p in present], dtype=np.int64)
        threads = numba.get_num_threads()
        g = self._gal
        gal = (g[0][:n], g[1][:n], g[2][:n], g[3][:n], g[4][:n])
        pre = _prefilter(stack, order, gal, min(n, 4 * threads))
        keep = min(n, max(rescore, k))
        rows = np.argpartition(-pre, keep - 1)[:keep] if keep < n else np.arange(n)
        scores = _rescore(stack, rows.astype(np.int64), gal, min(keep, threads))
        cands = [
            Candidate(self._ids[int(r)], fuse(s), tuple(float(x) for x in s))
            for r, s in zip(rows, scores, strict=True)
        ]
        cands.sort(key=lambda c: (-c.score, c.subject_id))
        return cands[:k]

    def identify(self, probe: Tenprint) -> Candidate | None:
        """The best candidate if its fused score reaches :attr:`threshold`, else ``None``."""
        best = self.search(probe, k=1, rescore=IDENTIFY_RESCORE)
        if best and best[0].score >= self.threshold:
            return best[0]
        return None
