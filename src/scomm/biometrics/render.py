"""Rendered fingerprint images of master fingers, booking impressions of them, and WSQ.

Most bookings carry templates only (:mod:`scomm.biometrics.synthetic`); a subset also carries
images, in ANSI/NIST Type-14 records, so the image path (rendering, WSQ, extraction) is
exercised end to end. This module makes those images.

**Master image** (:func:`render_master`). SFinGe's pipeline (reference/biometrics.md §3.1):
orientation map from the singular points, density map, ridge growth by iterating a bank of
oriented Gabor filters, rendering. Plain SFinGe growth makes its *own* minutiae wherever growth
fronts meet or ridges must fan out, so the picture would not carry the master's minutiae and
the template and image of one finger would disagree. The ridges are therefore built in layers:

1. *Base pattern*, SFinGe proper. From three random seeds, a bank of Gabor filters (32
   orientations x period bins of 0.25 px, the period following the density map) is applied
   pixel by pixel, each pixel with the filter of its orientation and period, clipped to
   [-1, 1] and damped, until fewer than 1 % of the finger's pixels flip between ridge and
   valley (and fewer than 1 % are still blank). This runs at half resolution (period ≈ 4.5 px,
   an 8x smaller problem): the base only supplies a smooth *phase*, not the final ridges.
2. *Phase and minutiae* (the phase-field model of Larkin & Fletcher, "A coherent framework for
   fingerprint analysis", Opt. Express 15(14), 2007). The base's local phase ψ is read off
   with a quadrature (even/odd) Gabor pair and brought to full resolution. Its own minutiae
   show up as phase singularities and are cancelled by opposite spirals; each master minutia
   becomes a spiral ``± arg(z - z_i)``, and the ridges are ``cos(ψ + Σ ± arg(z - z_i))``.
   The sign puts the extra ridge on the side the minutia points to; the minutia is moved
   across the ridges by at most half a period so that its centre falls on a ridge (an ending)
   or a valley (a bifurcation), as its type requires. A phase needs a *direction* field, which
   cannot be continuous around a core or delta; its flips are confined to short cuts joining
   singular points in pairs (or one to the finger's edge), and a smooth phase term fading away
   from the cuts makes the spirals' total phase a multiple of π on them, so no seam shows.
3. *Healing*: where the base's phase is too weak to mean anything (at cores and deltas, at the
   edge of the grown area), the same Gabor growth re-forms the ridges, everything else fixed.

Measured with ``python -m scomm.biometrics.render`` and over 15 fingers of every class, on
this 2-core box while shared: ~0.2-0.3 s per finger; a plain skeleton extractor
(:func:`extract_minutiae`) finds ~98 % of the master's minutiae within 10 px (~88 % also
within 30°; its direction tracing is crude) with the right type, and ~8 % extra minutiae,
mostly at deltas and cores. Deltas sometimes come out as a small blot or ring.

**Impression** (:func:`render_impression`). The capture effects of
:class:`~scomm.biometrics.synthetic.ImpressionNoise`, drawn the same way :func:`impress` draws
them for a template but from the caller's generator: contact ellipse, plastic distortion
(Cappelli-Maio-Maltoni brake model), rotation and translation, then press effects (dry/wet
skin as grey erosion/dilation, blob noise denser toward the periphery, pressure fading toward
the contact edge, ink and background levels, sensor blur and noise). The image of a booking
and its template are thus two captures of the same master finger under the same noise model,
not the same capture: a matcher should match them as mates, not expect identical minutiae.

**WSQ** (:func:`wsq_encode`, :func:`wsq_decode`) goes through the ``wsq`` Pillow plugin (NBIS
5.0). Its C wrapper ignores the ratio argument and always encodes at 0.75 bit/pixel, the FBI's
target for 500 ppi prints (nominally 10.7:1; the white background makes rendered prints
smaller). NBIS's decoder crashes the process on some corrupt streams (seen while fuzzing:
altered frame and Huffman headers, damaged entropy-coded data), so decoding runs in a
short-lived child interpreter (~20 ms) and any failure becomes
:class:`~scomm.domain.errors.InvalidInput`.

Coordinates are image pixels at 500 ppi, y down; angles are ISO/IEC 19794-2 radians
(counter-clockwise as seen on the image), as everywhere in :mod:`scomm.biometrics`. Internally
angles are handled in the complex "math frame" ``z = x - i·y`` where that sense is the usual one.
"""

from __future__ import annotations

import argparse
import functools
import io
import math
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw
from scipy import ndimage

from scomm.biometrics._jit import njit
from scomm.biometrics.synthetic import (
    CENTER,
    CLASSES,
    ImpressionNoise,
    MasterFinger,
    PatternClass,
    make_master_tenprint,
)
from scomm.biometrics.template import BIFURCATION, RIDGE_ENDING
from scomm.domain.errors import InvalidInput

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
Bool = npt.NDArray[np.bool_]
C128 = npt.NDArray[np.complex128]

SIZE = 512
"""Image side in pixels: the template window (26 mm at 500 ppi)."""

N_ORIENT = 32
"""Orientation bins of the Gabor bank (5.6° each; finer bins buy nothing visible)."""

PERIOD_STEP = 0.25
"""Period bins of the Gabor bank, in pixels at the resolution the bank is used at."""

SIGMA_ALONG = 0.5
SIGMA_ACROSS = 0.35
"""Gabor envelope standard deviations along and across the ridges, in periods. Across: narrow
enough to pass ±20 % period changes (the density map's range) while rejecting the wrong
orientation; along: long enough to carry a ridge forward, short enough to follow its bend."""

GROWTH_GAIN = 12.0
"""Response of a growth filter to a matched unit sinusoid. Above 1 so that a seed's pattern
spreads and saturates (at the ±1 clip) instead of fading; this high, the fronts cross the
finger in ~30 steps instead of ~55 at a gain of 3, and leave slightly fewer defects behind."""

DAMPING = 0.3
"""Share of a pixel's previous value kept at each growth step. Undamped (Jacobi) growth keeps
oscillating along ridge edges and never meets the stopping rule."""

STOP_FLIPS = 0.01
"""Growth stops when fewer than this share of the pixels it updates flip ridge <-> valley."""

MAX_GROWTH_STEPS = 120
"""A bound only: growth from three seeds stops after 30-40 steps."""

BASE_SEEDS = 3
"""Random seeds of the base growth ("one or a few", as in SFinGe)."""

WEAK = 0.25
"""Where the base's quadrature amplitude is below this share of its median, its phase is noise
(cores, deltas, the edge of the grown area): growth re-forms the ridges there at the end."""

CUT_BLEND = 4.0
"""Half-width, in periods, of the band in which the cut correction phase fades to zero: wide
enough that the ridge spacing it perturbs changes by ≲ 15 %."""

SHARPNESS = 2.5
"""Slope of the soft threshold that turns ``cos(phase)`` into flat-topped ridges."""

DEFAULT_NOISE = ImpressionNoise()
"""Impressions' default capture model: the templates' default (a module-level instance, as
argument defaults must not call)."""


