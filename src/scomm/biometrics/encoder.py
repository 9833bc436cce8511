"""Fixed-length binary prefilter codes: 256 bits per finger, exact Hamming as the 1:N pre-score.

What it is for. The 1:N engine (:mod:`~scomm.biometrics.gallery`) concatenates an identity's
ten finger codes into 320 bytes and scans every enrolled identity by exact Hamming distance
(:mod:`~scomm.biometrics.hamming`; this module's rank measurements, which run over codes of
several lengths, use faiss's flat binary index); the summed distance is a ten-finger score
fusion at memory-bandwidth speed, and only the nearest identities go on to MCC verification
(reference/biometrics.md §5.3). So the code has to put the mate among the few nearest of a
million identities, be small (the scan costs its size), and be cheap to compute (enrolment
encodes ten million fingers for a 1M gallery).

Method: a bag of minutia pairs, learned linear projection, fixed-weight ranking.

1. **Pair histogram.** For every pair of minutiae ``i, j`` between :data:`D_MIN` and
   :data:`D_MAX` pixels apart, and in both directions, take the distance ``d``, the radial
   angle ``α`` of ``j`` seen from ``i`` relative to ``i``'s direction, and the direction
   difference ``β = θj - θi``. All three are invariant to rotating and shifting the print, and
   none needs an alignment or a correspondence, which no fixed-length code can afford. Each
   ordered pair adds a unit of mass to a :data:`DIST_BINS` x :data:`ANGLE_BINS` x
   :data:`ANGLE_BINS` histogram, spread trilinearly (linearly in ``d``, circularly in the two
   angles) so that the extraction jitter of a few pixels and degrees moves mass between
   neighbouring bins instead of flipping it. Pairs are local (``D_MAX`` is about 13 ridge
   periods), so non-linear distortion, which grows with distance, changes them little, and a
   missed or spurious minutia changes only its own pairs: the histogram degrades in
   proportion to the noise rather than breaking (nearest-neighbour descriptors change when one
   neighbour is missing). Types are ignored: they flip in 10-20 % of captures.
2. **Normalisation.** Square roots of the bin masses (a Hellinger map: a dense cluster of
   minutiae should not dominate), then unit L2 norm, so that a partial print with half the
   pairs has the same scale as a full roll.
3. **Projection.** A matrix learned on our own synthetic captures (``python -m
   scomm.biometrics.encoder train``): linear discriminant analysis of the within-finger scatter
   (two captures of one master finger) against the total scatter, keeping the 256 most
   discriminant directions, each scaled to unit within-finger variance, then a seeded random
   rotation so that every output carries a similar share of the information (ranking in step 4
   treats the outputs alike). The population mean is subtracted first.
4. **Fixed-weight binarisation.** The 64 largest of outputs 0..127 set their bits, and the 64
   largest of outputs 128..255 theirs: every code has exactly 64 bits set in each half
   (bytes 0-15 and 16-31). Ranking rather than signs makes each code's weight constant, which
   is what makes the missing-finger codes below neutral, and it removes the per-code offset
   that a sign threshold would turn into bias.

Missing fingers (count -1). A missing finger must neither reward nor penalise any candidate
relative to another, otherwise a probe missing a finger would prefer gallery identities that
miss it too (or the reverse). With 64 + 64 bits set in every code, the all-zero pattern
:data:`MISSING_PROBE` is at Hamming distance 64 + 64 = 128 from *every* code, and the pattern
:data:`MISSING_GALLERY` (first half all ones, second half zeros) at (128 - 64) + 64 = 128 from
every code; the two are 128 apart as well. So whichever side misses a finger, that finger
adds exactly 128 to every candidate's distance: the impostor mean, the same for all. This
needs the encoder to know the side (one pattern cannot be 128 from itself), hence ``probe``
in :func:`encode_arrays` and :func:`encode_tenprint`: gallery codes are the default, and a
search must pass ``probe=True``. A finger captured with no usable pairs (0-1 minutiae) is
present: it gets the code of an empty histogram, the same for everyone, which is weak but
genuine evidence, as :class:`~scomm.biometrics.template.Tenprint` asks.

Measured (``python -m scomm.biometrics.encoder measure --identities 100000``, a shared
2-core VM, medians of 7 runs): encode 31 µs per finger on one thread, 23 µs on two (histogram
~24 µs, projection ~5, ranking ~1.5); per finger, genuine / impostor Hamming 93.0 ± 10.8 /
127.8 ± 8.4 (d' 3.6) under default captures, 105.9 ± 10.3 / 128.0 ± 8.3 (d' 2.4) under
``poor()``; at 100,000 identities every one of 1,000 mated ten-finger searches ranks its mate
first, under default and poor captures alike. Four fingers (thumbs, index) also rank every
mate first with default captures, but under ``poor()`` only 95.8 % reach the top 100.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from scomm.biometrics._jit import njit, prange
from scomm.biometrics.synthetic import ImpressionNoise, make_population
from scomm.biometrics.template import (
    ANGLE_UNITS,
    FINGER_POSITIONS,
    MAX_MINUTIAE,
    FingerTemplate,
    Tenprint,
)
from scomm.domain.errors import InvalidInput

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
I16 = npt.NDArray[np.int16]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

CODE_BITS = 256
CODE_BYTES = CODE_BITS // 8
HALF_BITS = CODE_BITS // 2
HALF_WEIGHT = HALF_BITS // 2
"""Bits set in each half of a code: the fixed weight that makes missing fingers neutral."""

VERSION = "pairhist-lda256-v1"
"""Names the code: stores record it, and codes of another version are not comparable."""

D_MIN = 15.0
"""Shortest pair distance in pixels: minutiae are ≥ 1.6 ridge periods (~14 px) apart, and
closer pairs are mostly extraction artefacts."""

D_MAX = 120.0
"""Longest pair distance in pixels (~13 ridge periods). Longer pairs add discrimination
(150 px: d' 3.9 against 3.7 per finger) but cost time quadratically and suffer more from
distortion and partial contact."""

DIST_BINS = 7
"""Distance bin centres from D_MIN to D_MAX, every 17.5 px: several jitter sigmas wide."""

ANGLE_BINS = 12
"""Bins per turn for α and β (30°): wider than the 6-9° direction jitter, and finer bins
measured no better (16 bins: d' 3.67 against 3.72)."""

FEATURES = DIST_BINS * ANGLE_BINS * ANGLE_BINS

TRAIN_SEED = 20_240_601
"""Population seed of the training captures; evaluation uses other seeds."""

TRAIN_IDENTITIES = 6000
"""Training identities: 60,000 finger pairs, ~60 per feature, enough for stable scatter."""

_ROTATION_SEED = 7
_RIDGE = 1e-3
"""Ridge added to the within-finger scatter, relative to its mean eigenvalue, so that bins no
pair ever reaches (or always reaches) do not make the LDA singular."""

_DATA = Path(__file__).with_name("data") / "encoder_projection.npy"
PROJECTION_SHA256 = "acaa82d1ee6b5ebcb7eca5ce79e5c67c0cdaa20acc8415238c55654e0154c36d"
"""sha256 of :data:`_DATA` as ``train`` writes it; checked when loaded, so a hand-edited or
truncated matrix fails loudly instead of quietly changing every code."""

_SPAN = int(D_MAX)
_D_STEP = (D_MAX - D_MIN) / (DIST_BINS - 1)
_A_SCALE = ANGLE_BINS / ANGLE_UNITS


def _pair_table() -> F32:
    """Distance-bin coordinate and radial angle of every integer offset ``dx`` in ±D_MAX,
    ``dy`` in 0..D_MAX (image y, pointing down): coordinates are integers, so a lookup
    replaces the sqrt and atan2 of every pair exactly. The angle is in α-bin units (ISO sense,
    y up) in [0, ANGLE_BINS); offsets outside the distance range get coordinate -1."""
    dx = np.arange(-_SPAN, _SPAN + 1, dtype=np.float64)[None, :]
    dy = np.arange(0, _SPAN + 1, dtype=np.float64)[:, None]
    d = np.hypot(dx, dy)
    coord = np.clip((d - D_MIN) / _D_STEP, 0.0, DIST_BINS - 1 - 1e-6)
    coord[(d < D_MIN) | (d > D_MAX)] = -1.0
    phi = np.mod(np.arctan2(-dy, dx) * (ANGLE_BINS / (2 * math.pi)), ANGLE_BINS)
    return np.ascontiguousarray(np.stack([coord, phi], axis=-1), dtype=np.float32).ravel()


def _direction_table() -> tuple[I64, F32]:
    """β-bin index and upper weight of each direction difference ``(θj - θi) mod 256``."""
    fb = np.arange(ANGLE_UNITS) * _A_SCALE
    b0 = np.floor(fb).astype(np.int64)
    return b0, (fb - b0).astype(np.float32)


_TABLE = _pair_table()
_B0, _WB = _direction_table()
_A_UNIT = np.float32(_A_SCALE)


@njit()
def _spread(h: F64, fd: float, fa: float, db: int, b0s: I64, wbs: F32) -> None:
    """Add one ordered pair's unit mass to the 8 bins around distance coordinate ``fd``, α-bin
    coordinate ``fa`` in [0, 2 ANGLE_BINS) and direction difference ``db`` (ISO units,
    0..255)."""
    d0 = int(fd)
    wd1 = fd - d0
    a0 = int(fa)
    wa1 = fa - a0
    if a0 >= ANGLE_BINS:
        a0 -= ANGLE_BINS
    a1 = a0 + 1 if a0 < ANGLE_BINS - 1 else 0
    b0 = b0s[db]
    wb1 = wbs[db]
    b1 = b0 + 1 if b0 < ANGLE_BINS - 1 else 0
    wb0 = 1.0 - wb1
    base = d0 * ANGLE_BINS * ANGLE_BINS
    for k in range(2):
        w = wd1 if k else 1.0 - wd1
        r0 = base + a0 * ANGLE_BINS
        r1 = base + a1 * ANGLE_BINS
        wa0 = w * (1.0 - wa1)
        wa = w * wa1
        h[r0 + b0] += wa0 * wb0
        h[r0 + b1] += wa0 * wb1
        h[r1 + b0] += wa * wb0
        h[r1 + b1] += wa * wb1
        base += ANGLE_BINS * ANGLE_BINS


@njit()
def _histogram(m: I16, n: int, table: F32, b0s: I64, wbs: F32, h: F64, out: F32) -> None:
    """The normalised pair histogram of the ``n`` minutiae ``m`` into ``h`` (:data:`FEATURES`).
    In raster order (what extractors and our generator emit) the inner loop stops once the
    rows are D_MAX apart; any other order is handled, only slower."""
    h[:] = 0.0
    if n < 2:
        out[:] = 0.0
        return
    raster = True
    for i in range(1, n):
        if m[i, 1] < m[i - 1, 1]:
            raster = False
    for i in range(n):
        for j in range(i + 1, n):
            dy = np.int64(m[j, 1]) - np.int64(m[i, 1])
            lo, hi = i, j
            if dy < 0:
                lo, hi, dy = j, i, -dy
            elif dy > _SPAN:
                if raster:
                    break
                continue
            if dy > _SPAN:
                continue
            dx = np.int64(m[hi, 0]) - np.int64(m[lo, 0])
            if dx > _SPAN or dx < -_SPAN:
                continue
            cell = 2 * (dy * (2 * _SPAN + 1) + dx + _SPAN)
            fd = table[cell]
            if fd < 0.0:
                continue
            phi = table[cell + 1]
            a_lo = np.int64(m[lo, 2])
            a_hi = np.int64(m[hi, 2])
            # α from lo: φ - θlo; from hi: φ + π - θhi; shifted by a turn to stay positive.
            _spread(h, fd, phi + (ANGLE_UNITS - a_lo) * _A_UNIT, int((a_hi - a_lo) & 255), b0s, wbs)
            _spread(
                h,
                fd,
                phi + (ANGLE_UNITS + ANGLE_UNITS // 2 - a_hi) % ANGLE_UNITS * _A_UNIT,
                int((a_lo - a_hi) & 255),
                b0s,
                wbs,
            )
    s = 0.0
    for b in range(h.shape[0]):
        s += h[b]
    inv = 1.0 / math.sqrt(s) if s > 0.0 else 0.0
    for b in range(h.shape[0]):
        out[b] = math.sqrt(h[b]) * inv


@njit(parallel=True)
def _histograms(
    minutiae: I16, counts: I16, table: F32, b0s: I64, wbs: F32, out: F32
) -> None:
    """Histograms of every present finger of ``(rows, 10, 128, 4)`` into ``(rows, 10, F)``;
    missing fingers get the empty histogram (their codes are set in ``_binarise``)."""
    for r in prange(minutiae.shape[0]):
        h = np.empty(FEATURES)
        for f in range(FINGER_POSITIONS):
            n = counts[r, f]
            _histogram(minutiae[r, f], max(n, 0), table, b0s, wbs, h, out[r, f])


@njit()
def _top_half(p: F32, lo: int, code: U8, keys: I32, ranks: I32) -> None:
    """Set the bits of the :data:`HALF_WEIGHT` largest of ``p[lo : lo + HALF_BITS]``, exactly
    that many. Each value becomes a distinct int32 key (its float bits made monotone, the low
    7 mantissa bits replaced by its index, so near-ties at 2^-16 resolve to the higher index)
    and its rank is counted against all 128 keys: 16K comparisons, but branch-free and
    vectorised they cost less than a selection, whose data-dependent branches mispredict."""
    bits = p[lo : lo + HALF_BITS].view(np.int32)
    for k in range(HALF_BITS):
        b = bits[k]
        if b < 0:
            b ^= 0x7FFFFFFF
        keys[k] = (b & ~np.int32(HALF_BITS - 1)) | k
    ranks[:] = 0
    for j in range(HALF_BITS):
        v = keys[j]
        for k in range(HALF_BITS):
            ranks[k] += np.int32(v > keys[k])
    for k in range(HALF_BITS):
        if ranks[k] < HALF_WEIGHT:
            i = lo + k
            code[i >> 3] |= np.uint8(0x80 >> (i & 7))


@njit()
def _code(p: F32, missing: U8, absent: bool, code: U8, keys: I32, ranks: I32) -> None:
    """One finger's code (a function of its own: array statements written inline in a
    ``prange`` body become nested parallel loops, which cost more than the selection)."""
    if absent:
        code[:] = missing
        return
    code[:] = 0
    _top_half(p, 0, code, keys, ranks)
    _top_half(p, HALF_BITS, code, keys, ranks)


@njit(parallel=True)
def _binarise(proj: F32, counts: I16, missing: U8, out: U8) -> None:
    """Codes of ``(rows, 10, 256)`` projections into ``(rows, 10, 32)``, bits in
    ``np.packbits`` order; missing fingers get ``missing``."""
    for r in prange(proj.shape[0]):
        keys = np.empty(HALF_BITS, dtype=np.int32)
        ranks = np.empty(HALF_BITS, dtype=np.int32)
        for f in range(FINGER_POSITIONS):
            _code(proj[r, f], missing, counts[r, f] < 0, out[r, f], keys, ranks)


MISSING_PROBE: U8 = np.zeros(CODE_BYTES, dtype=np.uint8)
"""A probe's missing finger: 128 from every code (64 + 64 set bits) and from MISSING_GALLERY."""

MISSING_GALLERY: U8 = np.concatenate(
    [np.full(CODE_BYTES // 2, 0xFF, dtype=np.uint8), np.zeros(CODE_BYTES // 2, dtype=np.uint8)]
)
"""An enrolled identity's missing finger: 128 from every code and from MISSING_PROBE."""

MISSING_PROBE.setflags(write=False)
MISSING_GALLERY.setflags(write=False)


# --- the learned projection ------------------------------------------------------------------


def _load_projection() -> tuple[F32, F32]:
    """The shipped projection ``(FEATURES, 256)`` and its offset (the projected mean)."""
    raw = _DATA.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != PROJECTION_SHA256:
        raise RuntimeError(
            f"{_DATA}: sha256 {digest} is not the trained matrix's {PROJECTION_SHA256}; "
            "rerun `python -m scomm.biometrics.encoder train`"
        )
    a = np.load(_DATA)
    return np.ascontiguousarray(a[:FEATURES]), np.ascontiguousarray(a[FEATURES])


_projection: tuple[F32, F32] | None = None


def projection() -> tuple[F32, F32]:
    """The projection matrix and offset, loaded once (the first encode pays ~1 ms)."""
    global _projection  # noqa: PLW0603  (a lazily read, immutable module constant)
    if _projection is None:
        _projection = _load_projection()
    return _projection


def histograms(minutiae: I16, counts: I16) -> F32:
    """The normalised pair histograms ``(rows, 10, FEATURES)`` of packed tenprints: the
    features the projection is trained on (missing fingers are zero)."""
    _check(minutiae, counts)
    out = np.empty((minutiae.shape[0], FINGER_POSITIONS, FEATURES), dtype=np.float32)
    _histograms(minutiae, counts, _TABLE, _B0, _WB, out)
    return out


def codes_of(features: F32, counts: I16, w: F32, offset: F32, *, probe: bool = False) -> U8:
    """Codes ``(rows, 10, 32)`` of histograms under projection ``w``, ``offset``: split from
    :func:`encode_arrays` so that the trainer can score a candidate matrix."""
    rows = features.shape[0]
    proj = features.reshape(-1, FEATURES) @ w
    proj -= offset
    out = np.empty((rows, FINGER_POSITIONS, CODE_BYTES), dtype=np.uint8)
    missing = MISSING_PROBE if probe else MISSING_GALLERY
    _binarise(proj.reshape(rows, FINGER_POSITIONS, CODE_BITS), counts, missing, out)
    return out


_CHUNK = 4096
"""Rows encoded per pass: bounds the float histograms (16 MB a chunk) at any batch size."""


def encode_arrays(minutiae: I16, counts: I16, *, probe: bool = False) -> U8:
    """Codes ``(rows, 10, 32)`` of packed tenprints (``synthetic.Population`` /
    ``template.Packed`` layout, count -1 = missing finger). ``probe`` selects the
    missing-finger pattern: enrolled identities use :data:`MISSING_GALLERY`, search probes
    :data:`MISSING_PROBE`, so that a missing finger costs every candidate the same 128."""
    _check(minutiae, counts)
    w, offset = projection()
    rows = minutiae.shape[0]
    out = np.empty((rows, FINGER_POSITIONS, CODE_BYTES), dtype=np.uint8)
    feats = np.empty((min(rows, _CHUNK), FINGER_POSITIONS, FEATURES), dtype=np.float32)
    for lo in range(0, rows, _CHUNK):
        hi = min(rows, lo + _CHUNK)
        f = feats[: hi - lo]
        _histograms(minutiae[lo:hi], counts[lo:hi], _TABLE, _B0, _WB, f)
        out[lo:hi] = codes_of(f, counts[lo:hi], w, offset, probe=probe)
    return out


def encode_tenprint(t: Tenprint, *, probe: bool = False) -> U8:
    """The ``(10, 32)`` codes of a tenprint; ``None`` slots get the missing-finger pattern."""
    if not isinstance(t, Tenprint):
        raise InvalidInput("tenprint", f"expected a Tenprint, got {type(t).__name__}")
    m = np.zeros((1, FINGER_POSITIONS, MAX_MINUTIAE + 1, 4), dtype=np.int16)
    c = np.full((1, FINGER_POSITIONS), -1, dtype=np.int16)
    for f, finger in enumerate(t.fingers):
        if finger is not None:
            m[0, f, : len(finger)] = finger.minutiae
            c[0, f] = len(finger)
    codes: U8 = encode_arrays(m, c, probe=probe)[0]
    return codes


def encode_finger(t: FingerTemplate) -> U8:
    """The ``(32,)`` code of one finger."""
    if not isinstance(t, FingerTemplate):
        raise InvalidInput("template", f"expected a FingerTemplate, got {type(t).__name__}")
    m = np.zeros((1, FINGER_POSITIONS, MAX_MINUTIAE + 1, 4), dtype=np.int16)
    c = np.full((1, FINGER_POSITIONS), -1, dtype=np.int16)
    m[0, 0, : len(t)] = t.minutiae
    c[0, 0] = len(t)
    code: U8 = encode_arrays(m, c)[0, 0]
    return code


def _check(minutiae: Any, counts: Any) -> None:
    """Refuse arrays the kernels would misread (they index without bounds checks). Minutia
    values need no check: any offset outside the pair table is skipped and angles wrap."""
    for name, a, dtype in (("minutiae", minutiae, np.int16), ("counts", counts, np.int16)):
        if not isinstance(a, np.ndarray):
            raise InvalidInput(name, f"expected a numpy array, got {type(a).__name__}")
        if a.dtype != dtype:
            raise InvalidInput(name, f"expected dtype {np.dtype(dtype)}, got {a.dtype}")
    shape = (FINGER_POSITIONS, MAX_MINUTIAE + 1, 4)
    if minutiae.ndim != 4 or minutiae.shape[1:] != shape:
        raise InvalidInput("minutiae", f"expected shape (n, {', '.join(map(str, shape))}), "
                           f"got {minutiae.shape}")
    if counts.shape != (minutiae.shape[0], FINGER_POSITIONS):
        raise InvalidInput(
            "counts",
            f"expected shape ({minutiae.shape[0]}, {FINGER_POSITIONS}), got {counts.shape}",
        )
    if counts.size and (int(counts.min()) < -1 or int(counts.max()) > MAX_MINUTIAE):
        raise InvalidInput("counts", f"finger counts must be -1..{MAX_MINUTIAE}")


# --- training ---------------------------------------------------------------------------------


def _captures(
    seed: int, start: int, count: int, noise: ImpressionNoise, capture: int, workers: int
) -> tuple[F32, I16]:
    """Histograms and counts of one capture of identities ``start .. start + count - 1``,
    generated in chunks so that the ~10 KB per identity of minutiae never pile up."""
    feats = np.empty((count, FINGER_POSITIONS, FEATURES), dtype=np.float32)
    counts = np.empty((count, FINGER_POSITIONS), dtype=np.int16)
    for lo in range(0, count, _CHUNK):
        n = min(_CHUNK, count - lo)
        pop = make_population(seed, start + lo, n, noise, capture=capture, workers=workers)
        _histograms(pop.minutiae, pop.counts, _TABLE, _B0, _WB, feats[lo : lo + n])
        counts[lo : lo + n] = pop.counts
    return feats, counts


def train(identities: int = TRAIN_IDENTITIES, workers: int = 2) -> F32:
    """The projection ``(FEATURES + 1, 256)`` float32 (last row: the projected mean), from
    captures 0 and 1 of identities ``0 .. identities - 1`` of :data:`TRAIN_SEED`. Capture 1
    is a poor capture (:meth:`ImpressionNoise.poor`) for every other identity, so that the
    within-finger scatter covers the bookings the engine finds hardest.

    Deterministic: seeded data, float64 scatter sums in a fixed order, LAPACK's symmetric
    generalised eigensolver, eigenvector signs fixed by their largest entry, and a seeded
    rotation."""
    default, poor = ImpressionNoise(), ImpressionNoise.poor()
    a, ca = _captures(TRAIN_SEED, 0, identities, default, 0, workers)
    b = np.empty_like(a)
    cb = np.empty_like(ca)
    half = (identities + 1) // 2
    b[:half], cb[:half] = _captures(TRAIN_SEED, 0, half, default, 1, workers)
    b[half:], cb[half:] = _captures(TRAIN_SEED, half, identities - half, poor, 1, workers)
    both = (ca >= 0) & (cb >= 0)
    x = a[both].astype(np.float64)
    y = b[both].astype(np.float64)
    del a, b
    mean = (x.sum(axis=0) + y.sum(axis=0)) / (2 * len(x))
    diff = x - y
    within = diff.T @ diff / (2 * len(diff))
    x -= mean
    y -= mean
    total = (x.T @ x + y.T @ y) / (2 * len(x))
    within += _RIDGE * np.trace(within) / FEATURES * np.eye(FEATURES)
    from scipy.linalg import eigh

    _, vectors = eigh(total, within, subset_by_index=[FEATURES - CODE_BITS, FEATURES - 1])
    vectors = vectors[:, ::-1]
    signs = np.sign(vectors[np.abs(vectors).argmax(axis=0), np.arange(CODE_BITS)])
    vectors *= signs
    rng = np.random.default_rng(_ROTATION_SEED)
    rotation, _ = np.linalg.qr(rng.standard_normal((CODE_BITS, CODE_BITS)))
    w = vectors @ rotation
    out = np.empty((FEATURES + 1, CODE_BITS), dtype=np.float32)
    out[:FEATURES] = w
    out[FEATURES] = mean @ w
    return out


# --- measurement ------------------------------------------------------------------------------

EVAL_SEED = 1
"""Population seed of the measurements (not :data:`TRAIN_SEED`: no identity is shared)."""

FOUR_FINGERS = (1, 2, 6, 7)
"""Thumbs and index fingers: the 128-byte identity code the engine may choose instead."""


def _hamming(a: U8, b: U8) -> I64:
    """Bitwise distances of codes ``(..., bytes)``, summed over the last axis."""
    d: I64 = np.unpackbits(np.bitwise_xor(a, b), axis=-1).sum(axis=-1, dtype=np.int64)
    return d


def _summary(genuine: I64, impostor: I64) -> dict[str, float]:
    g, i = genuine.astype(np.float64), impostor.astype(np.float64)
    spread = math.sqrt((g.var() + i.var()) / 2)
    return {
        "genuine_mean": round(float(g.mean()), 2),
        "genuine_sd": round(float(g.std()), 2),
        "impostor_mean": round(float(i.mean()), 2),
        "impostor_sd": round(float(i.std()), 2),
        "d_prime": round(float((i.mean() - g.mean()) / spread), 3),
        "genuine_pairs": int(g.size),
        "impostor_pairs": int(i.size),
    }


def _gallery_codes(identities: int, workers: int) -> U8:
    out = np.empty((identities, FINGER_POSITIONS, CODE_BYTES), dtype=np.uint8)
    for lo in range(0, identities, _CHUNK * 4):
        n = min(_CHUNK * 4, identities - lo)
        pop = make_population(EVAL_SEED, lo, n, capture=0, workers=workers)
        out[lo : lo + n] = encode_arrays(pop.minutiae, pop.counts)
    return out


def _ranks(gallery: U8, mates: I64, probes: U8, fingers: tuple[int, ...], k: int) -> I64:
    """Pessimistic rank of each probe's mate among ``gallery`` on ``fingers`` (1 + the
    non-mates at a distance ≤ the mate's; ``k + 1`` when beyond ``k``)."""
    import faiss

    cols = [f - 1 for f in fingers]
    g = np.ascontiguousarray(gallery[:, cols].reshape(len(gallery), -1))
    q = np.ascontiguousarray(probes[:, cols].reshape(len(probes), -1))
    index = faiss.IndexBinaryFlat(g.shape[1] * 8)
    index.add(g)
    dist, rows = index.search(q, k + 1)
    mate_d = _hamming(q, g[mates])
    ranks = np.empty(len(q), dtype=np.int64)
    for p in range(len(q)):
        closer = int(((dist[p] <= mate_d[p]) & (rows[p] != mates[p])).sum())
        ranks[p] = min(1 + closer, k + 1)
    return ranks


def _rank_shares(ranks: I64) -> dict[str, float]:
    return {f"top{k}": round(float((ranks <= k).mean()), 5) for k in (1, 10, 50, 100, 200)}


def measure(identities: int, probes: int = 1000, workers: int = 2) -> dict[str, Any]:
    """Every figure of the encoder's report (see the module docstring); seeded, so the same
    arguments give the same numbers except the timings."""
    result: dict[str, Any] = {"version": VERSION, "identities": identities, "probes": probes}
    speed = make_population(EVAL_SEED + 1, 0, 1000, capture=0)
    present = int((speed.counts >= 0).sum())
    encode_arrays(speed.minutiae[:2], speed.counts[:2])
    all_threads = numba.get_num_threads()
    for threads in (1, all_threads):
        numba.set_num_threads(threads)
        times = []
        for _ in range(7):
            t0 = time.perf_counter()
            encode_arrays(speed.minutiae, speed.counts)
            times.append(time.perf_counter() - t0)
        result[f"encode_us_per_finger_{threads}_threads"] = round(
            float(np.median(times)) / present * 1e6, 2
        )
    numba.set_num_threads(all_threads)

    n = min(identities, 2000)
    enrolled = make_population(EVAL_SEED, 0, n, capture=0, workers=workers)
    ea = encode_arrays(enrolled.minutiae, enrolled.counts)
    gallery = _gallery_codes(identities, workers)
    step = max(identities // probes, 1)
    mates = np.arange(probes, dtype=np.int64) * step % identities
    for name, noise in (("default", ImpressionNoise()), ("poor", ImpressionNoise.poor())):
        again = make_population(EVAL_SEED, 0, n, noise, capture=1, workers=workers)
        eb = encode_arrays(again.minutiae, again.counts, probe=True)
        ok = (enrolled.counts >= 0) & (again.counts >= 0)
        other = np.roll(eb, 1, axis=0)
        ok_other = (enrolled.counts >= 0) & np.roll(again.counts >= 0, 1, axis=0)
        result[f"finger_{name}"] = _summary(_hamming(ea, eb)[ok], _hamming(ea, other)[ok_other])

        probe_codes = np.empty((probes, FINGER_POSITIONS, CODE_BYTES), dtype=np.uint8)
        for lo in range(probes):
            pop = make_population(EVAL_SEED, int(mates[lo]), 1, noise, capture=1)
            probe_codes[lo] = encode_arrays(pop.minutiae, pop.counts, probe=True)[0]
        strangers = make_population(EVAL_SEED, identities, probes, noise, capture=1)
        stranger_codes = encode_arrays(strangers.minutiae, strangers.counts, probe=True)
        for label, fingers in (("ten", tuple(range(1, 11))), ("four", FOUR_FINGERS)):
            ranks = _ranks(gallery, mates, probe_codes, fingers, 200)
            cols = [f - 1 for f in fingers]
            mate_d = _hamming(
                probe_codes[:, cols].reshape(probes, -1),
                gallery[mates][:, cols].reshape(probes, -1),
            )
            import faiss

            index = faiss.IndexBinaryFlat(len(cols) * CODE_BITS)
            index.add(np.ascontiguousarray(gallery[:, cols].reshape(identities, -1)))
            best, _ = index.search(
                np.ascontiguousarray(stranger_codes[:, cols].reshape(probes, -1)), 1
            )
            result[f"identity_{label}_{name}"] = {
                **_rank_shares(ranks),
                "worst_rank": int(ranks.max()),
                "mate_distance_mean": round(float(mate_d.mean()), 1),
                "mate_distance_p99": float(np.percentile(mate_d, 99)),
                "nonmated_best_mean": round(float(best.mean()), 1),
                "nonmated_best_p1": float(np.percentile(best, 1)),
            }
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scomm.biometrics.encoder")
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help=f"write {_DATA.name} from synthetic captures")
    t.add_argument("--identities", type=int, default=TRAIN_IDENTITIES)
    m = sub.add_parser("measure", help="print the encoder's figures as JSON")
    m.add_argument("--identities", type=int, default=100_000)
    m.add_argument("--probes", type=int, default=1000)
    args = ap.parse_args(argv)
    if args.command == "train":
        t0 = time.perf_counter()
        matrix = train(args.identities)
        _DATA.parent.mkdir(exist_ok=True)
        np.save(_DATA, matrix)
        digest = hashlib.sha256(_DATA.read_bytes()).hexdigest()
        print(json.dumps({"path": str(_DATA), "sha256": digest,
                          "seconds": round(time.perf_counter() - t0, 1)}))
    else:
        print(json.dumps(measure(args.identities, args.probes), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
