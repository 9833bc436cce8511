"""Minutia Cylinder-Code (MCC) verification: bit cylinders built on the fly, LSS-R consolidation.

What it is for. The 1:N search at a million identities narrows the gallery with a binary
prefilter and verifies the top-K candidates with a minutiae matcher. The stored record is the
minutiae only (≤ 2.5 KB resident per identity): cylinders take 192 bytes each, 8-12 KB per
finger, ~77 KB per identity (reference/biometrics.md §5.2). So a candidate finger's cylinders
are built here from its minutiae every time it is verified; the probe's are built once per
search. Hence the emphasis on the builder's speed (:func:`cylinders`, :func:`score_pairs`).

Method: Cappelli, Ferrara & Maltoni, "Minutia Cylinder-Code: a new representation and matching
technique for fingerprint recognition", IEEE TPAMI 32(12):2128-2141, 2010 ("the paper"), in its
bit-based form MCC16b with LSS-R consolidation. Per minutia ``m`` a cylinder of radius
:data:`RADIUS` is laid out in ``m``'s own frame (so it is invariant to rotation and translation):
:data:`NS` x :data:`NS` spatial cells times :data:`ND` angular layers. Each neighbour ``t``
adds, to every cell centre within 3 σs of it, a spatial Gaussian of the distance times an
angular term, the Gaussian integrated over the layer's width, of the direction difference
``θm - θt`` relative to the layer's centre angle; a cell's bit is set when the sum reaches
:data:`MU_PSI`. Cells farther than :data:`RADIUS` from ``m`` or outside the convex hull of the
minutiae enlarged by :data:`OMEGA` are *invalid*: they say nothing (the print ends there), and
two cylinders are compared on the cells valid in both only. The local similarity of two
cylinders is ``1 - ‖a ⊕ b‖ / (‖a‖ + ‖b‖)`` (norms of bit vectors are square roots of
popcounts); LSS-R takes the ``min(nA, nB)`` most similar cylinder pairs, lets each pair's
similarity relax toward the support of geometrically compatible pairs, and averages the
relaxed similarities of the ``nP`` pairs that gained most (or lost least).

Units and frames follow :mod:`scomm.biometrics.template`: pixels at 500 ppi, integer angles in
2π/256 units counter-clockwise as seen on the image. Internally positions are ``(x, -y)``,
where those angles are the ordinary mathematical ones, so frames rotate the textbook way.

Speed, from the naive builder's 2.2 ms per finger (reference/biometrics.md §2.1). Each
neighbour visits only the cells within 3 σS of it (~20 of 256: the paper's neighbourhood rule
turned around), row by row without per-cell tests; its spatial weights are separable (two 1-D
Gaussians of ≤ 7 sampled values) and its angular weights a 256-row table indexed by the
integer direction difference. A first pass sums the spatial weights alone; only the ~1 cell in
6 whose sum times the largest angular weight reaches μΨ can set a bit, and only those get their
``ND`` layer sums in a second pass. The hull test is one interval lookup per cell in a per-row
table of the enlarged hull, skipped for cylinders whose whole disk is inside it (two in three).
Bits are stored layer-major, so the validity mask (the same in every layer) is 4 words, and two
cylinders with all in-circle cells valid need one popcount per word. Cylinders are sorted by
direction, so the δθ gate selects a run of the other print's cylinders instead of testing each.
The relaxation's three sigmoids and its radial angle come from tables and a dot product, not
``exp`` and ``atan2``.

Measured (``python -m scomm.biometrics.evaluation eer | tenprint | speed --matcher both``, a
shared 2-core VM, medians of repeats): single-finger EER 0 with default captures (our Hough
matcher: 0) and 4.4 % under ``ImpressionNoise.poor()`` (Hough: 5.3 %), on the same 1,000
genuine and 10,000 impostor pairs; ten-finger fusion separates 500 mated from 3,000 non-mated
pairs completely with either matcher, but with d' 14.8 / 6.4 (default / poor) against Hough's
24.6 / 9.3. A 64-minutia rolled finger costs 0.39 ms to build (0.12 ms at 50 minutiae) and a
comparison with the reference built on the fly 0.49 ms, against 18 µs for the Hough matcher:
as a verifier MCC costs ~2.5 ms per ten-finger candidate on two threads, so the gallery
screens its shortlist on two fingers first and completes only the best candidate (~24 finger
comparisons, ~10 ms a search at 100K: ``docs/benchmarks.md``).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numba
import numpy as np
import numpy.typing as npt
from numba import types
from numba.extending import intrinsic

from scomm.biometrics._jit import max_threads, njit, prange, thread_id
from scomm.biometrics.template import (
    ANGLE_UNITS,
    COORD_MAX,
    FINGER_POSITIONS,
    MAX_MINUTIAE,
    FingerTemplate,
    Tenprint,
)

I16 = npt.NDArray[np.int16]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]

# --- parameters: the paper's values as we read them, cross-checked against the re-implementation
# in afis 1.2.7 (reference/biometrics.md §1.3, §2.1); differences are noted -----------------

RADIUS = 70.0
"""Cylinder radius R in pixels at 500 ppi (the paper: 70)."""

NS = 16
ND = 6
"""Spatial cells per side (NS) and angular layers (ND): the paper's MCC16 configuration,
16 x 16 x 6 = 1,536 cells, i.e. 192 bytes per cylinder as bits."""

SIGMA_S = 28.0 / 3.0
"""σS, the spatial Gaussian's standard deviation in pixels (the paper: 28/3). Neighbours
contribute to cell centres within 3 σS = 28 px only (the paper's neighbourhood N_p)."""

SIGMA_D = 2.0 * math.pi / 9.0
"""σD, the angular Gaussian's standard deviation (the paper: 2π/9, 40°)."""

MU_PSI = 0.01
"""μΨ, the threshold of the bit-based sigmoid Ψ (the paper: 1/100; its τΨ = 400 only matters
for the real-valued cylinders; afis uses 0.005, which measured the same on our poor captures).
One neighbour's largest contribution, at the cell centre and the layer's centre angle, is
0.043 x 0.547 = 0.023, so a lone neighbour sets a bit out to ~12 px."""

OMEGA = 50.0
"""Ω, how far beyond the convex hull of the minutiae cells stay valid, in pixels (the paper:
50; afis has no hull test). The hull is enlarged by offsetting each edge and bevelling each
corner: a polygon that overshoots the exact rounded offset by at most 8 % of Ω at corners
turning by 90° or less."""

MIN_VC = 0.75
"""minVC: a cylinder is kept only if at least 75 % of its in-circle cells are valid (the paper:
75 %; we read it relative to the cells inside radius R, the most a cylinder can have)."""

MIN_M = 2
"""minM: a cylinder is kept only if at least 2 other minutiae lie within R + 3 σS of its
minutia (the paper: 2; afis uses 4); with fewer it encodes (almost) nothing."""

MIN_ME = 0.60
"""minME: two cylinders are comparable only if at least 60 % of the in-circle cells are valid
in both (the paper: 60 %, read like :data:`MIN_VC`)."""

DELTA_THETA = ANGLE_UNITS // 4
"""δθ in angle units: minutiae whose directions differ by more than π/2 are not compared (the
paper: π/2), which removes about half of all pairs before any popcount."""

NP_MIN, NP_MAX, MU_P, TAU_P = 4, 12, 20.0, 0.4
"""nP, the number of pairs averaged into the global score, grows with the smaller template:
``NP_MIN + round(Z(min(nA, nB); MU_P, TAU_P) · (NP_MAX - NP_MIN))`` with the sigmoid
``Z(v; μ, τ) = 1 / (1 + exp(-τ (v - μ)))`` (the paper: 4, 12, 20, 2/5). Rolled prints with
40+ valid cylinders always get 12."""

W_R, N_REL = 0.5, 5
"""Relaxation weight wR and iterations n_rel (the paper: 1/2, 5)."""

MU_1, TAU_1 = 5.0, -8.0 / 5.0
MU_2, TAU_2 = math.pi / 12.0, -30.0
MU_3, TAU_3 = math.pi / 12.0, -30.0
"""Compatibility ρ of two pairs = Z(d1) Z(d2) Z(d3): d1 the difference of the two minutiae
distances (px), d2 of the two direction differences and d3 of the two radial angles (rad);
the paper: μ1 = 5, τ1 = -8/5, μ2 = μ3 = π/12, τ2 = τ3 = -30."""

RHO_MIN = 1e-3
"""Ours, for speed: compatibilities below 0.001 are taken as 0, so most pairs of pairs are
dismissed on the distance test alone. Over n_rel = 5 iterations the dropped terms could move a
relaxed similarity by less than 0.003."""

LAYER_WORDS = NS * NS // 64
WORDS = ND * LAYER_WORDS
"""Words per cylinder: bit ``k · NS² + NS · i + j`` holds layer ``k``, cell row ``i``, column
``j`` (layer-major), so the 4-word spatial validity mask applies to every layer alike."""

# --- derived constants and tables ------------------------------------------------------------

_UNIT = 2.0 * math.pi / ANGLE_UNITS
_HALF_TURN = ANGLE_UNITS // 2
_MASK_UNITS = ANGLE_UNITS - 1
_CELL = 2.0 * RADIUS / NS
_CENTRE = (NS - 1) / 2.0
_CUT = 3.0 * SIGMA_S / _CELL
_CUT2 = _CUT * _CUT
_GAUSS_NORM = 1.0 / (SIGMA_S * math.sqrt(2.0 * math.pi))
_THRESHOLD = MU_PSI / _GAUSS_NORM
_REACH2 = (RADIUS + 3.0 * SIGMA_S) ** 2
_ROW_OFF = math.ceil(RADIUS) + 1
_N_ROWS = COORD_MAX + 1 + 2 * _ROW_OFF
_MAX_N = MAX_MINUTIAE + 1
_MAX_CONSTRAINTS = 4 + 2 * _MAX_N
_G_STEPS = 256
_G_SPAN = math.ceil(_CUT) + 1
_N_BUCKETS = 1024
_D1_STEPS = 64
_D1_MAX = MU_1 + math.log(1.0 / RHO_MIN - 1.0) / -TAU_1
_H_STEPS = 4096
_H_MAX = math.sin(0.5 * (MU_3 + math.log(1.0 / RHO_MIN - 1.0) / -TAU_3)) ** 2
_H_SCALE = _H_STEPS / _H_MAX


def _angular_table() -> F64:
    """C_D for every integer direction difference and layer: the paper's angular Gaussian
    integrated over the layer's width 2π/ND around the distance to the layer's centre angle."""
    out = np.empty((ANGLE_UNITS, ND))
    width = 2.0 * math.pi / ND
    scale = SIGMA_D * math.sqrt(2.0)
    for d in range(ANGLE_UNITS):
        rel = d * _UNIT
        for k in range(ND):
            centre = -math.pi + (k + 0.5) * width
            alpha = (centre - rel + math.pi) % (2.0 * math.pi) - math.pi
            hi = 0.5 * (1.0 + math.erf((alpha + width / 2.0) / scale))
            lo = 0.5 * (1.0 + math.erf((alpha - width / 2.0) / scale))
            out[d, k] = hi - lo
    return out


def _circle() -> tuple[I64, F64, U64, I64]:
    """Spatial cells whose centre is within R of the minutia, every cell's centre offset (along,
    across the minutia's direction) in pixels, the in-circle cells as a 4-word mask, and each
    row's first and last in-circle column."""
    idx = np.arange(NS * NS)
    offsets = np.column_stack([(idx // NS - _CENTRE) * _CELL, (idx % NS - _CENTRE) * _CELL])
    inside = idx[np.hypot(offsets[:, 0], offsets[:, 1]) <= RADIUS]
    words = np.zeros(LAYER_WORDS, dtype=np.uint64)
    for cell in inside:
        words[cell >> 6] |= np.uint64(1) << np.uint64(cell & 63)
    rows = [inside[inside // NS == a] % NS for a in range(NS)]
    span = np.array([[r.min(), r.max()] for r in rows], dtype=np.int64)
    return inside.astype(np.int64), offsets, words, span


def _tables() -> tuple[F64, F64, F64, F64]:
    """Sampled functions, so the kernels do lookups instead of exp and atan2:

    - the spatial Gaussian exp(-t² Δs² / 2σS²) of an offset of ``t`` cells, every 1/256 cell;
    - Z(d1; μ1, τ1) every 1/64 px up to where it drops below :data:`RHO_MIN`;
    - Z(d2; μ2, τ2) for every integer direction difference 0..π;
    - Z(d3; μ3, τ3) as a function of h = sin²(d3 / 2) = (1 - cos d3) / 2, which the kernel gets
      from a dot product without atan2, every 1/4096 of its range.
    """
    t = np.arange(-_G_SPAN * _G_STEPS, _G_SPAN * _G_STEPS + 1) / _G_STEPS
    gauss = np.exp(-(t * t) * _CELL * _CELL / (2.0 * SIGMA_S * SIGMA_S))
    d1 = np.arange(math.ceil(_D1_MAX * _D1_STEPS) + 2) / _D1_STEPS
    z1 = 1.0 / (1.0 + np.exp(-TAU_1 * (d1 - MU_1)))
    d2 = np.arange(_HALF_TURN + 1) * _UNIT
    z2 = 1.0 / (1.0 + np.exp(-TAU_2 * (d2 - MU_2)))
    h = np.arange(_H_STEPS + 2) * (_H_MAX / _H_STEPS)
    d3 = 2.0 * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
    z3 = 1.0 / (1.0 + np.exp(-TAU_3 * (d3 - MU_3)))
    return gauss, z1, z2, z3


_CD = _angular_table()
_CIRCLE, _OFFSETS, _CIRCLE_WORDS, _CIRCLE_SPAN = _circle()
_N_CIRCLE = int(_CIRCLE.shape[0])
_MIN_VALID = math.ceil(MIN_VC * _N_CIRCLE)
_MIN_COMMON = math.ceil(MIN_ME * _N_CIRCLE)
_GAUSS, _Z1, _Z2, _Z3 = _tables()
_SPATIAL_THRESHOLD = _THRESHOLD / float(_CD.max())
_ANGLE = np.arange(ANGLE_UNITS) * _UNIT
_COS = np.cos(_ANGLE)
_SIN = np.sin(_ANGLE)


def _popcount_intrinsic(typingctx: Any, x: Any) -> Any:
    """LLVM's ctpop: one POPCNT instruction on x86-64 (numba has no popcount of its own)."""
    if x != types.uint64:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.ctpop(args[0])

    return types.int64(types.uint64), codegen


_popcount = cast(Callable[[np.uint64], int], intrinsic(_popcount_intrinsic))

Cyl = tuple[U64, U64, I32, F64]
"""Cylinders as the kernels see them: bits ``(n, WORDS)`` (already masked by validity), the
spatial validity mask ``(n, LAYER_WORDS)``, ints ``(n, 3)`` (direction in angle units, bits
set, valid spatial cells) and positions ``(n, 2)`` as ``(x, -y)``. Only valid cylinders."""

BuildScratch = tuple[F64, F64, I64, I64, I64, F64, F64, F64, I64, U64]
"""Per-thread buffers of the builder: the layer sums of the hot cells ``(NS², ND)`` and the
spatial sums ``(NS²,)``; hot-cell flags and list ``(2, NS²)``; per neighbour its index, rows
of cells reached and direction difference ``(128, 4)``, the columns reached in each row
``(128, NS, 2)`` and its two 1-D Gaussians ``(128, 2, NS)``; the enlarged hull's x interval
per pixel row ``(_N_ROWS, 2)``, its half-planes ``(_MAX_CONSTRAINTS, 3)`` and the hull's
vertices; the validity mask being built."""

MatchScratch = tuple[F64, I64, I64, F64, I32, F64]
"""Per-thread buffers of a comparison: the similarity matrix ``(128, 128)``, bucket counts and
an index list ``(2, 128²)``, the selected pairs ``(2, 128)``, the similarities λ before,
during and after relaxation ``(3, 128)``, and the sparse compatibilities as index pairs
``(2, 128²)`` and values ``(128²,)``."""


# --- cylinder construction -------------------------------------------------------------------


@njit()
def _build_pool(threads: int) -> BuildScratch:
    """Builder buffers for ``threads`` threads, stacked on a leading axis (:func:`_build_at`)."""
    return (
        np.zeros((threads, NS * NS, ND), dtype=np.float64),
        np.zeros((threads, NS * NS), dtype=np.float64),
        np.zeros((threads, 2, NS * NS), dtype=np.int64),
        np.zeros((threads, _MAX_N, 4), dtype=np.int64),
        np.zeros((threads, _MAX_N, NS, 2), dtype=np.int64),
        np.zeros((threads, _MAX_N, 2, NS), dtype=np.float64),
        np.zeros((threads, _N_ROWS, 2), dtype=np.float64),
        np.zeros((threads, _MAX_CONSTRAINTS, 3), dtype=np.float64),
        np.zeros((threads, 2 * _MAX_N + 2), dtype=np.int64),
        np.zeros((threads, LAYER_WORDS), dtype=np.uint64),
    )


@njit()
def _build_at(pool: BuildScratch, i: int) -> BuildScratch:
    return (
        pool[0][i], pool[1][i], pool[2][i], pool[3][i], pool[4][i],
        pool[5][i], pool[6][i], pool[7][i], pool[8][i], pool[9][i],
    )  # fmt: skip


@njit()
def _build_scratch() -> BuildScratch:
    return _build_at(_build_pool(1), 0)


@njit()
def _floor(v: float) -> int:
    """⌊v⌋ for the cell offsets here (|v| < 64), by truncation: cheaper than ``math.floor``."""
    return int(v + 64.0) - 64


@njit()
def _ceil(v: float) -> int:
    return 64 - int(64.0 - v)


@njit()
def _cross(x: F64, y: F64, o: int, a: int, b: int) -> float:
    return float((x[a] - x[o]) * (y[b] - y[o]) - (y[a] - y[o]) * (x[b] - x[o]))


@njit()
def _hull(x: F64, y: F64, n: int, hull: I64) -> int:
    """Convex hull (Andrew's monotone chain), counter-clockwise in the ``(x, -y)`` frame; the
    number of vertices, 1 or 2 when the minutiae are a point or collinear."""
    order = np.argsort(x[:n] * 4096.0 + y[:n])
    k = 0
    for q in range(n):
        p = order[q]
        while k >= 2 and _cross(x, y, hull[k - 2], hull[k - 1], p) <= 0.0:
            k -= 1
        hull[k] = p
        k += 1
    lower = k + 1
    for q in range(n - 2, -1, -1):
        p = order[q]
        while k >= lower and _cross(x, y, hull[k - 2], hull[k - 1], p) <= 0.0:
            k -= 1
        hull[k] = p
        k += 1
    return max(1, k - 1)


@njit()
def _enlarged_hull(x: F64, y: F64, n: int, s: BuildScratch) -> int:
    """The convex hull of the minutiae enlarged by Ω, as half-planes ``nx·x + ny·y ≤ c`` (the
    bounding box, each hull edge pushed out by Ω, and at each vertex a bevel between its two
    edges), and per pixel row (y-down, offset by ``_ROW_OFF``) its x interval, ``lo > hi``
    when empty. Returns the number of half-planes."""
    rows, cons, hull = s[6], s[7], s[8]
    h = _hull(x, y, n, hull)
    xmin, xmax = x[:n].min(), x[:n].max()
    ymin, ymax = y[:n].min(), y[:n].max()
    cons[0] = (1.0, 0.0, xmax + OMEGA)
    cons[1] = (-1.0, 0.0, -xmin + OMEGA)
    cons[2] = (0.0, 1.0, ymax + OMEGA)
    cons[3] = (0.0, -1.0, -ymin + OMEGA)
    nc = 4
    for e in range(h if h > 1 else 0):
        p, q = hull[e], hull[(e + 1) % h]
        dx, dy = x[q] - x[p], y[q] - y[p]
        length = math.sqrt(dx * dx + dy * dy)
        if length > 1e-9:
            nx, ny = dy / length, -dx / length
            cons[nc] = (nx, ny, nx * x[p] + ny * y[p] + OMEGA)
            nc += 1
    edges = nc
    for e in range(4, edges if edges > 6 else 4):
        nxt = e + 1 if e + 1 < edges else 4
        bx, by = cons[e, 0] + cons[nxt, 0], cons[e, 1] + cons[nxt, 1]
        norm = math.sqrt(bx * bx + by * by)
        if norm > 1e-6:
            bx, by = bx / norm, by / norm
            support = -1e300
            for v in range(h):
                support = max(support, bx * x[hull[v]] + by * y[hull[v]])
            cons[nc] = (bx, by, support + OMEGA)
            nc += 1
    # x bounds per row: constraint c gives x ≤ (nx > 0) or x ≥ (nx < 0) c / nx - ny / nx · y
    upper = np.empty((nc, 2))
    lower = np.empty((nc, 2))
    n_up = n_low = 0
    for c in range(nc):
        nx = cons[c, 0]
        if nx > 1e-12:
            upper[n_up] = (cons[c, 2] / nx, -cons[c, 1] / nx)
            n_up += 1
        elif nx < -1e-12:
            lower[n_low] = (cons[c, 2] / nx, -cons[c, 1] / nx)
            n_low += 1
    rows[:, 0] = 1.0
    rows[:, 1] = 0.0
    top = _ROW_OFF + math.floor(-(ymax + OMEGA))
    bottom = _ROW_OFF + math.ceil(-(ymin - OMEGA))
    for r in range(max(0, top), min(_N_ROWS, bottom + 1)):
        yv = -float(r - _ROW_OFF)
        lo, hi = -1e300, 1e300
        for c in range(n_up):
            hi = min(hi, upper[c, 0] + upper[c, 1] * yv)
        for c in range(n_low):
            lo = max(lo, lower[c, 0] + lower[c, 1] * yv)
        rows[r, 0] = lo
        rows[r, 1] = hi
    return nc


@njit()
def _layer_sums(nbr: I64, span: I64, gauss: F64, nn: int, hot: I64, layers: F64) -> None:
    """Pass 2 of :func:`_build`: the layer sums of the hot cells."""
    for q in range(nn):
        cd = _CD[nbr[q, 3]]
        c0, c1, c2, c3, c4, c5 = cd[0], cd[1], cd[2], cd[3], cd[4], cd[5]
        for a in range(nbr[q, 1], nbr[q, 2] + 1):
            ga = gauss[q, 0, a]
            for b in range(span[q, a, 0], span[q, a, 1] + 1):
                cell = a * NS + b
                if hot[cell]:
                    cs = ga * gauss[q, 1, b]
                    layers[cell, 0] += cs * c0
                    layers[cell, 1] += cs * c1
                    layers[cell, 2] += cs * c2
                    layers[cell, 3] += cs * c3
                    layers[cell, 4] += cs * c4
                    layers[cell, 5] += cs * c5


@njit()
def _build(m: I16, n: int, out: Cyl, s: BuildScratch) -> int:
    """Build the valid cylinders of the first ``n`` minutiae of ``m`` into ``out``; their count.

    Only minutiae that pass the paper's validity rules (:data:`MIN_M` neighbours,
    :data:`MIN_VC` valid cells) get a cylinder, stored in order of direction (for the δθ gate
    of :func:`_similarities`) with its minutia's position and direction alongside, as the
    relaxation needs them.

    Two passes per cylinder, because only ~1 cell in 6 can set a bit: the first sums each
    cell's spatial contributions alone; a cell whose sum times the largest angular weight stays
    below μΨ cannot reach it in any layer, so the second pass computes the ``ND`` layer sums of
    the remaining *hot* cells only.
    """
    bits, mask, ints, xy = out
    layers, spatial, hot, nbr, span, gauss, rows, cons, _, words = s
    if n == 0:
        return 0
    x = np.empty(n, dtype=np.float64)
    y = np.empty(n, dtype=np.float64)
    for i in range(n):
        x[i] = float(m[i, 0])
        y[i] = -float(m[i, 1])
    nc = _enlarged_hull(x, y, n, s)
    count = 0
    for i in np.argsort(m[:n, 2], kind="mergesort"):
        xi, yi = x[i], y[i]
        ai = int(m[i, 2])
        c, sn = _COS[ai], _SIN[ai]
        # neighbours within R + 3 σS, and the in-circle cells within 3 σS of each, row by row
        near = 0
        nn = 0
        spatial[:] = 0.0
        for j in range(n):
            dx, dy = x[j] - xi, y[j] - yi
            if j == i or dx * dx + dy * dy > _REACH2:
                continue
            near += 1
            fu = (c * dx + sn * dy) / _CELL + _CENTRE
            fv = (-sn * dx + c * dy) / _CELL + _CENTRE
            a0, a1 = max(0, _ceil(fu - _CUT)), min(NS - 1, _floor(fu + _CUT))
            b0, b1 = max(0, _ceil(fv - _CUT)), min(NS - 1, _floor(fv + _CUT))
            if a0 > a1 or b0 > b1:
                continue
            nbr[nn, 0] = j
            nbr[nn, 1] = a0
            nbr[nn, 2] = a1
            nbr[nn, 3] = (ai - int(m[j, 2])) & _MASK_UNITS
            g = int((a0 - fu + _G_SPAN) * _G_STEPS + 0.5)
            for a in range(a0, a1 + 1):
                gauss[nn, 0, a] = _GAUSS[g + (a - a0) * _G_STEPS]
                rem = _CUT2 - (a - fu) * (a - fu)
                half = math.sqrt(rem) if rem > 0.0 else -1.0
                span[nn, a, 0] = max(b0, _ceil(fv - half), _CIRCLE_SPAN[a, 0])
                span[nn, a, 1] = min(b1, _floor(fv + half), _CIRCLE_SPAN[a, 1])
            g = int((b0 - fv + _G_SPAN) * _G_STEPS + 0.5)
            for b in range(b0, b1 + 1):
                gauss[nn, 1, b] = _GAUSS[g + (b - b0) * _G_STEPS]
            # pass 1: spatial sums
            for a in range(a0, a1 + 1):
                ga = gauss[nn, 0, a]
                for b in range(span[nn, a, 0], span[nn, a, 1] + 1):
                    spatial[a * NS + b] += ga * gauss[nn, 1, b]
            nn += 1
        if near < MIN_M:
            continue
        # valid cells: every in-circle cell when the whole disk is inside the enlarged hull
        slack = 1e300
        for q in range(nc):
            slack = min(slack, cons[q, 2] - cons[q, 0] * xi - cons[q, 1] * yi)
        if slack >= RADIUS:
            words[:] = _CIRCLE_WORDS
            valid = _N_CIRCLE
        else:
            words[:] = 0
            valid = 0
            for q in range(_N_CIRCLE):
                cell = _CIRCLE[q]
                u, v = _OFFSETS[cell, 0], _OFFSETS[cell, 1]
                px = xi + c * u - sn * v
                r = int(_ROW_OFF + 0.5 - (yi + sn * u + c * v))
                if rows[r, 0] <= px <= rows[r, 1]:
                    words[cell >> 6] |= np.uint64(1) << np.uint64(cell & 63)
                    valid += 1
            if valid < _MIN_VALID:
                continue
        n_hot = 0
        for q in range(_N_CIRCLE):
            cell = _CIRCLE[q]
            if spatial[cell] >= _SPATIAL_THRESHOLD and (
                words[cell >> 6] & (np.uint64(1) << np.uint64(cell & 63))
            ):
                hot[0, cell] = 1
                hot[1, n_hot] = cell
                n_hot += 1
                for k in range(ND):
                    layers[cell, k] = 0.0
        if n_hot > 0:
            _layer_sums(nbr, span, gauss, nn, hot[0], layers)
        # threshold the hot cells into layer-major bits
        for w in range(WORDS):
            bits[count, w] = 0
        ones = 0
        for h in range(n_hot):
            cell = hot[1, h]
            hot[0, cell] = 0
            w = cell >> 6
            bit = np.uint64(1) << np.uint64(cell & 63)
            for k in range(ND):
                if layers[cell, k] >= _THRESHOLD:
                    bits[count, k * LAYER_WORDS + w] |= bit
                    ones += 1
        mask[count, :] = words
        ints[count, 0] = ai
        ints[count, 1] = ones
        ints[count, 2] = valid
        xy[count, 0] = xi
        xy[count, 1] = yi
        count += 1
    return count


# --- comparison ------------------------------------------------------------------------------


@njit()
def _match_pool(threads: int) -> MatchScratch:
    """Comparison buffers for ``threads`` threads, stacked on a leading axis."""
    return (
        np.zeros((threads, _MAX_N, _MAX_N), dtype=np.float64),
        np.zeros((threads, 2, _MAX_N * _MAX_N), dtype=np.int64),
        np.zeros((threads, 2, _MAX_N), dtype=np.int64),
        np.zeros((threads, 3, _MAX_N), dtype=np.float64),
        np.zeros((threads, 2, _MAX_N * _MAX_N), dtype=np.int32),
        np.zeros((threads, _MAX_N * _MAX_N), dtype=np.float64),
    )


@njit()
def _match_at(pool: MatchScratch, i: int) -> MatchScratch:
    return (pool[0][i], pool[1][i], pool[2][i], pool[3][i], pool[4][i], pool[5][i])


@njit()
def _match_scratch() -> MatchScratch:
    return _match_at(_match_pool(1), 0)


@njit()
def _similarities(a: Cyl, b: Cyl, sim: F64, first: I64) -> None:
    """Local similarities of every pair into ``sim[:na, :nb]``: the paper's bit-based
    similarity on the cells valid in both cylinders, 0 when fewer than :data:`MIN_ME` of them
    are or the directions differ by more than δθ.

    Cylinders are sorted by direction, so the pairs within δθ of cylinder ``i`` of A are one
    cyclic run of B, found in ``first`` (index of B's first cylinder of each direction). Bits
    are stored masked by their own cylinder's validity, so ``a & b`` needs no mask, and
    ``‖a ⊕ b‖² = ‖a‖² + ‖b‖² - 2 ‖a ∧ b‖²``; ``‖a‖²`` restricted to B's valid cells is the
    precomputed count less the bits on B's invalid in-circle cells, which lie in one or two
    of the four spatial words when there are any.
    """
    ab, am, ai, _ = a
    bb, bm, bi, _ = b
    na, nb = ab.shape[0], bb.shape[0]
    for i in range(na):
        for j in range(nb):
            sim[i, j] = 0.0
    j = 0
    for u in range(ANGLE_UNITS + 1):
        while j < nb and bi[j, 0] < u:
            j += 1
        first[u] = j
    for i in range(na):
        # B's cylinders within δθ of A's i: one run, or two when it wraps around 0
        lo = int(ai[i, 0]) - DELTA_THETA
        hi = int(ai[i, 0]) + DELTA_THETA + 1
        wrap_start, wrap_end = 0, 0
        if lo < 0:
            wrap_start, wrap_end = first[lo + ANGLE_UNITS], nb
        elif hi > ANGLE_UNITS:
            wrap_end = first[hi - ANGLE_UNITS]
        start, end = first[max(lo, 0)], first[min(hi, ANGLE_UNITS)]
        full_a = ai[i, 2] == _N_CIRCLE
        for r in range(2):
            for j in range(start if r == 0 else wrap_start, end if r == 0 else wrap_end):
                both = 0
                for w in range(WORDS):
                    both += _popcount(ab[i, w] & bb[j, w])
                n1, n2 = int(ai[i, 1]), int(bi[j, 1])
                if not (full_a and bi[j, 2] == _N_CIRCLE):
                    common = 0
                    for w in range(LAYER_WORDS):
                        common += _popcount(am[i, w] & bm[j, w])
                    if common < _MIN_COMMON:
                        continue
                    for w in range(LAYER_WORDS):
                        gone_b = _CIRCLE_WORDS[w] & ~bm[j, w]
                        gone_a = _CIRCLE_WORDS[w] & ~am[i, w]
                        for k in range(ND if gone_b else 0):
                            n1 -= _popcount(ab[i, k * LAYER_WORDS + w] & gone_b)
                        for k in range(ND if gone_a else 0):
                            n2 -= _popcount(bb[j, k * LAYER_WORDS + w] & gone_a)
                if n1 + n2 > 0:
                    sim[i, j] = 1.0 - math.sqrt(n1 + n2 - 2 * both) / (
                        math.sqrt(n1) + math.sqrt(n2)
                    )


@njit()
def _sigmoid(v: float, mu: float, tau: float) -> float:
    return 1.0 / (1.0 + math.exp(-tau * (v - mu)))


@njit()
def _select(sim: F64, na: int, nb: int, n_r: int, s: MatchScratch) -> int:
    """The (up to) ``n_r`` pairs of highest positive similarity into ``s``'s pair list, their
    similarities as λ⁰; the number selected. A bucket sort on similarity: pairs above the
    bucket where the top ``n_r`` end are all taken, that bucket's best fill the rest."""
    _, lists, pairs, lam, _, _ = s
    hist = lists[0]
    hist[:_N_BUCKETS] = 0
    for i in range(na):
        for j in range(nb):
            if sim[i, j] > 0.0:
                hist[min(int(sim[i, j] * _N_BUCKETS), _N_BUCKETS - 1)] += 1
    above = 0
    edge = _N_BUCKETS - 1
    while edge > 0 and above + hist[edge] < n_r:
        above += hist[edge]
        edge -= 1
    chosen = 0
    pending = lists[1]
    n_pending = 0
    for i in range(na):
        for j in range(nb):
            v = sim[i, j]
            if v <= 0.0:
                continue
            q = min(int(v * _N_BUCKETS), _N_BUCKETS - 1)
            if q > edge:
                pairs[0, chosen] = i
                pairs[1, chosen] = j
                lam[0, chosen] = v
                chosen += 1
            elif q == edge:
                pending[n_pending] = i * _MAX_N + j
                n_pending += 1
    while chosen < n_r and n_pending > 0:
        best = 0
        for p in range(1, n_pending):
            e, f = pending[p], pending[best]
            if sim[e // _MAX_N, e % _MAX_N] > sim[f // _MAX_N, f % _MAX_N]:
                best = p
        e = pending[best]
        pairs[0, chosen] = e // _MAX_N
        pairs[1, chosen] = e % _MAX_N
        lam[0, chosen] = sim[e // _MAX_N, e % _MAX_N]
        chosen += 1
        n_pending -= 1
        pending[best] = pending[n_pending]
    return chosen


@njit()
def _compatibilities(a: Cyl, b: Cyl, n_sel: int, s: MatchScratch) -> int:
    """Sparse ρ(t, k) over the selected pairs (the paper's LSS-R): how well pair k's geometry
    relative to pair t agrees in the two prints, Z(d1) Z(d2) Z(d3) with d1 the difference of
    the two distances, d2 of the two direction differences, d3 of the two radial angles;
    entries below :data:`RHO_MIN` are dropped. Returns the number of entries."""
    _, _, pairs, _, idx, rho = s
    _, _, ai, axy = a
    _, _, bi, bxy = b
    n = 0
    for t in range(n_sel):
        it, jt = pairs[0, t], pairs[1, t]
        rot_t = (int(ai[it, 0]) - int(bi[jt, 0])) & _MASK_UNITS
        for k in range(t + 1, n_sel):
            ik, jk = pairs[0, k], pairs[1, k]
            vax, vay = axy[ik, 0] - axy[it, 0], axy[ik, 1] - axy[it, 1]
            vbx, vby = bxy[jk, 0] - bxy[jt, 0], bxy[jk, 1] - bxy[jt, 1]
            la = math.sqrt(vax * vax + vay * vay)
            lb = math.sqrt(vbx * vbx + vby * vby)
            d1 = abs(la - lb)
            if d1 >= _D1_MAX or la * lb == 0.0:
                continue
            rot_k = (int(ai[ik, 0]) - int(bi[jk, 0])) & _MASK_UNITS
            d2 = (rot_t - rot_k) & _MASK_UNITS
            z12 = _Z1[int(d1 * _D1_STEPS + 0.5)] * _Z2[min(d2, ANGLE_UNITS - d2)]
            if z12 < RHO_MIN:
                continue
            # The radial angle of t (towards k) differs between the prints by t's rotation
            # minus the turn taking b's vector onto a's; likewise for k towards t. Z(d3) is
            # tabulated on h = (1 - cos d3) / 2, and cos d3 = cos(rot - turn) needs no atan2.
            ct, st = (vbx * vax + vby * vay) / (la * lb), (vbx * vay - vby * vax) / (la * lb)
            h_t = 0.5 * (1.0 - _COS[rot_t] * ct - _SIN[rot_t] * st)
            h_k = 0.5 * (1.0 - _COS[rot_k] * ct - _SIN[rot_k] * st)
            if h_t < _H_MAX:
                r = z12 * _Z3[int(h_t * _H_SCALE + 0.5)]
                if r >= RHO_MIN:
                    idx[0, n], idx[1, n], rho[n] = t, k, r
                    n += 1
            if h_k < _H_MAX:
                r = z12 * _Z3[int(h_k * _H_SCALE + 0.5)]
                if r >= RHO_MIN:
                    idx[0, n], idx[1, n], rho[n] = k, t, r
                    n += 1
    return n


@njit()
def _match(a: Cyl, b: Cyl, s: MatchScratch) -> float:
    """Global MCC score in [0, 1] of two sets of cylinders: LSS-R (the paper, Sec. 5)."""
    na, nb = a[0].shape[0], b[0].shape[0]
    if na == 0 or nb == 0:
        return 0.0
    sim, _, _, lam, idx, rho = s
    _similarities(a, b, sim, s[1][1])
    n_r = min(na, nb)
    n_p = NP_MIN + round(_sigmoid(float(n_r), MU_P, TAU_P) * (NP_MAX - NP_MIN))
    n_sel = _select(sim, na, nb, n_r, s)
    if n_sel == 0:
        return 0.0
    lam[1, :n_sel] = lam[0, :n_sel]
    if n_r > 1:
        n_rho = _compatibilities(a, b, n_sel, s)
        share = (1.0 - W_R) / (n_r - 1)
        for _ in range(N_REL):
            for t in range(n_sel):
                lam[2, t] = 0.0
            for e in range(n_rho):
                lam[2, idx[0, e]] += rho[e] * lam[1, idx[1, e]]
            for t in range(n_sel):
                lam[1, t] = W_R * lam[1, t] + share * lam[2, t]
    # average the relaxed similarities of the n_p pairs of highest efficiency λⁿ / λ⁰
    for t in range(n_sel):
        lam[2, t] = lam[1, t] / lam[0, t]
    total = 0.0
    for _ in range(min(n_p, n_sel)):
        best = 0
        for t in range(1, n_sel):
            if lam[2, t] > lam[2, best]:
                best = t
        total += lam[1, best]
        lam[2, best] = -1.0
    return min(1.0, total / n_p)


@njit()
def _cyl_buffers(n: int) -> Cyl:
    return (
        np.zeros((n, WORDS), dtype=np.uint64),
        np.zeros((n, LAYER_WORDS), dtype=np.uint64),
        np.zeros((n, 3), dtype=np.int32),
        np.zeros((n, 2), dtype=np.float64),
    )


@njit()
def _cyl_slice(c: Cyl, lo: int, hi: int) -> Cyl:
    return (c[0][lo:hi], c[1][lo:hi], c[2][lo:hi], c[3][lo:hi])


# --- 1:N kernel ------------------------------------------------------------------------------


@njit(parallel=True)
def _build_probes(
    minutiae: I16, counts: I16, n_chunks: int, pool: BuildScratch
) -> tuple[Cyl, I64]:
    """The cylinders of every finger of ``P`` probe tenprints, fingers spread over numba's
    threads: finger ``j = 10 p + f`` owns slots ``j * _MAX_N`` onwards of the buffers, of which
    ``sizes[j]`` are filled."""
    jobs = minutiae.shape[0] * FINGER_POSITIONS
    buf = _cyl_buffers(jobs * _MAX_N)
    sizes = np.zeros(jobs, dtype=np.int64)
    size = (jobs + n_chunks - 1) // n_chunks
    for c in prange(n_chunks):
        build = _build_at(pool, thread_id())
        for j in range(c * size, min(jobs, (c + 1) * size)):
            p, f = j // FINGER_POSITIONS, j % FINGER_POSITIONS
            n = int(counts[p, f])
            if n >= 0:
                slot = _cyl_slice(buf, j * _MAX_N, (j + 1) * _MAX_N)
                sizes[j] = _build(minutiae[p, f], n, slot, build)
    return buf, sizes


@njit(parallel=True)
def _score_pairs(
    pbits: U64,
    pmask: U64,
    pints: I32,
    pxy: F64,
    offsets: I64,
    minutiae: I16,
    counts: I16,
    pairs: I64,
    n_chunks: int,
    pools: Pools,
) -> F64:
    """MCC scores of finger comparisons ``pairs[t] = (probe, row, finger)``: probe ``p``'s
    finger ``f`` (cylinders ``offsets[p, f]:offsets[p, f + 1]``) against gallery ``row``'s,
    built on the fly. A finger missing on either side (count -1, or no valid cylinder) scores
    0. Comparisons, not rows, are spread over the threads, so a search that completes one
    candidate's eight remaining fingers still uses every core."""
    t_all = pairs.shape[0]
    out = np.zeros(t_all, dtype=np.float64)
    size = (t_all + n_chunks - 1) // n_chunks
    build_pool, match_pool, ref_pool = pools
    for c in prange(n_chunks):
        i = thread_id()
        build = _build_at(build_pool, i)
        match = _match_at(match_pool, i)
        ref = _cyl_slice(ref_pool, i * _MAX_N, (i + 1) * _MAX_N)
        probe = (pbits, pmask, pints, pxy)
        for t in range(c * size, min(t_all, (c + 1) * size)):
            p, row, f = pairs[t, 0], pairs[t, 1], pairs[t, 2]
            gn = int(counts[row, f])
            lo, hi = offsets[p, f], offsets[p, f + 1]
            if gn < 0 or hi == lo:
                continue
            nb = _build(minutiae[row, f], gn, ref, build)
            out[t] = _match(_cyl_slice(probe, lo, hi), _cyl_slice(ref, 0, nb), match)
    return out


@njit()
def _build_all(minutiae: I16, counts: I64, out: Cyl, s: BuildScratch) -> int:
    """Build the cylinders of many fingers in turn (for timing without call overhead);
    the total number of valid cylinders."""
    total = 0
    for r in range(minutiae.shape[0]):
        total += _build(minutiae[r], int(counts[r]), out, s)
    return total


@njit()
def _match_all(
    probe: Cyl, minutiae: I16, counts: I64, ref: Cyl, bs: BuildScratch, ms: MatchScratch
) -> float:
    """Sum of the scores of ``probe`` against many reference fingers whose cylinders are
    built on the fly, as :func:`_score_rows` does (for timing without call overhead)."""
    total = 0.0
    for r in range(minutiae.shape[0]):
        nb = _build(minutiae[r], int(counts[r]), ref, bs)
        total += _match(probe, _cyl_slice(ref, 0, nb), ms)
    return total


# --- typed front -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Cylinders:
    """The valid cylinders of one finger (see :data:`Cyl` for the arrays).

    Build with :func:`cylinders`; ``n_minutiae`` is the template's count, ``len()`` the number
    of cylinders that passed the validity rules (border and isolated minutiae do not).
    """

    arrays: Cyl
    n_minutiae: int

    def __len__(self) -> int:
        return int(self.arrays[0].shape[0])


@dataclass(frozen=True, eq=False)
class ProbeCylinders:
    """The cylinders of a batch of probe tenprints, stacked for :func:`score_pairs`: probe
    ``p``'s finger position ``f + 1`` owns rows ``offsets[p, f]:offsets[p, f + 1]`` (none when
    the finger is missing)."""

    arrays: Cyl
    offsets: I64

    def __len__(self) -> int:
        return int(self.offsets.shape[0])

    def sizes(self) -> I64:
        """Valid cylinders per probe and finger, ``(P, 10)``: how much each finger can say."""
        return np.diff(self.offsets, axis=1)


Pools = tuple[BuildScratch, MatchScratch, Cyl]
"""Per-thread scratch of the 1:N kernels, indexed by numba's thread id (:func:`_pools`)."""

_pool_cache: list[Pools] = []
_pool_lock = threading.Lock()
"""Held while a 1:N kernel runs: the pools are shared, and kernels entered from two Python
threads at once would hand the same thread id's scratch to two numba threads."""


def _pools() -> Pools:
    """The 1:N kernels' scratch, allocated once per process for numba's largest thread count
    (~1 MB a thread): allocating and zeroing it in every call cost more than the comparisons
    of a screened search (each ~0.4 ms)."""
    if not _pool_cache:
        t = max_threads()
        _pool_cache.append((_build_pool(t), _match_pool(t), _cyl_buffers(t * _MAX_N)))
    return _pool_cache[0]


class Workspace:
    """Scratch buffers for one thread of builds and comparisons (~0.8 MB), reused across
    calls because allocating and zeroing them would cost more than a comparison."""

    def __init__(self) -> None:
        self.build: BuildScratch = _build_scratch()
        self.match: MatchScratch = _match_scratch()


_local = threading.local()


def _default_workspace() -> Workspace:
    ws: Workspace | None = getattr(_local, "ws", None)
    if ws is None:
        ws = _local.ws = Workspace()
    return ws


def cylinders(t: FingerTemplate, ws: Workspace | None = None) -> Cylinders:
    """The MCC16b cylinders of ``t``: ~0.1 ms for 50 minutiae, ~0.4 ms for a 64-minutia rolled
    print (the cost grows with the count times the density; ``evaluation speed --matcher mcc``)."""
    w = ws or _default_workspace()
    m = np.array(t.minutiae)
    buf = _cyl_buffers(max(len(t), 1))
    n = _build(m, m.shape[0], buf, w.build)
    bits, mask, ints, xy = buf
    return Cylinders((bits[:n].copy(), mask[:n].copy(), ints[:n].copy(), xy[:n].copy()), len(t))


def compare(a: Cylinders, b: Cylinders, ws: Workspace | None = None) -> float:
    """MCC similarity in [0, 1] of two fingers' cylinders (LSS-R; symmetric up to ties)."""
    return float(_match(a.arrays, b.arrays, (ws or _default_workspace()).match))


def finger_score(a: FingerTemplate, b: FingerTemplate) -> float:
    """MCC similarity in [0, 1] of two templates, building both sides' cylinders.

    Scores are small because the relaxation spreads each pair's similarity over all
    ``min(nA, nB)`` selected pairs: unrelated rolled prints score ~0.014 (at most ~0.03), two
    default captures of one finger ~0.04-0.15, two poor ones ~0.015-0.05 (see ``python -m
    scomm.biometrics.evaluation eer --matcher mcc``).
    """
    ws = _default_workspace()
    return compare(cylinders(a, ws), cylinders(b, ws), ws)


def tenprint_scores(a: Tenprint, b: Tenprint) -> F64:
    """Per-position MCC scores of two tenprints; a position missing on either side is 0."""
    ws = _default_workspace()
    out = np.zeros(FINGER_POSITIONS)
    for i, (fa, fb) in enumerate(zip(a.fingers, b.fingers, strict=True)):
        if fa is not None and fb is not None:
            out[i] = compare(cylinders(fa, ws), cylinders(fb, ws), ws)
    return out


def prepare_probes(minutiae: I16, counts: I16) -> ProbeCylinders:
    """Build the cylinders of probe tenprints once per search, all fingers in parallel.

    ``minutiae`` ``(P, 10, 128, 4)`` and ``counts`` ``(P, 10)`` int16 are packed as a gallery
    stores them (:class:`~scomm.biometrics.template.Packed`).
    """
    _check_packed_arrays(minutiae, counts)
    n = counts.shape[0]
    if n == 0:
        return ProbeCylinders(_cyl_buffers(0), np.zeros((0, FINGER_POSITIONS + 1), np.int64))
    chunks = min(n * FINGER_POSITIONS, 4 * numba.get_num_threads())
    with _pool_lock:
        buf, sizes = _build_probes(minutiae, counts, chunks, _pools()[0])
    keep = np.concatenate(
        [np.arange(j * _MAX_N, j * _MAX_N + k) for j, k in enumerate(sizes.tolist())]
    )
    offsets = np.zeros((n, FINGER_POSITIONS + 1), dtype=np.int64)
    offsets[:, 1:] = np.cumsum(sizes.reshape(n, FINGER_POSITIONS), axis=1)
    offsets += np.concatenate([[0], np.cumsum(offsets[:, -1])[:-1]])[:, None]
    return ProbeCylinders(cast(Cyl, tuple(np.ascontiguousarray(a[keep]) for a in buf)), offsets)


def prepare_tenprint(t: Tenprint) -> ProbeCylinders:
    """:func:`prepare_probes` for one tenprint."""
    minutiae = np.zeros((1, FINGER_POSITIONS, _MAX_N, 4), dtype=np.int16)
    counts = np.full((1, FINGER_POSITIONS), -1, dtype=np.int16)
    for f, finger in enumerate(t.fingers):
        if finger is not None:
            minutiae[0, f, : len(finger)] = finger.minutiae
            counts[0, f] = len(finger)
    return prepare_probes(minutiae, counts)


def score_pairs(probes: ProbeCylinders, minutiae: I16, counts: I16, pairs: I64) -> F64:
    """MCC scores of the finger comparisons ``pairs`` ``(T, 3)``: probe index, gallery row and
    finger index (0..9) each.

    ``minutiae`` ``(N, 10, 128, 4)`` and ``counts`` ``(N, 10)`` int16 (-1 = missing) are packed
    gallery rows; their cylinders are built on the fly. A verifier picks which fingers of which
    candidates are worth comparing (:mod:`scomm.biometrics.gallery` screens on two, then
    completes the best), so the unit of work is the finger comparison, not the candidate.
    """
    _check_packed_arrays(minutiae, counts)
    pairs = np.ascontiguousarray(pairs, dtype=np.int64)
    if pairs.ndim != 2 or pairs.shape[1] != 3:
        raise ValueError(f"pairs must be (T, 3), got shape {pairs.shape}")
    if pairs.shape[0] == 0:
        return np.zeros(0)
    bad = (
        (pairs[:, 0] < 0) | (pairs[:, 0] >= len(probes))
        | (pairs[:, 1] < 0) | (pairs[:, 1] >= counts.shape[0])
        | (pairs[:, 2] < 0) | (pairs[:, 2] >= FINGER_POSITIONS)
    )
    if bad.any():
        raise ValueError(f"pairs[{int(np.flatnonzero(bad)[0])}] is out of range")
    chunks = min(pairs.shape[0], 4 * numba.get_num_threads())
    with _pool_lock:
        pools = _pools()
        return _score_pairs(*probes.arrays, probes.offsets, minutiae, counts, pairs, chunks, pools)


def score_rows(
    probe: ProbeCylinders, minutiae: I16, counts: I16, rows: I64 | None = None
) -> F64:
    """MCC finger scores ``(len(rows), 10)`` of the first probe of ``probe`` against every
    finger of gallery ``rows`` (default: all): :func:`score_pairs` for exhaustive comparison,
    as the evaluation and the tests use it."""
    _check_packed_arrays(minutiae, counts)
    idx = np.arange(counts.shape[0], dtype=np.int64) if rows is None else rows.astype(np.int64)
    pairs = np.zeros((idx.shape[0] * FINGER_POSITIONS, 3), dtype=np.int64)
    pairs[:, 1] = np.repeat(idx, FINGER_POSITIONS)
    pairs[:, 2] = np.tile(np.arange(FINGER_POSITIONS), idx.shape[0])
    return score_pairs(probe, minutiae, counts, pairs).reshape(idx.shape[0], FINGER_POSITIONS)


def _check_packed_arrays(minutiae: I16, counts: I16) -> None:
    if minutiae.dtype != np.int16 or counts.dtype != np.int16:
        raise TypeError("minutiae and counts must be int16 arrays")