# --- geometry of one finger ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Field:
    """Per-pixel geometry of a master finger on a grid of pixel centres.

    ``alpha`` is the ridge *direction* (ISO radians): the master's orientation lifted by 0 or π
    so that it is continuous everywhere except across ``cuts``; ``period`` is the local ridge
    period in full-resolution pixels; ``inside`` marks the finger area.
    """

    alpha: F64
    period: F64
    inside: Bool


_Cut = tuple[complex, complex]
"""A cut segment in the math frame: the direction field flips across it."""


def _singular_points(finger: MasterFinger) -> list[tuple[complex, float]]:
    """Cores (index +½) and deltas (-½) as math-frame points."""
    pts = [(complex(c[0], -c[1]), 0.5) for c in finger.cores]
    return pts + [(complex(d[0], -d[1]), -0.5) for d in finger.deltas]


def _cuts(finger: MasterFinger) -> list[tuple[complex, complex, float, float]]:
    """Pair up singular points with the shortest total cut length.

    A direction field cannot be continuous around a core or delta (the ridge direction turns by
    π), so each one needs a cut ending at another singular point or leaving the finger. Each
    cut is ``(p, q, w_p, w_q)`` with the indices ½ (core) or -½ (delta); a point sent to the
    edge gets an end point ``q`` far outside the window, on the ray from the finger's centre,
    with ``w_q = 0``. Short cuts need little phase correction (:func:`_cut_correction`), so the
    pairing with the shortest total length is chosen; with at most four singular points,
    trying every pairing costs nothing.
    """
    pts = _singular_points(finger)
    cx, cy = finger.center
    centre = complex(cx, -cy)
    a, b = finger.semi_axes

    def to_edge(p: complex) -> tuple[float, complex]:
        d = p - centre
        if abs(d) < 1e-6:
            d = complex(0.0, -1.0)
        rho = math.hypot(d.real / a, d.imag / b)
        length = abs(d) * max(1.0 / max(rho, 1e-6) - 1.0, 0.0)
        return length, p + d / abs(d) * 4 * SIZE

    def best(rest: list[int]) -> tuple[float, list[tuple[int, int]]]:
        if not rest:
            return 0.0, []
        i, others = rest[0], rest[1:]
        cost, pairs = best(others)
        options = [(cost + to_edge(pts[i][0])[0], [(i, -1), *pairs])]
        for k in others:
            cost, pairs = best([j for j in others if j != k])
            options.append((cost + abs(pts[i][0] - pts[k][0]), [(i, k), *pairs]))
        return min(options, key=lambda o: o[0])

    out = []
    for i, k in best(list(range(len(pts))))[1]:
        p, w = pts[i]
        if k < 0:
            out.append((p, to_edge(p)[1], w, 0.0))
        else:
            out.append((p, pts[k][0], w, pts[k][1]))
    return out


def _field(finger: MasterFinger, scale: int) -> _Field:
    """Direction, period and area on the grid of ``SIZE // scale`` pixels a side whose pixels
    are ``scale`` image pixels wide (1: the image itself, 2: the half-resolution base).

    The orientation comes from the master (:meth:`MasterFinger.orientation`). It is lifted to a
    direction with a reference angle ``Σ w·arg(z - s)`` over the singular points, written per
    cut as ``w_p·arg((z - p)/(z - q)) + (w_p + w_q)·arg(z - q)`` so that it jumps by π only
    across the cut: the first term's branch cut is the segment, and the second either has an
    integer index (its 2π jump is invisible) or, for a cut to the edge, is taken with its branch
    pointing away from the finger. The reference then differs from the true orientation only by
    the master's smooth arch term (< π/2), so rounding to the nearest multiple of π is safe.

    The period follows the density model that spaced the master's minutiae (``synthetic``):
    ~20 % wider at the edge of the finger, ~12 % narrower around the first core. Both are
    evaluated inside the finger area only (zero outside).
    """
    n = SIZE // scale
    grid = np.arange(n) * scale + (scale - 1) / 2.0
    cx, cy = finger.center
    a, b = finger.semi_axes
    rho2_grid = ((grid[None, :] - cx) / a) ** 2 + ((grid[:, None] - cy) / b) ** 2
    inside = rho2_grid <= 1.0
    iy, ix = np.nonzero(inside)
    x, y, rho2 = grid[ix], grid[iy], rho2_grid[iy, ix]
    theta = finger.orientation(x, y)
    z = x - 1j * y
    ref = np.zeros(z.shape)
    centre = complex(cx, -cy)
    for p, q, wp, wq in _cuts(finger):
        away = (centre - q) / abs(centre - q)
        tail = np.angle((z - q) * np.conj(away)) + np.angle(away) if wq == 0 else np.angle(z - q)
        ref += wp * np.angle((z - p) / (z - q)) + (wp + wq) * tail
    core = finger.cores[0] if len(finger.cores) else np.array(finger.center)
    dc2 = (x - core[0]) ** 2 + (y - core[1]) ** 2
    alpha = np.zeros((n, n))
    period = np.zeros((n, n))
    alpha[iy, ix] = theta + math.pi * np.rint((ref - theta) / math.pi)
    period[iy, ix] = (
        finger.ridge_period * (1.0 + 0.2 * rho2) * (1.0 - 0.12 * np.exp(-dc2 / (2 * 45.0**2)))
    )
    return _Field(alpha, period, inside)


# --- Gabor bank and the filtering kernels ------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _bank(first: int, count: int, radius: int, kind: str, gain: float = 1.0) -> F32:
    """Gabor kernels ``(N_ORIENT * count, 2r+1, 2r+1)`` for periods ``(first + j)·PERIOD_STEP``.

    Kernel ``o * count + j`` is centred on ridge direction ``(o + ½)·π/N_ORIENT``; ``v`` is the
    offset across the ridge, along the direction turned a quarter turn counter-clockwise.
    ``kind`` is ``"even"`` (zero-mean, so that flat areas stay flat, with response ``gain`` to
    its sinusoid) or ``"odd"`` (its quadrature partner, unit response). Kernels are applied as
    correlations.
    """
    dy, dx = np.mgrid[-radius : radius + 1, -radius : radius + 1].astype(float)
    out = np.empty((N_ORIENT, count, 2 * radius + 1, 2 * radius + 1), dtype=np.float32)
    for o in range(N_ORIENT):
        ang = (o + 0.5) * math.pi / N_ORIENT
        u = dx * math.cos(ang) - dy * math.sin(ang)
        v = -dx * math.sin(ang) - dy * math.cos(ang)
        for j in range(count):
            period = (first + j) * PERIOD_STEP
            env = np.exp(-0.5 * (u / (SIGMA_ALONG * period)) ** 2)
            env *= np.exp(-0.5 * (v / (SIGMA_ACROSS * period)) ** 2)
            phase = 2 * math.pi * v / period
            if kind == "odd":
                g = env * np.sin(phase)
                g /= (g * np.sin(phase)).sum()
            else:
                g = env * np.cos(phase)
                g -= env * (g.sum() / env.sum())
                g *= gain / (g * np.cos(phase)).sum()
            out[o, j] = g
    bank = out.reshape(N_ORIENT * count, 2 * radius + 1, 2 * radius + 1)
    bank.setflags(write=False)
    return bank


