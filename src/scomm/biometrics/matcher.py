"""Minutiae matcher: local-structure hashing, Hough alignment, greedy pairing.

One comparison of a *probe* finger with a *reference* finger runs in four steps.

1. **Edges.** Each minutia is linked to its nearest neighbours (``REF_NEIGHBOURS`` on the
   reference side, ``PROBE_NEIGHBOURS`` on the probe side, so an edge of the reference usually
   survives in the probe even when a minutia in between went missing or a spurious one appeared).
   An edge's length, the angle of the line relative to the first minutia's direction, and the
   difference of the two directions do not change under rotation and translation; the absolute
   angle of the line changes only by the rotation, which is bounded for booking prints.
2. **Hashing.** The probe's edges are entered in a 4-D hash table over those four quantities,
   each edge in every cell its tolerance box touches. A reference edge then looks up exactly one
   cell, so the cost is linear in the number of reference edges rather than quadratic. The
   probe's table is built once per search and reused for every gallery finger, which is why the
   roles are asymmetric.
3. **Alignment.** Each compatible edge pair votes for a rotation and a translation in a coarse
   Hough accumulator. The votes around the peak give point correspondences, and a least-squares
   (Procrustes) fit of those gives the alignment; the coarse bins only have to isolate the
   consensus, not be precise.
4. **Pairing.** Reference minutiae are mapped by the alignment and paired greedily, closest
   first, with probe minutiae within ``PAIR_DISTANCE_PX`` and ``PAIR_ANGLE``; the pairs are
   refitted once (an ICP step, absorbing what remains of the skin distortion) and paired again.

The score is Bozorth-like, ``n_paired² / (n_probe · n_reference)``, in [0, 1]: it rewards a large
share of *both* prints explained, and a pair of small templates cannot score high by accident
because each count is floored at ``MIN_COUNT``. Minutia types are not used: extractors confuse
them ~10 % of the time, and NIST's and most commercial matchers ignore them too.

Tolerances are anchored to the impression model (``synthetic.ImpressionNoise``): position
jitter 2.5 px and angle jitter 6° per print give edge-length differences with sd ≈ 5 px and angle
differences with sd ≈ 12°, so the edge tolerances (8 px, 22.5°) keep about 90 % of the true
edges while rejecting about 99.5 % of random ones. They are close to OpenAFIS's defaults (12 px,
π/6, π/4; reference/biometrics.md §3.3).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scomm.biometrics._jit import njit
from scomm.biometrics.template import COORD_MAX, FINGER_POSITIONS, FingerTemplate, Tenprint

I16 = npt.NDArray[np.int16]
I32 = npt.NDArray[np.int32]
U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
B1 = npt.NDArray[np.bool_]

Probe = tuple[I16, I16, I32, I16, I32, I16]
"""A prepared probe as the kernels see it: minutiae ``(n, 4)``; edges ``(E, 6)`` as (i, k,
relative angle, direction difference, line angle, length in quarter pixels); the hash table as
cell starts and items (CSR); the spatial grid of minutiae as cell starts and items (CSR)."""
Reference = tuple[I16, int, U8]
"""A reference finger as the kernels see it: minutiae (possibly padded), count, and edges
``(≥ n, REF_NEIGHBOURS, 5)`` as (neighbour or 255, length px, rel. angle, dir. diff, line)."""
Transform = tuple[float, float, float, float, float]
"""cos, sin, tx, tv of a rotation + translation in the (x, 511 - y) frame, and the rotation in
angle units."""

REF_NEIGHBOURS = 4
"""Edges per reference minutia. Four nearest neighbours cover a minutia's immediate structure;
more adds lookups (cost) faster than it adds surviving true edges."""

PROBE_NEIGHBOURS = 6
"""Edges per probe minutia: two more than the reference side, so that a reference edge is still
found when one of the reference neighbours is missing or a spurious minutia intervenes."""

EDGE_MIN_PX = 5.0
EDGE_MAX_PX = 100.0
"""Edge lengths considered. Below 5 px the line angle is noise; beyond 100 px (≈ 11 ridges) the
skin distortion between two prints makes the length unreliable."""

EDGE_LEN_TOL_PX = 8.0
EDGE_ANGLE_TOL = 16
"""Edge tolerances: 8 px on the length, 16 angle units (22.5°) on the relative angles."""

MAX_ROTATION = 32
"""Largest relative rotation searched, in angle units (45°). Booking prints are placed in card
boxes or platen guides (±10-20° each), so bounding it rejects three quarters of chance edge
matches for free; it is the one assumption that makes this matcher unsuitable for latents."""

PAIR_DISTANCE_PX = 15.0
PAIR_ANGLE = 20
"""Pairing tolerances after alignment: 15 px (1.7 ridge periods, covering jitter of 2.5 px per
print plus residual distortion) and 20 angle units (28°)."""

REFINE_MIN = 8
"""Pairs needed before the ICP re-pairing is worth its cost: below it the comparison is a clear
non-match (chance pairings of two unrelated rolled prints number ~3-8) and refitting to chance
pairs would only inflate the impostor score."""

MIN_COUNT = 12
"""Floor on each template's count in the score's denominator (a 4-minutia template must not
score 1.0 by pairing all four)."""

# Hash table geometry: bins as wide as the tolerance, so a probe edge is entered in at most 3
# bins per dimension (81 cells) and a reference edge looks up one cell whose entries mostly
# (≈ 1/1.5⁴ ≈ 20 %) pass the exact test. Wider bins halve the table but triple the lookups, and
# the lookups run once per gallery finger while the table is built once per search.
_BIN_D = EDGE_LEN_TOL_PX
_ND = math.ceil((EDGE_MAX_PX + EDGE_LEN_TOL_PX) / _BIN_D) + 1
_BIN_A = EDGE_ANGLE_TOL
_NA = 256 // _BIN_A
_BIN_L = MAX_ROTATION
_NL = 256 // _BIN_L
_NCELLS = _ND * _NA * _NA * _NL
_CELLS_PER_EDGE = (int(2 * EDGE_LEN_TOL_PX / _BIN_D) + 1) * 3 * 3 * 3
_D4_TOL = round(4 * EDGE_LEN_TOL_PX)

# Hough accumulator: rotation bins of 8 units (11°), translation bins of 32 px over ±160 px.
_ROT_BIN = 8
_ROT4_MAX = 4 * (MAX_ROTATION + 4)
"""Rotation votes are kept in quarter angle units (the mean of four unit-valued estimates)."""
_NROT = (2 * _ROT4_MAX) // (4 * _ROT_BIN) + 1
_COS4 = np.cos(np.arange(-_ROT4_MAX, _ROT4_MAX + 1) * (math.pi / 512.0))
_SIN4 = np.sin(np.arange(-_ROT4_MAX, _ROT4_MAX + 1) * (math.pi / 512.0))
_T_BIN = 32.0
_T_HALF = 160.0
_NT = int(2 * _T_HALF / _T_BIN)
_NACC = _NROT * _NT * _NT

_GRID = 16.0
_NGRID = 32
"""Spatial grid of probe minutiae for pairing: 16 px cells over the 512 px window."""

_MAX_HITS = 4096
_MAX_CAND = 2048
_MAX_N = 128
_CENTER = COORD_MAX / 2.0
_UNIT = 2.0 * math.pi / 256.0
_NO_EDGE = 255


# --- template preparation -------------------------------------------------------------------


@njit()
def _neighbours(xy: I16, n: int, k: int, out_idx: I32) -> None:
    """The ``k`` nearest neighbours of each minutia within EDGE_MAX_PX (brute force: n ≤ 127),
    nearest first, padded with -1."""
    dmax2 = EDGE_MAX_PX * EDGE_MAX_PX
    dmin2 = EDGE_MIN_PX * EDGE_MIN_PX
    best = np.empty(k, dtype=np.float64)
    for i in range(n):
        for j in range(k):
            out_idx[i, j] = -1
            best[j] = dmax2
        xi = float(xy[i, 0])
        yi = float(xy[i, 1])
        for m in range(n):
            dx = float(xy[m, 0]) - xi
            dy = float(xy[m, 1]) - yi
            d2 = dx * dx + dy * dy
            if d2 >= best[k - 1] or d2 < dmin2:
                continue
            j = k - 1
            while j > 0 and best[j - 1] > d2:
                best[j] = best[j - 1]
                out_idx[i, j] = out_idx[i, j - 1]
                j -= 1
            best[j] = d2
            out_idx[i, j] = m


@njit()
def _edge_features(m: I16, i: int, k: int) -> tuple[float, int, int, int]:
    """Length, line angle relative to minutia i, direction difference, absolute line angle."""
    dx = float(m[k, 0]) - float(m[i, 0])
    dv = float(m[i, 1]) - float(m[k, 1])  # v = -y: ISO angles are counter-clockwise on screen
    d = math.sqrt(dx * dx + dv * dv)
    line = round(math.atan2(dv, dx) / _UNIT) & 255
    rel = (line - int(m[i, 2])) & 255
    dirdiff = (int(m[k, 2]) - int(m[i, 2])) & 255
    return d, rel, dirdiff, line


@njit()
def _reference_edges(m: I16, n: int, out: U8) -> None:
    """Fill ``out[i, j] = (neighbour, length px, rel. angle, dir. diff, line angle)`` (uint8)."""
    idx = np.empty((max(n, 1), REF_NEIGHBOURS), dtype=np.int32)
    _neighbours(m, n, REF_NEIGHBOURS, idx)
    for i in range(n):
        for j in range(REF_NEIGHBOURS):
            k = idx[i, j]
            if k < 0:
                out[i, j, 0] = _NO_EDGE
                continue
            d, rel, dd, line = _edge_features(m, i, k)
            out[i, j, 0] = k
            out[i, j, 1] = min(round(d), 254)
            out[i, j, 2] = rel
            out[i, j, 3] = dd
            out[i, j, 4] = line


@njit()
def _edge_cells(d: float, rel: int, dd: int, line: int, out: I32) -> int:
    """Hash cells an edge's tolerance box touches (at most 3 per dimension, 81 in all)."""
    lo = max(int((d - EDGE_LEN_TOL_PX) // _BIN_D), 0)
    hi = min(int((d + EDGE_LEN_TOL_PX) // _BIN_D), _ND - 1)
    n = 0
    for db in range(lo, hi + 1):
        for da in range((rel - EDGE_ANGLE_TOL) // _BIN_A, (rel + EDGE_ANGLE_TOL) // _BIN_A + 1):
            ca = (db * _NA + da % _NA) * _NA
            for dq in range((dd - EDGE_ANGLE_TOL) // _BIN_A, (dd + EDGE_ANGLE_TOL) // _BIN_A + 1):
                cq = (ca + dq % _NA) * _NL
                l0 = (line - MAX_ROTATION) // _BIN_L
                for dl in range(l0, (line + MAX_ROTATION) // _BIN_L + 1):
                    out[n] = cq + dl % _NL
                    n += 1
    return n


@njit()
def _probe_index(m: I16, n: int) -> tuple[I16, I32, I16, I32, I16]:
    """Probe edges, their hash table (CSR) and a spatial grid of the probe minutiae (CSR)."""
    kp = PROBE_NEIGHBOURS
    idx = np.empty((max(n, 1), kp), dtype=np.int32)
    _neighbours(m, n, kp, idx)
    n_edges = 0
    for i in range(n):
        for j in range(kp):
            if idx[i, j] >= 0:
                n_edges += 1
    edges = np.empty((n_edges, 6), dtype=np.int16)
    e = 0
    for i in range(n):
        for j in range(kp):
            k = idx[i, j]
            if k < 0:
                continue
            d, rel, dd, line = _edge_features(m, i, k)
            edges[e, 0] = i
            edges[e, 1] = k
            edges[e, 2] = rel
            edges[e, 3] = dd
            edges[e, 4] = line
            edges[e, 5] = round(4.0 * d)
            e += 1

    cells = np.empty(n_edges * _CELLS_PER_EDGE, dtype=np.int32)
    ncell = np.empty(n_edges, dtype=np.int32)
    starts = np.zeros(_NCELLS + 1, dtype=np.int32)
    for e in range(n_edges):
        nc = _edge_cells(
            edges[e, 5] / 4.0, edges[e, 2], edges[e, 3], edges[e, 4], cells[e * _CELLS_PER_EDGE :]
        )
        ncell[e] = nc
        for c in range(nc):
            starts[cells[e * _CELLS_PER_EDGE + c] + 1] += 1
    for c in range(_NCELLS):
        starts[c + 1] += starts[c]
    fill = starts[:-1].copy()
    items = np.empty(int(starts[_NCELLS]), dtype=np.int16)
    for e in range(n_edges):
        for c in range(ncell[e]):
            cell = cells[e * _CELLS_PER_EDGE + c]
            items[fill[cell]] = e
            fill[cell] += 1

    gstart = np.zeros(_NGRID * _NGRID + 1, dtype=np.int32)
    gcell = np.empty(max(n, 1), dtype=np.int32)
    for i in range(n):
        gx = min(int(m[i, 0] / _GRID), _NGRID - 1)
        gv = min(int((COORD_MAX - m[i, 1]) / _GRID), _NGRID - 1)
        gcell[i] = gv * _NGRID + gx
        gstart[gcell[i] + 1] += 1
    for c in range(_NGRID * _NGRID):
        gstart[c + 1] += gstart[c]
    gfill = gstart[:-1].copy()
    gitems = np.empty(max(n, 1), dtype=np.int16)
    for i in range(n):
        gitems[gfill[gcell[i]]] = i
        gfill[gcell[i]] += 1
    return edges, starts, items, gstart, gitems


# --- comparison -----------------------------------------------------------------------------


@njit()
def _pair(probe: Probe, ref: Reference, xf: Transform, work: I32, pairs: I32) -> int:
    """Greedy closest-first pairing of mapped reference minutiae with probe minutiae.

    Candidates within tolerance are bucketed by a combined distance/angle cost and taken in
    bucket order (a counting sort: 16 buckets are plenty to order ~100 candidates). Writes the
    pairs to ``pairs[:, 0]`` (reference) and ``pairs[:, 1]`` (probe); returns their number.
    """
    pm, _, _, _, gstart, gitems = probe
    gm, gn, _ = ref
    pn = pm.shape[0]
    cos_r, sin_r, tx, tv, rot = xf
    rot_i = round(rot)
    cand = work[: 3 * _MAX_CAND].reshape((_MAX_CAND, 3))
    bstart = work[3 * _MAX_CAND : 3 * _MAX_CAND + 17]
    order = work[3 * _MAX_CAND + 17 : 4 * _MAX_CAND + 17]
    used = work[4 * _MAX_CAND + 17 : 4 * _MAX_CAND + 17 + 2 * _MAX_N]
    r2 = PAIR_DISTANCE_PX * PAIR_DISTANCE_PX
    nc = 0
    bstart[:] = 0
    for gi in range(gn):
        gx = float(gm[gi, 0])
        gv = COORD_MAX - float(gm[gi, 1])
        x = cos_r * gx - sin_r * gv + tx
        v = sin_r * gx + cos_r * gv + tv
        ta = int(gm[gi, 2]) + rot_i
        # Truncation instead of floor is exact here: negatives are clamped to cell 0 anyway.
        cx0 = max(int((x - PAIR_DISTANCE_PX) * (1.0 / _GRID)), 0)
        cx1 = min(int((x + PAIR_DISTANCE_PX) * (1.0 / _GRID)), _NGRID - 1)
        cv0 = max(int((v - PAIR_DISTANCE_PX) * (1.0 / _GRID)), 0)
        cv1 = min(int((v + PAIR_DISTANCE_PX) * (1.0 / _GRID)), _NGRID - 1)
        for cv in range(cv0, cv1 + 1):
            c0 = cv * _NGRID
            for t in range(gstart[c0 + cx0], gstart[c0 + cx1 + 1]):
                pj = gitems[t]
                dx = float(pm[pj, 0]) - x
                dv = (COORD_MAX - float(pm[pj, 1])) - v
                dd = (dx * dx + dv * dv) * (1.0 / r2)
                da = float(((int(pm[pj, 2]) - ta + 128) & 255) - 128) * (1.0 / PAIR_ANGLE)
                cost = dd + da * da
                ok = (dd <= 1.0) & (abs(da) <= 1.0) & (nc < _MAX_CAND - 1)
                b = min(int(cost * 8.0), 15)
                cand[nc, 0] = gi
                cand[nc, 1] = pj
                cand[nc, 2] = b
                bstart[b + 1] += ok
                nc += ok
    for b in range(16):
        bstart[b + 1] += bstart[b]
    for c in range(nc):
        b = cand[c, 2]
        order[bstart[b]] = c
        bstart[b] += 1
    used[: _MAX_N + pn] = 0
    npair = 0
    for o in range(nc):
        c = order[o]
        gi = cand[c, 0]
        pj = cand[c, 1]
        if used[gi] == 0 and used[_MAX_N + pj] == 0:
            used[gi] = 1
            used[_MAX_N + pj] = 1
            pairs[npair, 0] = gi
            pairs[npair, 1] = pj
            npair += 1
    return npair


@njit()
def _fit(pm: I16, gm: I16, corr: I32, n: int) -> Transform:
    """Least-squares rotation + translation taking reference points onto probe points."""
    sgx = 0.0
    sgv = 0.0
    spx = 0.0
    spv = 0.0
    for j in range(n):
        sgx += float(gm[corr[j, 0], 0])
        sgv += COORD_MAX - float(gm[corr[j, 0], 1])
        spx += float(pm[corr[j, 1], 0])
        spv += COORD_MAX - float(pm[corr[j, 1], 1])
    mgx = sgx / n
    mgv = sgv / n
    mpx = spx / n
    mpv = spv / n
    sc = 0.0
    ss = 0.0
    for j in range(n):
        ax = float(gm[corr[j, 0], 0]) - mgx
        av = COORD_MAX - float(gm[corr[j, 0], 1]) - mgv
        bx = float(pm[corr[j, 1], 0]) - mpx
        bv = COORD_MAX - float(pm[corr[j, 1], 1]) - mpv
        sc += ax * bx + av * bv
        ss += ax * bv - av * bx
    phi = math.atan2(ss, sc)
    c = math.cos(phi)
    s = math.sin(phi)
    return c, s, mpx - (c * mgx - s * mgv), mpv - (s * mgx + c * mgv), phi / _UNIT


@njit()
def _compare(probe: Probe, ref: Reference, work: I32, refine: bool) -> int:
    """Number of paired minutiae between a prepared probe and a reference finger (0 if none).

    ``work`` is scratch space (:data:`WORK_SIZE` int32), reused across calls to avoid allocation
    in the 1:N loop; it must not be shared between threads. ``refine=False`` skips the ICP
    re-pairing, for the 1:N prefilter stage where only the ranking matters.
    """
    pm, pedges, cstart, citems, _, _ = probe
    gm, gn, ge = ref
    pn = pm.shape[0]
    if pn < 2 or gn < 2:
        return 0
    acc = work[: _NACC + 1]
    off = _NACC + 1
    hits = work[off : off + 2 * _MAX_HITS].reshape((_MAX_HITS, 2))
    off += 2 * _MAX_HITS
    vcell = work[off : off + _MAX_HITS]
    off += _MAX_HITS
    vbin = work[off : off + 3 * _MAX_HITS].reshape((_MAX_HITS, 3))
    off += 3 * _MAX_HITS
    corr = work[off : off + 4 * _MAX_HITS].reshape((2 * _MAX_HITS, 2))
    off += 4 * _MAX_HITS
    pairs = work[off : off + 2 * _MAX_N].reshape((_MAX_N, 2))
    off += 2 * _MAX_N
    pwork = work[off:]

    # Edge matches. The tolerance tests pass about one time in five at random, which no branch
    # predictor can learn, so they are evaluated without branches and a failing candidate is
    # overwritten by the next one.
    nh = 0
    for i in range(gn):
        for j in range(REF_NEIGHBOURS):
            if ge[i, j, 0] == _NO_EDGE:
                break
            d4 = 4 * int(ge[i, j, 1])
            rel = int(ge[i, j, 2])
            dd = int(ge[i, j, 3])
            line = int(ge[i, j, 4])
            db = d4 // round(4 * _BIN_D)
            if db >= _ND:
                continue
            cell = ((db * _NA + rel // _BIN_A) * _NA + dd // _BIN_A) * _NL + line // _BIN_L
            g = i * REF_NEIGHBOURS + j
            if nh + cstart[cell + 1] - cstart[cell] > _MAX_HITS:
                continue
            for t in range(cstart[cell], cstart[cell + 1]):
                e = citems[t]
                ok = (
                    (abs(int(pedges[e, 5]) - d4) <= _D4_TOL)
                    & (abs(((int(pedges[e, 2]) - rel + 128) & 255) - 128) <= EDGE_ANGLE_TOL)
                    & (abs(((int(pedges[e, 3]) - dd + 128) & 255) - 128) <= EDGE_ANGLE_TOL)
                    & (abs(((int(pedges[e, 4]) - line + 128) & 255) - 128) <= MAX_ROTATION)
                )
                hits[nh, 0] = g
                hits[nh, 1] = e
                nh += ok

    # Hough votes in (rotation, translation about the window centre).
    nv = 0
    for h in range(nh):
        i = hits[h, 0] // REF_NEIGHBOURS
        k = int(ge[i, hits[h, 0] % REF_NEIGHBOURS, 0])
        line = int(ge[i, hits[h, 0] % REF_NEIGHBOURS, 4])
        e = hits[h, 1]
        pi = int(pedges[e, 0])
        pk = int(pedges[e, 1])
        d_line = ((int(pedges[e, 4]) - line + 128) & 255) - 128
        w_i = ((int(pm[pi, 2]) - int(gm[i, 2]) - d_line + 128) & 255) - 128
        w_k = ((int(pm[pk, 2]) - int(gm[k, 2]) - d_line + 128) & 255) - 128
        rot4 = 4 * d_line + w_i + w_k  # line angle weighted 2:1:1 against the two directions
        if abs(rot4) > _ROT4_MAX:
            continue
        c = _COS4[rot4 + _ROT4_MAX]
        s = _SIN4[rot4 + _ROT4_MAX]
        mgx = 0.5 * float(int(gm[i, 0]) + int(gm[k, 0])) - _CENTER
        mgv = COORD_MAX - 0.5 * float(int(gm[i, 1]) + int(gm[k, 1])) - _CENTER
        mpx = 0.5 * float(int(pm[pi, 0]) + int(pm[pk, 0])) - _CENTER
        mpv = COORD_MAX - 0.5 * float(int(pm[pi, 1]) + int(pm[pk, 1])) - _CENTER
        tx = mpx - (c * mgx - s * mgv) + _T_HALF
        tv = mpv - (s * mgx + c * mgv) + _T_HALF
        if tx < 0.0 or tv < 0.0 or tx >= 2 * _T_HALF or tv >= 2 * _T_HALF:
            continue
        rb = (rot4 + _ROT4_MAX) // (4 * _ROT_BIN)
        xb = int(tx * (1.0 / _T_BIN))
        vb = int(tv * (1.0 / _T_BIN))
        cell_h = (rb * _NT + xb) * _NT + vb
        acc[cell_h] += 1
        hits[nv, 0] = hits[h, 0]
        hits[nv, 1] = e
        vcell[nv] = cell_h
        vbin[nv, 0] = rb
        vbin[nv, 1] = xb
        vbin[nv, 2] = vb
        nv += 1
    if nv == 0:
        return 0
    best = 0
    peak = 0
    for v in range(nv):
        if acc[vcell[v]] > best:
            best = acc[vcell[v]]
            peak = vcell[v]
    for v in range(nv):
        acc[vcell[v]] = 0

    # Correspondences from the votes around the peak, then fit, pair, refit, pair.
    pr = peak // (_NT * _NT)
    px = (peak // _NT) % _NT
    pv = peak % _NT
    nc = 0
    for v in range(nv):
        if (abs(vbin[v, 0] - pr) <= 1) & (abs(vbin[v, 1] - px) <= 1) & (abs(vbin[v, 2] - pv) <= 1):
            i = hits[v, 0] // REF_NEIGHBOURS
            e = hits[v, 1]
            corr[nc, 0] = i
            corr[nc, 1] = pedges[e, 0]
            corr[nc + 1, 0] = ge[i, hits[v, 0] % REF_NEIGHBOURS, 0]
            corr[nc + 1, 1] = pedges[e, 1]
            nc += 2
    n1 = _pair(probe, ref, _fit(pm, gm, corr, nc), pwork, pairs)
    if not refine or n1 < REFINE_MIN:
        return n1
    n2 = _pair(probe, ref, _fit(pm, gm, pairs, n1), pwork, pairs)
    return max(n1, n2)


WORK_SIZE = _NACC + 1 + 10 * _MAX_HITS + 2 * _MAX_N + 4 * _MAX_CAND + 17 + 2 * _MAX_N
"""Scratch space, in int32, one comparison needs (≈ 150 KB)."""


@njit()
def _score(npair: int, pn: int, gn: int) -> float:
    return min(1.0, float(npair * npair) / (max(pn, MIN_COUNT) * max(gn, MIN_COUNT)))


# --- typed front ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PreparedProbe:
    """A finger prepared for the probe role: edges, their hash table and a spatial grid.

    Build it once per search with :func:`prepare_probe` and compare it against many references.
    """

    arrays: Probe

    @property
    def n(self) -> int:
        return int(self.arrays[0].shape[0])


def prepare_probe(t: FingerTemplate) -> PreparedProbe:
    """Index ``t`` for the probe role."""
    m = np.ascontiguousarray(t.minutiae)
    return PreparedProbe((m, *_probe_index(m, m.shape[0])))


def reference_edges(t: FingerTemplate) -> U8:
    """Edges of ``t`` for the reference role, ``(n, REF_NEIGHBOURS, 5)`` uint8."""
    m = np.ascontiguousarray(t.minutiae)
    out = np.empty((m.shape[0], REF_NEIGHBOURS, 5), dtype=np.uint8)
    _reference_edges(m, m.shape[0], out)
    return out


class Workspace:
    """Scratch buffers for one thread of comparisons, reused across calls."""

    def __init__(self) -> None:
        self.work: I32 = np.zeros(WORK_SIZE, dtype=np.int32)


def compare(
    probe: PreparedProbe, ref: FingerTemplate, edges: U8, ws: Workspace | None = None
) -> float:
    """Score of a prepared probe against a reference with precomputed :func:`reference_edges`."""
    w = ws or Workspace()
    rm = np.ascontiguousarray(ref.minutiae)
    n = _compare(probe.arrays, (rm, rm.shape[0], edges), w.work, True)
    return float(_score(n, probe.n, rm.shape[0]))


def finger_score(a: FingerTemplate, b: FingerTemplate) -> float:
    """Similarity in [0, 1] of two finger templates; ``a`` takes the probe role."""
    return compare(prepare_probe(a), b, reference_edges(b))


def tenprint_scores(a: Tenprint, b: Tenprint) -> npt.NDArray[np.float64]:
    """Per-position finger scores of two tenprints; a position missing on either side is 0."""
    out = np.zeros(FINGER_POSITIONS)
    ws = Workspace()
    for i, (fa, fb) in enumerate(zip(a.fingers, b.fingers, strict=True)):
        if fa is not None and fb is not None:
            out[i] = compare(prepare_probe(fa), fb, reference_edges(fb), ws)
    return out


def fuse(scores: Sequence[float] | npt.NDArray[np.float64]) -> float:
    """Ten-finger score: the sum of the finger scores.

    A sum (not a mean over present fingers) because every finger is independent evidence:
    impostor finger scores are small and roughly independent, so their sum grows slowly, while
    genuine ones add up fast; and a missing finger simply contributes nothing instead of
    inflating the others' weight. Range [0, 10].
    """
    return float(np.sum(np.asarray(scores, dtype=np.float64)))