@dataclass(frozen=True, eq=False)
class _Plan:
    """Which kernel each pixel of a region uses, on a padded grid of one resolution."""

    first: int
    count: int
    radius: int
    ys: I64
    xs: I64
    kernel: I64
    odd_sign: F32

    @staticmethod
    def of(f: _Field, region: Bool, scale: float) -> _Plan:
        """Kernel choices for the pixels of ``region``; ``scale`` divides the periods (2 for the
        half-resolution base). Coordinates are offset by the radius, the padding."""
        period = f.period / scale
        p = period[f.inside]
        first = math.floor(p.min() / PERIOD_STEP)
        count = math.ceil(p.max() / PERIOD_STEP) - first + 1
        radius = math.ceil(0.95 * (first + count - 1) * PERIOD_STEP)
        ys, xs = np.nonzero(region)
        a = f.alpha[ys, xs]
        o = np.floor(np.mod(a, math.pi) / (math.pi / N_ORIENT)).astype(np.int64) % N_ORIENT
        j = np.clip(np.rint(period[ys, xs] / PERIOD_STEP).astype(np.int64) - first, 0, count - 1)
        sign = np.where(np.mod(a, 2 * math.pi) < math.pi, 1.0, -1.0).astype(np.float32)
        return _Plan(first, count, radius, ys + radius, xs + radius, o * count + j, sign)

    def bank(self, kind: str, gain: float = 1.0) -> F32:
        return _bank(self.first, self.count, self.radius, kind, gain)


@njit()
def _dot(src: F32, bank: F32, k: int, y: int, x: int, radius: int, part: F32) -> float:
    """Kernel ``k`` correlated with ``src`` at ``(y, x)``.

    Products are summed into one partial sum per kernel column, and those at the end: a loop
    the compiler can vectorise without reordering a floating-point reduction (``fastmath`` is
    off), ~3x faster than a plain double loop."""
    w = 2 * radius + 1
    part[:] = 0.0
    for dy in range(w):
        row = bank[k, dy]
        s = src[y + dy - radius, x - radius : x + radius + 1]
        for dx in range(w):
            part[dx] += row[dx] * s[dx]
    return float(part.sum())


@njit()
def _quadrature(
    src: F32, even: F32, odd: F32, kernel: I64, ys: I64, xs: I64, radius: int
) -> tuple[F32, F32]:
    """Responses of the even and odd banks at the listed pixels."""
    part = np.zeros(2 * radius + 1, dtype=np.float32)
    e = np.empty(ys.shape[0], dtype=np.float32)
    o = np.empty(ys.shape[0], dtype=np.float32)
    for i in range(ys.shape[0]):
        e[i] = _dot(src, even, kernel[i], ys[i], xs[i], radius, part)
        o[i] = _dot(src, odd, kernel[i], ys[i], xs[i], radius, part)
    return e, o


@njit()
def _grow_step(
    src: F32,
    dst: F32,
    bank: F32,
    kernel: I64,
    ys: I64,
    xs: I64,
    radius: int,
    moved: npt.NDArray[np.bool_],
    tile: int,
) -> tuple[int, int]:
    """One damped growth step from ``src`` into ``dst`` on the listed pixels.

    ``moved`` flags tiles (``tile`` px, at least the kernel radius) in which some value changed
    by more than 1e-3 at the previous step; a pixel whose own and neighbouring tiles all stood
    still would get back its own value, so it is copied instead of filtered. On return
    ``moved`` describes this step. Early on only the growth fronts are live, late only the few
    places still settling, which makes growth several times cheaper than filtering everything.

    Returns how many pixels flipped sign (ridge <-> valley) and how many are still blank
    (|value| < 0.01: no growth front has reached them)."""
    th, tw = moved.shape
    live = np.zeros((th, tw), dtype=np.bool_)
    for ty in range(th):
        for tx in range(tw):
            if moved[ty, tx]:
                live[max(ty - 1, 0) : ty + 2, max(tx - 1, 0) : tx + 2] = True
    moved[:, :] = False
    part = np.zeros(2 * radius + 1, dtype=np.float32)
    flips = 0
    blank = 0
    for i in range(ys.shape[0]):
        y, x = ys[i], xs[i]
        old = src[y, x]
        ty, tx = y // tile, x // tile
        if live[ty, tx]:
            r = _dot(src, bank, kernel[i], y, x, radius, part)
            v = min(1.0, max(-1.0, (1.0 - DAMPING) * r + DAMPING * old))
            if abs(v - old) > 1e-3:
                moved[ty, tx] = True
            if (v > 0.0) != (old > 0.0):
                flips += 1
        else:
            v = old
        if abs(v) < 0.01:
            blank += 1
        dst[y, x] = v
    return flips, blank


def _grow(img: F32, plan: _Plan) -> int:
    """Iterate growth on ``plan``'s pixels of the padded ``img`` (in place) until fewer than
    :data:`STOP_FLIPS` of them flip and fewer than that are still blank; returns the number of
    steps."""
    n = plan.ys.shape[0]
    if n == 0:
        return 0
    bank = plan.bank("even", GROWTH_GAIN)
    tile = max(plan.radius, 8)
    moved = np.ones((img.shape[0] // tile + 1, img.shape[1] // tile + 1), dtype=np.bool_)
    other = img.copy()
    src, dst = img, other
    steps = 0
    while steps < MAX_GROWTH_STEPS:
        flips, blank = _grow_step(
            src, dst, bank, plan.kernel, plan.ys, plan.xs, plan.radius, moved, tile
        )
        src, dst = dst, src
        steps += 1
        if flips < STOP_FLIPS * n and blank < STOP_FLIPS * n:
            break
    if src is not img:
        img[...] = src
    return steps


# --- spirals --------------------------------------------------------------------------------------


@njit()
def _spiral(x: F64, y: F64, mx: F64, my: F64, sign: I64) -> C128:
    """``Π_j ((z - z_j)/|z - z_j|)^sign_j`` at the points ``x, y`` (math frame ``z = x - iy``).

    Factors are multiplied as complex numbers, renormalised every 16 factors (16 distances of
    < 800 px cannot overflow), which is several times cheaper than summing ``atan2`` terms. The
    loop runs over minutiae outside and a block of points inside so that it vectorises."""
    n = x.shape[0]
    out = np.empty(n, dtype=np.complex128)
    block = 256
    re = np.empty(block)
    im = np.empty(block)
    for start in range(0, n, block):
        m = min(n, start + block) - start
        re[:m] = 1.0
        im[:m] = 0.0
        for j in range(mx.shape[0]):
            s = float(sign[j])
            for p in range(m):
                qr = x[start + p] - mx[j]
                qi = s * (my[j] - y[start + p])
                r = re[p] * qr - im[p] * qi
                im[p] = re[p] * qi + im[p] * qr
                re[p] = r
            if j % 16 == 15 or j == mx.shape[0] - 1:
                for p in range(m):
                    inv = 1.0 / (math.sqrt(re[p] * re[p] + im[p] * im[p]) + 1e-300)
                    re[p] *= inv
                    im[p] *= inv
        for p in range(m):
            out[start + p] = complex(re[p], im[p])
    return out


def _phase(z: C128) -> F64:
    """Phase of complex values in (-π, π]."""
    return np.arctan2(z.imag, z.real)


_Correction = tuple[complex, complex, F64]
"""A cut's correction: its end points and the phase to add along it (evenly sampled)."""


def _cut_correction(cuts: Sequence[_Cut], mx: F64, my: F64, sign: I64) -> list[_Correction]:
    """Per cut, the spirals' total phase ``S`` sampled along it, unwrapped and offset to the
    nearest multiple of π: the correction ``H`` is minus that on the cut.

    Across a cut the base phase changes sign (ψ → -ψ), so ``cos(ψ + S)`` on one side meets
    ``cos(ψ - S)`` on the other: a seam wherever ``S`` is not a multiple of π. Adding a smooth
    ``H`` with ``S + H ≡ kπ`` on the cut removes it without changing any winding, hence without
    adding or removing a minutia. (A slight kink remains where ``S`` has a slope across the
    cut; cancelling the slope too was tried and made matters worse near minutiae on the cut.)"""
    out = []
    for p, q in cuts:
        n = max(2, int(abs(q - p)) + 1)
        t = np.linspace(0.0, 1.0, n)
        x = p.real + t * (q - p).real
        y = -(p.imag + t * (q - p).imag)
        s = np.unwrap(_phase(_spiral(x, y, mx, my, sign)))
        k = math.pi * round(float(np.mean(s)) / math.pi)
        out.append((p, q, k - s))
    return out


def _correction_at(corr: Sequence[_Correction], x: F64, y: F64, blend: float) -> F64:
    """The cut correction ``H`` at points ``x, y``: each cut's profile at the nearest point of
    the cut, faded by a raised cosine over ``blend`` pixels."""
    h = np.zeros(x.shape)
    z = x - 1j * y
    for p, q, prof in corr:
        d = q - p
        t = np.clip(((z - p) * np.conj(d)).real / (abs(d) ** 2), 0.0, 1.0)
        dist = np.abs(z - (p + t * d))
        near = dist < blend
        if not near.any():
            continue
        val = np.interp(t[near], np.linspace(0.0, 1.0, prof.shape[0]), prof)
        h[near] += val * 0.5 * (1.0 + np.cos(math.pi * dist[near] / blend))
    return h


# --- the master image -----------------------------------------------------------------------


def _base(finger: MasterFinger, rng: np.random.Generator) -> tuple[C128, _Field]:
    """SFinGe ridge growth at half resolution from :data:`BASE_SEEDS` random seeds.

    Returns the grown pattern's local phase as unit-free phasors ``E - i·O`` (responses of the
    quadrature Gabor pair along the direction field, zero outside the finger) and the
    half-resolution field."""
    f = _field(finger, 2)
    n = SIZE // 2
    plan = _Plan.of(f, f.inside, 2.0)
    r = plan.radius
    img = np.zeros((n + 2 * r, n + 2 * r), dtype=np.float32)
    cx, cy = finger.center
    a, b = finger.semi_axes
    for _ in range(BASE_SEEDS):
        rho = 0.5 * math.sqrt(rng.random())
        phi = 2 * math.pi * rng.random()
        sx = int((cx + a * rho * math.cos(phi)) / 2) + r
        sy = int((cy + b * rho * math.sin(phi)) / 2) + r
        img[sy - 2 : sy + 3, sx - 2 : sx + 3] = rng.uniform(-1.0, 1.0, (5, 5))
    _grow(img, plan)
    even, odd = _quadrature(
        img, plan.bank("even"), plan.bank("odd"), plan.kernel, plan.ys, plan.xs, r
    )
    phasor = np.zeros((n, n), dtype=np.complex128)
    phasor[plan.ys - r, plan.xs - r] = even - 1j * (odd * plan.odd_sign)
    return phasor, f


@njit()
def _upsample(half: C128, half_alpha: F64, alpha: F64, ys: I64, xs: I64) -> C128:
    """Bilinear 2x upsampling of the base's phasors to the pixels ``(ys, xs)``.

    A phasor's phase is measured along its pixel's direction; where a neighbour's direction is
    opposite (across a cut) its phasor is conjugated first, so that the four interpolated
    values agree on their sense and the cut stays sharp."""
    n = half.shape[0]
    out = np.zeros(ys.shape[0], dtype=np.complex128)
    for i in range(ys.shape[0]):
        y, x = ys[i], xs[i]
        a = alpha[y, x]
        hy = (y + 0.5) / 2.0 - 0.5
        hx = (x + 0.5) / 2.0 - 0.5
        y0 = math.floor(hy)
        x0 = math.floor(hx)
        fy, fx = hy - y0, hx - x0
        acc = 0.0 + 0.0j
        for dy in range(2):
            for dx in range(2):
                yy = min(max(y0 + dy, 0), n - 1)
                xx = min(max(x0 + dx, 0), n - 1)
                v = half[yy, xx]
                if math.cos(half_alpha[yy, xx] - a) < 0.0:
                    v = v.conjugate()
                acc += (fy if dy else 1.0 - fy) * (fx if dx else 1.0 - fx) * v
        out[i] = acc
    return out


@njit()
def _windings(phasor: C128, alpha: F64, inside: npt.NDArray[np.bool_]) -> tuple[F64, F64, I64]:
    """Phase singularities of a phasor image: the base's own, SFinGe-grown minutiae.

    Around each 2 x 2 block of pixels the phase differences are summed; a total of ±2π marks
    a singularity inside, returned with the sign of a spiral that cancels it (the walk runs
    clockwise as seen, so the sum is minus the singularity's index). Blocks astride a cut,
    where the phase changes sign and the sum means nothing, are skipped."""
    h, w = phasor.shape
    xs = np.empty(h * w // 64 + 64)
    ys = np.empty(h * w // 64 + 64)
    ks = np.empty(h * w // 64 + 64, dtype=np.int64)
    n = 0
    cy = np.array([0, 0, 1, 1])
    cx = np.array([0, 1, 1, 0])
    for y in range(h - 1):
        for x in range(w - 1):
            ok = True
            for c in range(4):
                yc, xc = y + cy[c], x + cx[c]
                ok = ok and inside[yc, xc] and math.cos(alpha[yc, xc] - alpha[y, x]) > 0.0
            if not ok:
                continue
            total = 0.0
            for c in range(4):
                a = phasor[y + cy[c], x + cx[c]]
                b = phasor[y + cy[(c + 1) % 4], x + cx[(c + 1) % 4]]
                total += math.atan2((b * a.conjugate()).imag, (b * a.conjugate()).real)
            k = round(total / (2 * math.pi))
            for _ in range(abs(k)):  # a double singularity (rare) as two spirals
                if n < xs.shape[0]:
                    xs[n], ys[n], ks[n] = x + 0.5, y + 0.5, 1 if k > 0 else -1
                    n += 1
    return xs[:n].copy(), ys[:n].copy(), ks[:n].copy()


def _place_minutiae(
    finger: MasterFinger,
    f: _Field,
    phasor: C128,
    cuts: Sequence[_Cut],
    fixed: tuple[F64, F64, I64],
) -> tuple[F64, F64, I64, list[_Correction]]:
    """Spirals for the master's minutiae, joined to the ``fixed`` ones, and the cut corrections.

    The sign is +1 when the minutia points along the local ridge direction (the spiral's extra
    ridge then grows that way), -1 when it points against it. The position moves across the
    ridges (at most half a period) until the phase just ahead of the minutia is 0 (a ridge: an
    ending) or π (a valley between two branches: a bifurcation). The other spirals and the cut
    correction shift that phase too, so three rounds are made."""
    ix = np.clip(np.rint(finger.x).astype(np.int64), 0, SIZE - 1)
    iy = np.clip(np.rint(finger.y).astype(np.int64), 0, SIZE - 1)
    alpha = f.alpha[iy, ix]
    sign = np.where(np.cos(finger.angle - alpha) >= 0.0, 1, -1).astype(np.int64)
    target = np.where(finger.type == RIDGE_ENDING, 0.0, math.pi)
    ahead = sign * (alpha + math.pi * (sign < 0))
    fx, fy, fs = fixed
    all_sign = np.concatenate([sign, fs])
    mx, my = finger.x.astype(float).copy(), finger.y.astype(float).copy()
    blend = CUT_BLEND * finger.ridge_period
    n = mx.shape[0]
    for _ in range(3):
        ax, ay = np.concatenate([mx, fx]), np.concatenate([my, fy])
        z = ax - 1j * ay
        diff = z[:n, None] - z[None, :]
        diff[np.arange(n), np.arange(n)] = 1.0
        others = (np.angle(diff) * all_sign[None, :]).sum(axis=1)
        h = _correction_at(_cut_correction(cuts, ax, ay, all_sign), mx, my, blend)
        base = np.angle(_sample(phasor, mx, my))
        miss = np.angle(np.exp(1j * (target - (base + others + h + ahead))))
        step = f.period[iy, ix] / (2 * math.pi) * miss
        mx = mx - step * np.sin(alpha)
        my = my - step * np.cos(alpha)
    ax, ay = np.concatenate([mx, fx]), np.concatenate([my, fy])
    return ax, ay, all_sign, _cut_correction(cuts, ax, ay, all_sign)


def _sample(img: C128, x: F64, y: F64) -> C128:
    """Bilinear sample of a complex image at pixel positions."""
    coords = np.vstack([y, x])
    re = ndimage.map_coordinates(img.real, coords, order=1, mode="nearest")
    im = ndimage.map_coordinates(img.imag, coords, order=1, mode="nearest")
    return np.asarray(re + 1j * im, dtype=np.complex128)


def ridge_map(finger: MasterFinger, rng: np.random.Generator) -> F32:
    """The master's ridge pattern as floats in [-1, 1] (ridges > 0), 0 outside the finger.

    See the module docstring for the method; ``rng`` places the base growth's seeds, so
    different generators give different (but equally valid) ridges between the minutiae."""
    half, half_field = _base(finger, rng)
    f = _field(finger, 1)
    cuts = [(p, q) for p, q, _, _ in _cuts(finger)]
    iy, ix = np.nonzero(f.inside)
    phasor = np.zeros((SIZE, SIZE), dtype=np.complex128)
    phasor[iy, ix] = _upsample(half, half_field.alpha, f.alpha, iy, ix)
    amp = np.abs(phasor)

    # The base's own minutiae are cancelled by opposite spirals; where the base's phase is weak
    # for another reason (at cores and deltas, at the edge of the grown area) growth resumes
    # at the end.
    period = finger.ridge_period
    fixed = _windings(phasor, f.alpha, f.inside)
    heal = f.inside & (amp < WEAK * np.median(amp[f.inside]))
    if fixed[0].size:
        seen = np.ones((SIZE, SIZE), dtype=np.bool_)
        seen[fixed[1].astype(np.int64), fixed[0].astype(np.int64)] = False
        heal &= ndimage.distance_transform_edt(seen) > period

    mx, my, sign, corr = _place_minutiae(finger, f, phasor, cuts, fixed)
    px, py = ix.astype(float), iy.astype(float)
    spiral = _spiral(px, py, mx, my, sign)
    spiral *= np.exp(1j * _correction_at(corr, px, py, CUT_BLEND * period))
    wave = (phasor[iy, ix] / np.maximum(amp[iy, ix], 1e-9) * spiral).real
    plan = _Plan.of(f, heal, 1.0)
    r = plan.radius
    pad = np.zeros((SIZE + 2 * r, SIZE + 2 * r), dtype=np.float32)
    pad[iy + r, ix + r] = np.tanh(SHARPNESS * wave) / math.tanh(SHARPNESS)
    _grow(pad, plan)
    return pad[r : r + SIZE, r : r + SIZE].copy()


def render_master(finger: MasterFinger, rng: np.random.Generator) -> U8:
    """A 512 x 512, 500 ppi grey image of the master finger: dark ridges on white.

    Ridges are ~40 grey levels, valleys ~225 with a slight random ink texture (drawn from
    ``rng``), the background outside the finger area 255, and the finger's edge softened over
    a few pixels."""
    ridges = ridge_map(finger, rng)
    return _to_grey(ridges, finger, rng)


def _to_grey(ridges: F32, finger: MasterFinger, rng: np.random.Generator) -> U8:
    """Ink the ridge map: a smooth random variation of ink (so that ridges are not flat black),
    a fade over the last few pixels of the finger area, and a slight blur, as a well-inked
    print scanned at 500 ppi looks."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(float)
    cx, cy = finger.center
    a, b = finger.semi_axes
    rho = np.sqrt(((xx - cx) / a) ** 2 + ((yy - cy) / b) ** 2)
    edge = np.clip((1.0 - rho) * min(a, b) / 4.0, 0.0, 1.0)
    texture = ndimage.gaussian_filter(rng.normal(0.0, 1.0, (SIZE, SIZE)), 1.5)
    ink = (0.5 + 0.5 * ridges) * (0.92 + 0.25 * texture) * edge
    grey = 228.0 - 190.0 * np.clip(ink, 0.0, 1.0)
    grey = np.where(edge > 0, grey * edge + 255.0 * (1.0 - edge), 255.0)
    out: U8 = np.clip(np.rint(ndimage.gaussian_filter(grey, 0.6)), 0, 255).astype(np.uint8)
    return out


# --- minutiae extraction, to measure what the images carry ------------------------------------

_NY = np.array([-1, -1, 0, 1, 1, 1, 0, -1])
_NX = np.array([0, 1, 1, 1, 0, -1, -1, -1])
"""The 8 neighbours in circular order, starting above."""


@njit()
def _thin(ridge: U8) -> U8:
    """Zhang-Suen thinning of a 0/1 image to a one-pixel-wide 8-connected skeleton."""
    img = ridge.copy()
    h, w = img.shape
    gone = np.zeros_like(img)
    changed = True
    while changed:
        changed = False
        for sub in range(2):
            for y in range(1, h - 1):
                for x in range(1, w - 1):
                    if img[y, x] == 0:
                        continue
                    p = np.empty(8, dtype=np.int64)
                    for k in range(8):
                        p[k] = img[y + _NY[k], x + _NX[k]]
                    count = p.sum()
                    if count < 2 or count > 6:
                        continue
                    runs = 0
                    for k in range(8):
                        if p[k] == 0 and p[(k + 1) % 8] == 1:
                            runs += 1
                    if runs != 1:
                        continue
                    if sub == 0 and (p[0] * p[2] * p[4] or p[2] * p[4] * p[6]):
                        continue
                    if sub == 1 and (p[0] * p[2] * p[6] or p[0] * p[4] * p[6]):
                        continue
                    gone[y, x] = 1
            for y in range(h):
                for x in range(w):
                    if gone[y, x]:
                        img[y, x] = 0
                        gone[y, x] = 0
                        changed = True
    return img


@njit()
def _walk(sk: U8, y0: int, x0: int, y1: int, x1: int, steps: int) -> tuple[int, int]:
    """Follow the skeleton from ``(y0, x0)`` through its neighbour ``(y1, x1)`` for up to
    ``steps`` pixels; returns where the walk ended. The walk never revisits its last four
    pixels nor comes back next to its start, so that from a bifurcation it cannot slip over
    onto a neighbouring branch."""
    hist_y = np.full(4, y0)
    hist_x = np.full(4, x0)
    cy, cx = y1, x1
    h, w = sk.shape
    for step in range(steps):
        hist_y[step % 4], hist_x[step % 4] = cy, cx
        moved = False
        for order in range(2):  # edge neighbours first, then diagonal ones
            for k in range(order, 8, 2):
                ny, nx = cy + _NY[k], cx + _NX[k]
                if ny < 0 or nx < 0 or ny >= h or nx >= w or sk[ny, nx] == 0:
                    continue
                if abs(ny - y0) <= 1 and abs(nx - x0) <= 1:
                    continue
                seen = False
                for m in range(4):
                    if hist_y[m] == ny and hist_x[m] == nx:
                        seen = True
                if not seen:
                    cy, cx = ny, nx
                    moved = True
                    break
            if moved:
                break
        if not moved:
            break
    return cy, cx


@njit()
def _minutiae(sk: U8, valid: npt.NDArray[np.bool_], steps: int) -> F64:
    """Crossing-number minutiae of a skeleton, as rows (x, y, angle, type).

    One 0→1 transition around a skeleton pixel is a ridge ending, three a bifurcation. The
    direction follows ISO/IEC 19794-2 and NIST's EFS: from an ending along the ridge it ends;
    from a bifurcation along the valley between its two closest branches (the bisector of the
    two branch directions that are nearest each other), each branch traced ``steps`` pixels."""
    h, w = sk.shape
    out = np.empty((h * w // 16 + 16, 4))
    n = 0
    for y in range(1, h - 1):
        for x in range(1, w - 1):
            if sk[y, x] == 0 or not valid[y, x]:
                continue
            starts = np.empty(4, dtype=np.int64)
            runs = 0
            for k in range(8):
                k1 = (k + 1) % 8
                if sk[y + _NY[k], x + _NX[k]] == 0 and sk[y + _NY[k1], x + _NX[k1]]:
                    if runs < 4:
                        starts[runs] = k1
                    runs += 1
            if runs not in (1, 3):
                continue
            ang = np.empty(3)
            for b in range(runs):
                k = starts[b]
                ey, ex = _walk(sk, y, x, y + _NY[k], x + _NX[k], steps)
                ang[b] = math.atan2(-(ey - y), ex - x)
            if runs == 1:
                theta = ang[0]
                kind = RIDGE_ENDING
            else:
                best = 10.0
                theta = 0.0
                for i in range(3):
                    for j in range(i + 1, 3):
                        d = abs((ang[i] - ang[j] + math.pi) % (2 * math.pi) - math.pi)
                        if d < best:
                            best = d
                            theta = math.atan2(
                                math.sin(ang[i]) + math.sin(ang[j]),
                                math.cos(ang[i]) + math.cos(ang[j]),
                            )
                kind = BIFURCATION
            if n == out.shape[0]:
                break
            out[n, 0], out[n, 1] = x, y
            out[n, 2] = theta % (2 * math.pi)
            out[n, 3] = kind
            n += 1
    return out[:n].copy()


def extract_minutiae(image: U8, region: Bool, period: float = 9.0) -> F64:
    """Minutiae of a grey fingerprint image inside ``region``: rows (x, y, angle, type).

    A deliberately plain extractor, here to measure the images rather than to serve: ridges are
    the pixels darker than their neighbourhood (a Gaussian mean over about one ridge period; by
    2 grey levels, so that flat background does not read as ridges),
    thinned to a skeleton over the whole image (thinning only ``region`` would cut every ridge
    at its edge into an ending); minutiae are the skeleton's end and branch points inside
    ``region`` (crossing number), directions come from tracing it one ridge period. There is no
    spur or bridge removal, so on noisy impressions it reports many false minutiae."""
    grey = ndimage.gaussian_filter(image.astype(np.float32), 1.0)
    local = ndimage.gaussian_filter(grey, period)
    ridge = (grey < local - 2.0).astype(np.uint8)
    return _minutiae(_thin(ridge), region, max(4, round(period)))


@dataclass(frozen=True)
class Agreement:
    """How many of a master's minutiae an image shows.

    ``master`` counts the master minutiae in the measured area, ``found`` the minutiae the
    extractor reports there, ``paired`` the one-to-one pairs within ``PAIR_PX`` and
    ``PAIR_ANGLE``, ``same_type`` the pairs whose types agree."""

    master: int
    found: int
    paired: int
    same_type: int

    @property
    def recall(self) -> float:
        return self.paired / max(self.master, 1)

    @property
    def precision(self) -> float:
        return self.paired / max(self.found, 1)


PAIR_PX = 10.0
PAIR_ANGLE = math.radians(30.0)
"""Pairing tolerances for :func:`minutiae_agreement`: about one ridge period, and the angle
tolerance of pyfing's ground-truth matching (reference/biometrics.md §3.3)."""


def finger_area(finger: MasterFinger, margin: float = 0.0) -> Bool:
    """The finger's elliptical area on the image grid, shrunk by ``margin`` pixels."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(float)
    cx, cy = finger.center
    a, b = finger.semi_axes
    inside: Bool = ((xx - cx) / (a - margin)) ** 2 + ((yy - cy) / (b - margin)) ** 2 <= 1.0
    return inside


def minutiae_agreement(finger: MasterFinger, image: U8) -> Agreement:
    """Pair the master's minutiae with those :func:`extract_minutiae` finds in a master image.

    Only the finger area less 1.5 ridge periods is measured (ridges end at the edge of the
    area, so every ridge there looks like an ending). Pairs are made greedily, closest first."""
    period = finger.ridge_period
    area = finger_area(finger, 1.5 * period)
    found = extract_minutiae(image, area, period)
    ix = np.clip(np.rint(finger.x).astype(np.int64), 0, SIZE - 1)
    iy = np.clip(np.rint(finger.y).astype(np.int64), 0, SIZE - 1)
    keep = area[iy, ix]
    mx, my, ma, mt = finger.x[keep], finger.y[keep], finger.angle[keep], finger.type[keep]
    dist = np.hypot(mx[:, None] - found[None, :, 0], my[:, None] - found[None, :, 1])
    turn = np.abs(np.angle(np.exp(1j * (ma[:, None] - found[None, :, 2]))))
    dist[(dist > PAIR_PX) | (turn > PAIR_ANGLE)] = np.inf
    used_m = np.zeros(dist.shape[0], dtype=np.bool_)
    used_f = np.zeros(dist.shape[1], dtype=np.bool_)
    paired = same = 0
    for flat in np.argsort(dist, axis=None):
        i, j = np.unravel_index(flat, dist.shape)
        if not np.isfinite(dist[i, j]):
            break
        if used_m[i] or used_f[j]:
            continue
        used_m[i] = used_f[j] = True
        paired += 1
        same += int(mt[i] == found[j, 3])
    return Agreement(int(keep.sum()), int(found.shape[0]), paired, same)


# --- booking impressions ------------------------------------------------------------------------


def render_impression(
    master: U8,
    finger: MasterFinger,
    rng: np.random.Generator,
    noise: ImpressionNoise = DEFAULT_NOISE,
) -> U8:
    """One booking capture of a master image (from :func:`render_master`) of ``finger``.

    Geometry, with the draws and formulas of :func:`~scomm.biometrics.synthetic.impress` for
    one finger: a contact ellipse (scale and offset of the finger area), the plastic distortion
    (outer skin dragged by a small rotation and shift, braked toward the contact core, scaled
    to the drawn RMS over the contact area), then the rotation about the window centre and
    the translation. The image is resampled through the inverse of that map (the distortion
    inverted by fixed-point iteration: it moves points by a few pixels and varies slowly).

    Press effects, driven like the template's quality by one latent condition ``u`` in [0, 1]
    (worse when low): dry or wet skin (grey erosion or dilation of the ink, up to two steps),
    blob noise (SFinGe's 100 blobs for a good capture up to 3,500 for a bad one, denser toward
    the periphery), pressure fading toward a slightly irregular contact edge, ink depth and
    background level, sensor blur and Gaussian noise."""
    if master.shape != (SIZE, SIZE) or master.dtype != np.uint8:
        raise InvalidInput("master", f"expected a {SIZE}x{SIZE} uint8 image, got {master.shape}")
    u = rng.random()
    cx, cy = finger.center
    a, b = finger.semi_axes
    scale = rng.uniform(*noise.contact_scale)
    ccx, ccy = np.array([cx, cy]) + rng.uniform(-1.0, 1.0, 2) * noise.contact_shift_px
    cax, cay = a * scale, b * scale
    rot = math.radians(rng.uniform(-noise.max_rotation_deg, noise.max_rotation_deg))
    tx, ty = rng.uniform(-1.0, 1.0, 2) * noise.max_translation_px
    rms = noise.distortion_rms_px * rng.uniform(0.5, 1.5)
    k = rng.normal() / 200.0
    drag = rng.normal(size=2)

    def displacement(x: F64, y: F64) -> tuple[F64, F64]:
        """Plastic displacement (image frame, before the gain) at undistorted positions."""
        qx, qv = x - ccx, -(y - ccy)
        t = np.clip((np.hypot(qx / cax, qv / cay) - 0.25) / 0.75, 0.0, 1.0)
        brake = t * t * (3.0 - 2.0 * t)
        return brake * (-k * qv + drag[0]), -brake * (k * qx + drag[1])

    gy, gx = np.mgrid[0:SIZE:8, 0:SIZE:8].astype(float)
    contact = ((gx - ccx) / cax) ** 2 + ((gy - ccy) / cay) ** 2 <= 1.0
    ddx, ddy = displacement(gx[contact], gy[contact])
    gain = rms / math.sqrt(max(float(np.mean(ddx**2 + ddy**2)), 1e-9))

    # Inverse placement: output pixel -> distorted master frame -> undistorted master frame.
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(float)
    wx, wy = CENTER
    ox, ov = xx - wx - tx, (wy - yy) - ty
    c, s = math.cos(rot), math.sin(rot)
    dx_, dy_ = wx + c * ox + s * ov, wy - (-s * ox + c * ov)
    sx, sy = dx_.copy(), dy_.copy()
    for _ in range(4):
        ex, ey = displacement(sx, sy)
        sx, sy = dx_ - gain * ex, dy_ - gain * ey
    # Ink from 0 (the master's valleys) to 1 (its ridges), whatever its grey levels.
    grey = master.astype(np.float32)
    lo, hi = np.percentile(grey[grey < 250], [2, 90]) if (grey < 250).any() else (0.0, 255.0)
    ink = np.clip((hi - grey) / max(hi - lo, 1.0), 0.0, 1.0)
    ink = ndimage.map_coordinates(ink, [sy, sx], order=1, mode="constant", cval=0.0)

    # Contact: an ellipse with a slightly irregular edge, pressure fading toward it.
    wobble = ndimage.zoom(rng.normal(0.0, 1.0, (6, 6)), SIZE / 6, grid_mode=True, mode="nearest")
    rho = np.hypot((sx - ccx) / cax, (sy - ccy) / cay) * (1.0 + 0.025 * wobble)
    t = np.clip((rho - 0.7) / 0.3, 0.0, 1.0)
    ink *= (1.0 - 0.6 * t * t * (3.0 - 2.0 * t)) * (rho <= 1.0)

    # Dry skin breaks ridges (erosion of the ink), wet skin merges them (dilation).
    moisture = rng.uniform(-1.0, 1.0)
    cross = ndimage.generate_binary_structure(2, 1)
    for _ in range(round(abs(moisture) * (1.0 - u) * 2.5)):
        morph = ndimage.grey_dilation if moisture > 0 else ndimage.grey_erosion
        ink = morph(ink, footprint=cross)

    # Blobs: dry patches and pores lifting the ink, denser toward the periphery.
    n_blobs = int(100 + 3400 * (1.0 - u))
    px = rng.uniform(0, SIZE, 4 * n_blobs)
    py = rng.uniform(0, SIZE, 4 * n_blobs)
    r2 = ((px - ccx) / cax) ** 2 + ((py - ccy) / cay) ** 2
    take = (r2 <= 1.0) & (rng.random(px.shape[0]) < 0.2 + 0.8 * r2)
    spots = np.zeros((SIZE, SIZE), dtype=np.float32)
    spots[py[take][:n_blobs].astype(np.int64), px[take][:n_blobs].astype(np.int64)] = 1.0
    spots = ndimage.gaussian_filter(spots, rng.uniform(0.8, 1.6)) * 8.0
    ink *= 1.0 - np.clip(spots, 0.0, 1.0)

    background = rng.uniform(228.0, 250.0)
    depth = rng.uniform(150.0, 215.0) * (0.7 + 0.3 * u)
    grey = background - depth * np.clip(ink, 0.0, 1.0)
    grey = ndimage.gaussian_filter(grey, rng.uniform(0.5, 0.9))
    grey += rng.normal(0.0, 2.0 + 4.0 * (1.0 - u), grey.shape)
    out: U8 = np.clip(np.rint(grey), 0, 255).astype(np.uint8)
    return out


# --- WSQ ------------------------------------------------------------------------------------------

_WSQ_SOI = b"\xff\xa0"

_DECODE = (
    "import sys, _wsq\n"
    "pixels, w, h, ppi = _wsq.decompress(sys.stdin.buffer.read())\n"
    "sys.stdout.buffer.write(w.to_bytes(4, 'big') + h.to_bytes(4, 'big') + pixels)\n"
)
"""The child's program: the ``wsq`` plugin's own decompressor, bytes in, size and pixels out."""


def wsq_encode(image: U8) -> bytes:
    """WSQ bytes of an 8-bit grey image, through the ``wsq`` Pillow plugin (0.75 bit/pixel)."""
    import wsq  # noqa: F401  (registers the WSQ format with Pillow)

    if image.ndim != 2 or image.dtype != np.uint8:
        raise InvalidInput("image", f"expected a 2-D uint8 image, got {image.dtype} {image.shape}")
    out = io.BytesIO()
    try:
        Image.fromarray(np.ascontiguousarray(image)).save(out, format="WSQ")
    except Exception as exc:  # NBIS reports failures (e.g. images of a few pixels) as Exception
        raise InvalidInput("image", f"WSQ encoder failed: {exc}") from None
    return out.getvalue()


def wsq_decode(data: bytes) -> U8:
    """The image in WSQ bytes; anything that is not a WSQ image raises ``InvalidInput``.

    The header is read by the ``wsq`` Pillow plugin (pure Python); the pixels are decompressed
    by its NBIS decoder in a child interpreter, because that C code crashes the process on
    some corrupt streams. The child costs ~20 ms, fine for the subset of bookings with images.
    """
    import wsq  # noqa: F401  (registers the WSQ format with Pillow)

    if not data.startswith(_WSQ_SOI):
        raise InvalidInput("wsq", "not a WSQ stream (no start-of-image marker)")
    try:
        with Image.open(io.BytesIO(data), formats=["WSQ"]) as im:
            width, height = im.size
    except Exception as exc:  # the plugin's header parser raises assorted errors
        raise InvalidInput("wsq", f"unreadable header: {exc}") from None
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", _DECODE],
            input=data,
            capture_output=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InvalidInput("wsq", "decoder did not finish") from None
    out = done.stdout
    if done.returncode != 0 or len(out) < 8:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = why[-1] if why else f"decoder exited with status {done.returncode}"
        raise InvalidInput("wsq", f"corrupt image data: {detail}")
    w, h = int.from_bytes(out[0:4], "big"), int.from_bytes(out[4:8], "big")
    if (w, h) != (width, height) or len(out) != 8 + w * h:
        raise InvalidInput("wsq", f"decoded size {w}x{h} disagrees with the header")
    return np.frombuffer(out, dtype=np.uint8, offset=8).reshape(h, w).copy()


def psnr(a: U8, b: U8) -> float:
    """Peak signal-to-noise ratio of two 8-bit images, in dB."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(255.0**2 / mse)


# --- looking at them ------------------------------------------------------------------------------


def one_of_each_class(seed: int) -> dict[PatternClass, MasterFinger]:
    """A master finger of every pattern class, from seeded synthetic people (plain arches are
    3.7 % of fingers, so this takes a few tenprints)."""
    rng = np.random.default_rng(seed)
    found: dict[PatternClass, MasterFinger] = {}
    while len(found) < len(CLASSES):
        for finger in make_master_tenprint(rng).fingers:
            found.setdefault(finger.pattern, finger)
    return {c: found[c] for c in CLASSES}


@dataclass(frozen=True)
class SheetRow:
    """Measurements of one finger on the contact sheet."""

    pattern: PatternClass
    render_ms: float
    impression_ms: float
    wsq_bytes: int
    wsq_psnr: float
    agreement: Agreement


def contact_sheet(path: Path, seed: int = 1) -> list[SheetRow]:
    """Write a PNG with one row per pattern class: master image, a booking impression of it,
    and that impression after a WSQ round trip; return what was measured on the way."""
    rows: list[SheetRow] = []
    tiles: list[U8] = []
    for k, (pattern, finger) in enumerate(one_of_each_class(seed).items()):
        rng = np.random.default_rng([seed, k])
        t0 = time.perf_counter()
        master = render_master(finger, rng)
        t1 = time.perf_counter()
        impression = render_impression(master, finger, rng)
        t2 = time.perf_counter()
        data = wsq_encode(impression)
        back = wsq_decode(data)
        agreement = minutiae_agreement(finger, master)
        rows.append(
            SheetRow(
                pattern,
                1000 * (t1 - t0),
                1000 * (t2 - t1),
                len(data),
                psnr(impression, back),
                agreement,
            )
        )
        tiles.append(np.hstack([master, impression, back]))
    sheet = Image.fromarray(np.vstack(tiles))
    draw = ImageDraw.Draw(sheet)
    for k, row in enumerate(rows):
        y = k * SIZE + 6
        draw.text((6, y), f"{row.pattern.value}: master", fill=0)
        draw.text((SIZE + 6, y), "impression", fill=0)
        draw.text((2 * SIZE + 6, y), f"after WSQ ({row.wsq_bytes} B)", fill=0)
    sheet.save(path, format="PNG")
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m scomm.biometrics.render OUT.png [--seed N]``: write the contact sheet and
    print per finger the render time, WSQ size, ratio and PSNR, and minutiae agreement."""
    parser = argparse.ArgumentParser(prog="python -m scomm.biometrics.render")
    parser.add_argument("out", type=Path, help="PNG file to write")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    render_master(one_of_each_class(args.seed)[PatternClass.ARCH], np.random.default_rng(0))
    rows = contact_sheet(args.out, args.seed)
    print(
        f"{'class':<12} {'render ms':>9} {'impr. ms':>8} {'WSQ B':>7} {'ratio':>6} "
        f"{'PSNR dB':>7} {'master':>6} {'found':>5} {'paired':>6} {'recall':>6} {'prec.':>6}"
    )
    for r in rows:
        a = r.agreement
        print(
            f"{r.pattern.value:<12} {r.render_ms:9.0f} {r.impression_ms:8.0f} "
            f"{r.wsq_bytes:7d} {SIZE * SIZE / r.wsq_bytes:6.1f} {r.wsq_psnr:7.1f} "
            f"{a.master:6d} {a.found:5d} {a.paired:6d} {a.recall:6.2f} {a.precision:6.2f}"
        )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
