"""Synthetic fingers in template space: master fingers and booking impressions of them.

Why template space. The simulator books tens of thousands of synthetic people, each needing a
tenprint per booking and a distinct one per identity; images (SFinGe-style ridge growth, WSQ,
extraction) would cost ~1 s per finger. Sampling minutiae directly costs ~0.15 ms per person
(master and one impression) and still exercises everything a matcher depends on: realistic counts, a
minimum spacing, directions that follow a smooth ridge flow with singular points (so that
neighbouring minutiae look alike, as on real skin, and local structures are not trivially
unique), and the capture effects that make two prints of one finger differ
(reference/biometrics.md §3.3a).

Geometry. Coordinates are pixels at 500 ppi in a 512 x 512 window, y pointing down, as in
:mod:`scomm.biometrics.template`; angles are radians in the ISO/IEC 19794-2 sense
(counter-clockwise as seen on the image). Internally the code works in the mirrored frame
``(x, -y)``, where that sense is the ordinary mathematical one and rotations are textbook.

The orientation field is the Sherlock-Monro zero-pole model: the ridge orientation at ``z`` is
``½ Σ arg(z - core) - ½ Σ arg(z - delta)`` (mod π), which puts exactly the right singularities at
the cores and deltas of each pattern class. Plain arches have no singular point and use a bump
field instead. The ridge period (≈ 9 px, 0.46 mm) sets both the minimum spacing of minutiae
and their density, so a person with finer ridges has proportionally more minutiae.

Identities and bulk generation. A benchmark gallery or a national replay enrols up to a million
synthetic people, so everything below runs in numba kernels, one person at a time, drawing from
a generator keyed by a hash of the person's number: identity ``i`` of seed ``s`` is a pure
function of ``(s, i)``
(:func:`identity_master`), and its capture number ``k`` of ``(s, i, k)``
(:func:`identity_impression`). A gallery can then be generated in chunks, by several threads or
processes, in any order (:func:`make_population`), and any person regenerated later to be booked
again. :func:`make_master_tenprint` and :func:`impress` run the same kernels keyed by one draw
from a numpy generator, for callers that manage their own random streams.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

import numpy as np
import numpy.typing as npt

from scomm.biometrics._jit import njit
from scomm.biometrics.template import (
    ANGLE_UNITS,
    BIFURCATION,
    COORD_MAX,
    FINGER_POSITIONS,
    MAX_MINUTIAE,
    RIDGE_ENDING,
    Packed,
    Tenprint,
    packed_row,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
I8Array = npt.NDArray[np.int8]
I16Array = npt.NDArray[np.int16]
U8Array = npt.NDArray[np.uint8]
U64Array = npt.NDArray[np.uint64]
MasterArrays = tuple[FloatArray, FloatArray, FloatArray, I8Array, IntArray, FloatArray]
"""One person's master fingers as the kernels see them: minutiae ``x``, ``y``, ``angle``,
``type`` of all ten fingers concatenated, the ``(11,)`` offsets of each finger's run, and the
``(10, _G_LEN)`` per-finger geometry table (see ``_G_*``)."""

TWO_PI = 2.0 * math.pi


class PatternClass(StrEnum):
    """The five Henry/NIST pattern classes used by automated classifiers."""

    ARCH = "arch"
    TENTED_ARCH = "tented_arch"
    LEFT_LOOP = "left_loop"
    RIGHT_LOOP = "right_loop"
    WHORL = "whorl"


CLASSES: tuple[PatternClass, ...] = tuple(PatternClass)

NATURAL_CLASS_FREQUENCIES: dict[PatternClass, float] = {
    PatternClass.ARCH: 0.037,
    PatternClass.TENTED_ARCH: 0.029,
    PatternClass.LEFT_LOOP: 0.338,
    PatternClass.RIGHT_LOOP: 0.317,
    PatternClass.WHORL: 0.279,
}
"""Natural class frequencies over all fingers (SFinGe v2.0 "natural" distribution)."""

_HAND_CLASS_P = np.array(
    [
        # arch, tented, left loop, right loop, whorl
        [0.037, 0.029, 0.105, 0.550, 0.279],  # right hand
        [0.037, 0.029, 0.571, 0.084, 0.279],  # left hand
    ]
)
"""Class probabilities per hand. Ulnar loops (opening toward the little finger) dominate, and
they appear as right loops on the right hand and left loops on the left; the split is chosen so
that the mean of the two rows is exactly :data:`NATURAL_CLASS_FREQUENCIES`."""

_HAND_CLASS_CUM = np.cumsum(_HAND_CLASS_P, axis=1)

_SEMI_AXES = np.array(
    [
        (200.0, 240.0),  # thumb
        (175.0, 225.0),  # index
        (180.0, 230.0),  # middle
        (170.0, 220.0),  # ring
        (145.0, 190.0),  # little
    ]
)
"""Semi-axes (x, y) in pixels of the rolled finger area by finger, before the per-person scale.
A rolled index finger is ~18 x 23 mm nail to nail; the thumb's height is capped by the 26 mm
window (512 px at 500 ppi)."""

CENTER = (255.5, 255.5)
"""Centre of the capture window; the finger area is centred there, as a livescan guides it."""

RIDGE_PERIOD_PX = 9.0
"""Mean ridge period at 500 ppi (≈ 0.46 mm, adult average); drawn per person with sd 0.5 px."""

_PERIOD_RANGE = (7.8, 10.2)
"""The drawn ridge period is clipped to this range (about ±2.4 sd)."""

AREA_PER_MINUTIA = 18.0
"""Finger area per minutia, in squared ridge periods. With a 9 px period an index finger gets
π·175·225/(18·81) ≈ 85 minutiae, a thumb ≈ 103, a little finger ≈ 59: the 70-100 of a rolled
booking print (NIST SD27 / SD4 rolled prints, counted by examiners)."""

_MINUTIAE_RANGE = (30, 120)
"""A master finger's target minutiae count is clipped to this range."""

MIN_SPACING = 1.6
"""Minimum distance between minutiae in ridge periods: two minutiae on the same or adjacent
ridges are rarely closer than ~1.5 periods in a well-extracted print."""

P_RIDGE_ENDING = 0.55
"""Share of ridge endings among minutiae (endings are somewhat more common than bifurcations)."""

_CANDIDATES_PER_MINUTIA = 4
"""Poisson-disk candidates allowed per target minutia before a finger settles for fewer."""

_MAX_LOCAL_PERIOD = 1.2
"""Largest local ridge period relative to the person's (at the rim of the finger area): bounds
the spacing radius, hence the cell size of the Poisson-disk grid."""

_CELL_MARGIN = 1.001
"""Grid cells are this much wider than the largest spacing radius, so that rounding in the
cell arithmetic cannot put two conflicting minutiae two cells apart."""

_GRID_CELLS = int(COORD_MAX / (MIN_SPACING * _MAX_LOCAL_PERIOD * _PERIOD_RANGE[0])) + 2
"""Cells per side of the Poisson-disk grid at the finest ridge period."""

# Columns of the per-finger geometry table: window centre of the finger area, its semi-axes,
# up to two cores and two deltas (count, then x, y pairs), the arch bump's height and width,
# the pattern class's index in CLASSES and the person's ridge period.
_G_CX, _G_CY, _G_AX, _G_AY = 0, 1, 2, 3
_G_NCORES, _G_CORES = 4, 5
_G_NDELTAS, _G_DELTAS = 9, 10
_G_ARCH_H, _G_ARCH_W = 14, 15
_G_CLASS, _G_PERIOD = 16, 17
_G_LEN = 18


@dataclass(frozen=True, eq=False)
class MasterFinger:
    """The true ridge structure of one finger: what every impression of it is a noisy view of.

    ``cores`` and ``deltas`` are ``(k, 2)`` pixel positions of the singular points (a loop has
    one of each, a whorl two of each, a plain arch none). ``arch`` holds the height and width
    in pixels of the ridges' overall arching (large for a plain arch, mild otherwise).
    ``angle`` is the minutia direction in ISO-sense radians in [0, 2π); ``type`` is 1 (ending)
    or 2 (bifurcation).
    """

    position: int
    pattern: PatternClass
    center: tuple[float, float]
    semi_axes: tuple[float, float]
    ridge_period: float
    cores: FloatArray
    deltas: FloatArray
    arch: tuple[float, float]
    x: FloatArray
    y: FloatArray
    angle: FloatArray
    type: I8Array

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def orientation(self, x: npt.ArrayLike, y: npt.ArrayLike) -> FloatArray:
        """Ridge orientation (ISO sense, radians in [0, π)) at pixel positions ``x``, ``y``."""
        xs = np.asarray(x, dtype=np.float64)
        ys = np.broadcast_to(np.asarray(y, dtype=np.float64), xs.shape)
        theta = _orientation_field(xs.ravel(), np.ascontiguousarray(ys).ravel(), _geometry(self))
        return theta.reshape(xs.shape)


@dataclass(frozen=True, eq=False)
class MasterTenprint:
    """Ten master fingers of one synthetic person, in ANSI/NIST position order."""

    fingers: tuple[MasterFinger, ...]

    def __post_init__(self) -> None:
        if len(self.fingers) != FINGER_POSITIONS:
            raise ValueError(f"a master tenprint has 10 fingers, got {len(self.fingers)}")

    @cached_property
    def _arrays(self) -> MasterArrays:
        """The fingers as the impression kernel reads them (prefilled when the master kernel
        drew them, so that only hand-built masters pay for the concatenation)."""
        fingers = self.fingers
        counts = np.array([len(f) for f in fingers], dtype=np.int64)
        return (
            np.concatenate([f.x for f in fingers]).astype(np.float64),
            np.concatenate([f.y for f in fingers]).astype(np.float64),
            np.concatenate([f.angle for f in fingers]).astype(np.float64),
            np.concatenate([f.type for f in fingers]).astype(np.int8),
            np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            np.stack([_geometry(f) for f in fingers]),
        )


def _geometry(f: MasterFinger) -> FloatArray:
    """``f``'s row of the geometry table the kernels read (the inverse of ``_master_tenprint``)."""
    g = np.zeros(_G_LEN)
    g[_G_CX], g[_G_CY] = f.center
    g[_G_AX], g[_G_AY] = f.semi_axes
    for n_col, col, pts in ((_G_NCORES, _G_CORES, f.cores), (_G_NDELTAS, _G_DELTAS, f.deltas)):
        k = len(pts)
        if k > 2:
            raise ValueError(f"at most two cores and two deltas per finger, got {k}")
        g[n_col] = k
        g[col : col + 2 * k] = np.asarray(pts, dtype=np.float64).ravel()
    g[_G_ARCH_H], g[_G_ARCH_W] = f.arch
    g[_G_CLASS] = CLASSES.index(f.pattern)
    g[_G_PERIOD] = f.ridge_period
    return g


@dataclass(frozen=True)
class ImpressionNoise:
    """How one booking capture of a finger departs from the master finger.

    Defaults model a rolled livescan booking print of ordinary quality; :meth:`poor` models a
    hurried or uncooperative booking. Ranges ``(lo, hi)`` are drawn uniformly per finger; rates
    are per minutia unless said otherwise. Anchors are the template-space recommendations of
    reference/biometrics.md §3.3a.

    - ``max_rotation_deg`` = 10: the finger's rotation in its card box / platen guide, uniform in
      ±10°; rolled booking prints are better aligned than plain prints (±20°).
    - ``max_translation_px`` = 30: shift of the print in the capture window, uniform per axis.
    - ``distortion_rms_px`` = 3: RMS displacement of a smooth non-linear skin distortion
      (Cappelli-Maio-Maltoni plastic model: an undistorted contact core, a transitional ring, an
      outer region dragged by a small rotation and translation). The RMS is drawn per finger in
      [0.5, 1.5] times this value; peak displacements at the border reach ~3 times the RMS.
    - ``position_sigma_px`` = 2.5: Gaussian jitter of the extracted minutia position (about a
      quarter ridge period: where the extractor puts the ending along a thinned ridge).
    - ``angle_sigma_deg`` = 6: Gaussian jitter of the extracted direction.
    - ``missing`` = (0.10, 0.25): share of master minutiae inside the contact area that the
      extractor misses, weighted toward the periphery where ridges blur.
    - ``spurious`` = (0.05, 0.15): false minutiae added, as a share of the kept ones, biased
      toward the periphery; they follow the ridge flow (they are ridge breaks), so a matcher
      cannot reject them by direction alone.
    - ``type_flip`` = 0.10: chance an ending reads as a bifurcation or back (over-inking joins
      ridges). Directions stay put, by the ISO/ANSI duality convention for the two types.
    - ``contact_scale`` = (0.80, 1.00): the contact ellipse's semi-axes relative to the master
      finger area (an incompletely rolled finger), and ``contact_shift_px`` = 25: offset of its
      centre, uniform per axis.
    - ``quality`` = (45, 95): the template quality score. One latent per-finger condition ``u``
      in [0, 1] drives the missing and spurious rates (worse when ``u`` is low) and the score
      ``lo + (hi - lo)·u``, so a low score really does mean a worse template.
    - ``unprintable`` = 0.002: chance a finger is not captured at all (bandaged, injured): the
      tenprint slot is ``None``.
    """

    max_rotation_deg: float = 10.0
    max_translation_px: float = 30.0
    distortion_rms_px: float = 3.0
    position_sigma_px: float = 2.5
    angle_sigma_deg: float = 6.0
    missing: tuple[float, float] = (0.10, 0.25)
    spurious: tuple[float, float] = (0.05, 0.15)
    type_flip: float = 0.10
    contact_scale: tuple[float, float] = (0.80, 1.00)
    contact_shift_px: float = 25.0
    quality: tuple[int, int] = (45, 95)
    unprintable: float = 0.002

    @classmethod
    def poor(cls) -> ImpressionNoise:
        """A hard capture: plain-print-like rotation, heavy distortion, a third of minutiae lost,
        many spurious ones, partial rolls. Used to check the matcher degrades gracefully."""
        return cls(
            max_rotation_deg=20.0,
            max_translation_px=40.0,
            distortion_rms_px=5.0,
            position_sigma_px=3.5,
            angle_sigma_deg=9.0,
            missing=(0.20, 0.40),
            spurious=(0.10, 0.25),
            type_flip=0.20,
            contact_scale=(0.60, 0.90),
            contact_shift_px=40.0,
            quality=(15, 60),
            unprintable=0.01,
        )

    def _vector(self) -> FloatArray:
        """The parameters as the kernels read them (indices ``_N_*``)."""
        return np.array(
            [
                math.radians(self.max_rotation_deg),
                self.max_translation_px,
                self.distortion_rms_px,
                self.position_sigma_px,
                math.radians(self.angle_sigma_deg),
                *self.missing,
                *self.spurious,
                self.type_flip,
                *self.contact_scale,
                self.contact_shift_px,
                *self.quality,
                self.unprintable,
            ],
            dtype=np.float64,
        )


(_N_ROT, _N_SHIFT, _N_DIST, _N_POS, _N_ANGLE, _N_MISS, _N_SPUR, _N_FLIP) = (0, 1, 2, 3, 4, 5, 7, 9)
(_N_CONTACT, _N_CONTACT_SHIFT, _N_QUALITY, _N_UNPRINTABLE) = (10, 12, 13, 15)


# --- random numbers -------------------------------------------------------------------------
#
# numpy's Generator cannot be called from numba, and building one per person (SeedSequence
# hashing, PCG64 set-up) costs ~15 µs, a tenth of the budget for a whole person. So the kernels
# carry their own generator: a SplitMix64 hash chain turns (seed, identity, stream) into a key,
# SplitMix64 expands the key into a xoshiro256** state (the seeding its authors recommend), and
# xoshiro256** (period 2^256 - 1, passes BigCrush) draws within the person. Normals come from a
# 256-layer ziggurat, Poisson counts from Knuth's product method (means here are below ~40).

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_SEED_SALT = np.uint64(0x5C0_33C0_FF1D_E17E)
_MASTER_STREAM = np.uint64(0)
_CAPTURE_STREAM = np.uint64(1)
_U5, _U7, _U9, _U11, _U17, _U45 = (np.uint64(k) for k in (5, 7, 9, 11, 17, 45))
_U27, _U30, _U31, _U64, _U255 = (np.uint64(k) for k in (27, 30, 31, 64, 255))
_TO_UNIT = 2.0**-53


def _ziggurat_tables() -> tuple[FloatArray, FloatArray]:
    """Layer edges ``x`` and ``exp(-x²/2)`` of the 256-layer normal ziggurat (Marsaglia-Tsang
    construction with Doornik's constants): every layer, the base with its tail included, has
    the same area, so a layer index drawn uniformly is exact."""
    r, v = 3.6541528853610088, 0.00492867323399
    x = np.zeros(257)
    x[0] = v / math.exp(-0.5 * r * r)
    x[1] = r
    for i in range(2, 256):
        x[i] = math.sqrt(-2.0 * math.log(v / x[i - 1] + math.exp(-0.5 * x[i - 1] ** 2)))
    return x, np.exp(-0.5 * x * x)


_ZIG_X, _ZIG_F = _ziggurat_tables()
_ZIG_R = float(_ZIG_X[1])


@njit()
def _mix64(z: np.uint64) -> np.uint64:
    """SplitMix64's finaliser: a bijection of 64-bit words with full avalanche."""
    z = (z ^ (z >> _U30)) * _MIX1
    z = (z ^ (z >> _U27)) * _MIX2
    return z ^ (z >> _U31)


@njit()
def _identity_key(seed: np.uint64, identity: np.uint64, stream: np.uint64) -> np.uint64:
    """The key of one random stream of one identity. Each step is a bijection of its input for
    the previous ones fixed, so two identities (or two streams of one) never share a key."""
    h = _mix64(seed ^ _SEED_SALT)
    h = _mix64(h ^ identity)
    return _mix64(h + stream * _GOLDEN)


@njit()
def _seed(key: np.uint64, s: U64Array) -> None:
    z = key
    for k in range(4):
        z += _GOLDEN
        s[k] = _mix64(z)


@njit()
def _rotl(x: np.uint64, k: np.uint64) -> np.uint64:
    return (x << k) | (x >> (_U64 - k))


@njit()
def _next(s: U64Array) -> np.uint64:
    """xoshiro256**: the next 64 random bits."""
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    out = _rotl(s1 * _U5, _U7) * _U9
    t = s1 << _U17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s[0], s[1], s[2], s[3] = s0, s1, s2, _rotl(s3, _U45)
    return out


@njit()
def _uniform(s: U64Array) -> float:
    """Uniform in [0, 1) with 53 random bits."""
    return float(_next(s) >> _U11) * _TO_UNIT


@njit()
def _normal(s: U64Array) -> float:
    """Standard normal (ziggurat: the low 8 bits pick the layer, the high 53 the abscissa)."""
    while True:
        bits = _next(s)
        i = int(bits & _U255)
        u = 2.0 * float(bits >> _U11) * _TO_UNIT - 1.0
        x = u * float(_ZIG_X[i])
        if abs(x) < _ZIG_X[i + 1]:
            return x
        if i == 0:  # the tail beyond R, by Marsaglia's method
            while True:
                t = -math.log(1.0 - _uniform(s)) / _ZIG_R
                e = -math.log(1.0 - _uniform(s))
                if 2.0 * e >= t * t:
                    return _ZIG_R + t if u >= 0.0 else -_ZIG_R - t
        if _ZIG_F[i] + (_ZIG_F[i + 1] - _ZIG_F[i]) * _uniform(s) < math.exp(-0.5 * x * x):
            return x


@njit()
def _poisson(s: U64Array, lam: float) -> int:
    """Poisson(``lam``) by Knuth's product of uniforms: exact, ~``lam`` draws."""
    limit = math.exp(-lam)
    k = 0
    p = _uniform(s)
    while p > limit:
        k += 1
        p *= _uniform(s)
    return k


# --- master fingers -------------------------------------------------------------------------


Field = tuple[float, float, float, float, float, float, float, float, float, float, float, float]
"""One finger's orientation field, unpacked for the inner loops: counts of cores and deltas,
their positions (x, y; core 0, core 1, delta 0, delta 1), ``1 / width`` and ``height / width``
of the arch bump."""


@njit()
def _field(g: FloatArray) -> Field:
    c, d = _G_CORES, _G_DELTAS
    return (
        g[_G_NCORES],
        g[_G_NDELTAS],
        g[c],
        g[c + 1],
        g[c + 2],
        g[c + 3],
        g[d],
        g[d + 1],
        g[d + 2],
        g[d + 3],
        1.0 / g[_G_ARCH_W],
        g[_G_ARCH_H] / g[_G_ARCH_W],
    )


@njit()
def _times(zr: float, zi: float, wr: float, wi: float) -> tuple[float, float]:
    """``z·w``, or ``z`` when ``w`` is 0 (where ``arg w`` would be ``atan2(0, 0) = 0``)."""
    if wr == 0.0 and wi == 0.0:
        return zr, zi
    return zr * wr - zi * wi, zr * wi + zi * wr


@njit()
def _orientation_at(px: float, py: float, k: Field) -> float:
    """Zero-pole (Sherlock-Monro) orientation in ISO sense, mod π, plus an arch bump.

    The zero-pole field is flat away from its singular points, while real ridges arch over the
    whole finger; the bump (ridges following ``y = h·exp(-u²/2)``) adds that curvature, and is
    the entire field of a plain arch, which has no singular point.

    Half a sum of arguments is, mod π, half the argument of a product, so the field is one
    ``atan2`` of ``Π (z - core) · Π conj(z - delta) · (1 + i·slope)²`` (``arg (1 + i·s)² =
    2·atan s``) instead of one per singular point and the bump: the function runs for every
    minutia of every generated person. Points are taken in the mirrored frame ``(x, -y)``.
    """
    nc, nd, c0x, c0y, c1x, c1y, d0x, d0y, d1x, d1y, inv_w, h_w = k
    zr, zi = 1.0, 0.0
    if nc > 0:
        zr, zi = _times(zr, zi, px - c0x, c0y - py)
    if nc > 1:
        zr, zi = _times(zr, zi, px - c1x, c1y - py)
    if nd > 0:
        zr, zi = _times(zr, zi, px - d0x, py - d0y)
    if nd > 1:
        zr, zi = _times(zr, zi, px - d1x, py - d1y)
    u = (px - CENTER[0]) * inv_w
    v = (py - CENTER[1]) * (1.0 / 250.0)
    slope = -h_w * u * math.exp(-0.5 * u * u - v * v)
    zr, zi = _times(zr, zi, 1.0 - slope * slope, 2.0 * slope)
    theta = 0.5 * _atan2(zi, zr)
    if theta < 0.0:
        theta += math.pi
    return theta if theta < math.pi else 0.0  # -tiny + π rounds to π


@njit()
def _orientation_field(x: FloatArray, y: FloatArray, g: FloatArray) -> FloatArray:
    k = _field(g)
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = _orientation_at(x[i], y[i], k)
    return out


_ATAN_P = (
    -8.750608600031904122785e-1,
    -1.615753718733365076637e1,
    -7.500855792314704667340e1,
    -1.228866684490136173410e2,
    -6.485021904942025371773e1,
)
_ATAN_Q = (
    2.485846490142306297962e1,
    1.650270098316988542046e2,
    4.328810604912902668951e2,
    4.853903996359136964868e2,
    1.945506571482613964425e2,
)
_ATAN_MOREBITS = 6.123233995736765886130e-17


@njit()
def _atan2(y: float, x: float) -> float:
    """``atan2`` to within 2 ulp at half the cost of libm's (Cephes' rational ``atan`` on
    [0, 1] after folding the octants): the orientation field spends most of its time here.
    ``atan2(0, 0)`` is 0, as in libm."""
    ax, ay = abs(x), abs(y)
    hi, lo = max(ax, ay), min(ax, ay)
    if hi == 0.0:
        return 0.0
    t = lo / hi
    base = 0.0
    if t > 0.66:  # atan t = π/4 + atan((t - 1) / (t + 1)), with |argument| < 0.21
        base = 0.25 * math.pi + 0.5 * _ATAN_MOREBITS
        t = (t - 1.0) / (t + 1.0)
    z = t * t
    p = (((_ATAN_P[0] * z + _ATAN_P[1]) * z + _ATAN_P[2]) * z + _ATAN_P[3]) * z + _ATAN_P[4]
    q = ((((z + _ATAN_Q[0]) * z + _ATAN_Q[1]) * z + _ATAN_Q[2]) * z + _ATAN_Q[3]) * z + _ATAN_Q[4]
    r = base + (t + t * z * p / q)
    if ay > ax:
        r = 0.5 * math.pi - r
    if x < 0.0:
        r = math.pi - r
    return -r if y < 0.0 else r


@njit()
def _place_singular_points(s: U64Array, cls: int, a: float, b: float, g: FloatArray) -> None:
    """Place cores and deltas for a class, in pixels, into the geometry row ``g``.

    Placements follow the classes' definitions and typical geometry on rolled prints: a loop's
    core sits slightly above the centre with its delta 70-120 px below and to the side it does
    not open to; a tented arch has its delta straight under the core; a whorl has two cores
    stacked near the centre and a delta on each side.
    """
    cx, cy = CENTER
    u0, u1 = _uniform(s), _uniform(s)
    g[_G_ARCH_W] = 0.35 * a + 0.2 * a * u1
    g[_G_NCORES] = 0.0
    g[_G_NDELTAS] = 0.0
    if cls == 0:  # plain arch
        g[_G_ARCH_H] = 70.0 + 60.0 * u0
        return
    g[_G_ARCH_H] = 20.0 + 30.0 * u0
    u2, u3 = _uniform(s), _uniform(s)
    kx = cx + 40.0 * (u0 - 0.5)
    ky = cy - 0.05 * b - 0.15 * b * u1
    g[_G_NCORES] = 1.0
    g[_G_NDELTAS] = 1.0
    g[_G_CORES], g[_G_CORES + 1] = kx, ky
    if cls == 1:  # tented arch
        g[_G_DELTAS] = kx + 16.0 * (u2 - 0.5)
        g[_G_DELTAS + 1] = ky + 45.0 + 35.0 * u3
        return
    if cls != 4:  # left loop (2) or right loop (3); a whorl (4) falls through
        side = 1.0 if cls == 2 else -1.0
        g[_G_DELTAS] = kx + side * (60.0 + 55.0 * u2)
        g[_G_DELTAS + 1] = ky + 70.0 + 50.0 * u3
        return
    u4, u5, u6, u7 = _uniform(s), _uniform(s), _uniform(s), _uniform(s)
    sep = 15.0 + 25.0 * u2
    tilt = 20.0 * (u3 - 0.5)
    mx = cx + 30.0 * (u0 - 0.5)
    my = cy - 0.1 * b * u1
    g[_G_NCORES] = 2.0
    g[_G_NDELTAS] = 2.0
    g[_G_CORES], g[_G_CORES + 1] = mx + tilt, my - sep / 2
    g[_G_CORES + 2], g[_G_CORES + 3] = mx - tilt, my + sep / 2
    g[_G_DELTAS], g[_G_DELTAS + 1] = mx - (0.45 + 0.2 * u4) * a, my + 0.35 * b + 0.2 * b * u5
    g[_G_DELTAS + 2], g[_G_DELTAS + 3] = mx + (0.45 + 0.2 * u6) * a, my + 0.35 * b + 0.2 * b * u7


@njit()
def _conflicts(
    px: float,
    py: float,
    rad: float,
    gx: int,
    gy: int,
    x: FloatArray,
    y: FloatArray,
    radius: FloatArray,
    heads: IntArray,
    chain: IntArray,
) -> bool:
    """Whether an accepted minutia in the 3 x 3 cells around cell (gx, gy) is closer to
    (px, py) than the mean of the two spacing radii. ``heads`` holds each cell's last accepted
    minutia and ``chain`` each minutia's predecessor in its cell (-1 ends a list)."""
    for qy in range(max(gy - 1, 0), min(gy + 2, _GRID_CELLS)):
        for qx in range(max(gx - 1, 0), min(gx + 2, _GRID_CELLS)):
            j = heads[qy * _GRID_CELLS + qx]
            while j >= 0:
                lim = 0.5 * (rad + radius[j])
                if (px - x[j]) ** 2 + (py - y[j]) ** 2 < lim * lim:
                    return True
                j = chain[j]
    return False


@njit()
def _draw_master(
    s: U64Array,
    x: FloatArray,
    y: FloatArray,
    angle: FloatArray,
    kind: I8Array,
    off: IntArray,
    geom: FloatArray,
) -> None:
    """Draw one person's ten master fingers into the buffers (``x`` etc. hold 10 x 120).

    Person-level draws (finger size, ridge period) are shared by the ten fingers, as they are
    on a real hand; pattern classes are drawn per finger from the hand's class table.

    Minutiae are placed by random sequential adsorption: candidates uniform on the finger
    ellipse, thinned where the local ridge period is longer (toward the rim, less so near the
    core), are accepted in turn unless closer than the mean of the two spacing radii to an
    accepted one, until the finger's target count or its candidate allowance is reached.
    Candidates are drawn lazily (the process is the same as drawing the allowance up front) and
    conflicts are looked up in a grid whose cells are as wide as the largest spacing radius, so
    only the 3 x 3 cells around a candidate can hold one: O(n) per finger rather than O(n²).
    """
    cx, cy = CENTER
    scale = min(max(1.0 + 0.04 * _normal(s), 0.9), 1.06)
    period = RIDGE_PERIOD_PX + 0.5 * _normal(s)
    period = min(max(period, _PERIOD_RANGE[0]), _PERIOD_RANGE[1])
    inv_cell = 1.0 / (_CELL_MARGIN * MIN_SPACING * _MAX_LOCAL_PERIOD * period)
    heads = np.full(_GRID_CELLS * _GRID_CELLS, -1, dtype=np.int64)
    chain = np.empty(x.shape[0], dtype=np.int64)
    radius = np.empty(x.shape[0])
    n = 0
    off[0] = 0
    for f in range(FINGER_POSITIONS):
        g = geom[f]
        u = _uniform(s)
        cls = 0
        while cls < 4 and u > _HAND_CLASS_CUM[f // 5, cls]:
            cls += 1
        a = _SEMI_AXES[f % 5, 0] * scale * math.exp(0.03 * _normal(s))
        b = _SEMI_AXES[f % 5, 1] * scale * math.exp(0.03 * _normal(s))
        g[_G_CX], g[_G_CY], g[_G_AX], g[_G_AY] = cx, cy, a, b
        g[_G_CLASS], g[_G_PERIOD] = cls, period
        _place_singular_points(s, cls, a, b, g)
        target = math.pi * a * b / (AREA_PER_MINUTIA * period * period)
        target_n = int(np.rint(target * math.exp(0.08 * _normal(s))))
        target_n = min(max(target_n, _MINUTIAE_RANGE[0]), _MINUTIAE_RANGE[1])
        k0x, k0y = (g[_G_CORES], g[_G_CORES + 1]) if g[_G_NCORES] > 0 else (cx, cy)

        first = n
        for _ in range(_CANDIDATES_PER_MINUTIA * target_n):
            if n - first >= target_n:
                break
            while True:  # uniform in the unit disk
                ux = 2.0 * _uniform(s) - 1.0
                uy = 2.0 * _uniform(s) - 1.0
                r2 = ux * ux + uy * uy
                if r2 < 1.0:
                    break
            px = cx + a * ux
            py = cy + b * uy
            if px < 4.0 or px > COORD_MAX - 4.0 or py < 4.0 or py > COORD_MAX - 4.0:
                continue
            dc2 = (px - k0x) ** 2 + (py - k0y) ** 2
            local = period * (1.0 + 0.2 * r2) * (1.0 - 0.12 * math.exp(dc2 * (-0.5 / 45.0**2)))
            if _uniform(s) * local * local >= period * period:  # kept w.p. (period / local)²
                continue
            rad = MIN_SPACING * local
            gx, gy = int(px * inv_cell), int(py * inv_cell)
            if not _conflicts(px, py, rad, gx, gy, x, y, radius, heads, chain):
                x[n], y[n], radius[n] = px, py, rad
                chain[n] = heads[gy * _GRID_CELLS + gx]
                heads[gy * _GRID_CELLS + gx] = n
                n += 1
        off[f + 1] = n
        field_f = _field(g)
        for i in range(first, n):
            heads[int(y[i] * inv_cell) * _GRID_CELLS + int(x[i] * inv_cell)] = -1  # for f + 1
            theta = _orientation_at(x[i], y[i], field_f)
            bits = _next(s)
            a_i = theta + math.pi * float(bits & np.uint64(1))
            angle[i] = a_i if a_i < TWO_PI else a_i - TWO_PI  # only by rounding
            ending = float(bits >> _U11) * _TO_UNIT < P_RIDGE_ENDING
            kind[i] = RIDGE_ENDING if ending else BIFURCATION


@njit()
def _master_arrays(key: np.uint64) -> MasterArrays:
    """One person's master fingers drawn from ``key``, trimmed to size."""
    s = np.empty(4, dtype=np.uint64)
    _seed(key, s)
    cap = FINGER_POSITIONS * _MINUTIAE_RANGE[1]
    x, y, angle = np.empty(cap), np.empty(cap), np.empty(cap)
    kind = np.empty(cap, dtype=np.int8)
    off = np.empty(FINGER_POSITIONS + 1, dtype=np.int64)
    geom = np.empty((FINGER_POSITIONS, _G_LEN))
    _draw_master(s, x, y, angle, kind, off, geom)
    n = off[-1]
    return x[:n].copy(), y[:n].copy(), angle[:n].copy(), kind[:n].copy(), off, geom


def _master_tenprint(arrays: MasterArrays) -> MasterTenprint:
    """Wrap the kernel's arrays as objects; every array field is a view of them."""
    x, y, angle, kind, off, geom = arrays
    bounds = off.tolist()
    fingers = []
    for f, g in enumerate(geom.tolist()):  # Python floats: numpy scalar access is slow
        nc, nd = int(g[_G_NCORES]), int(g[_G_NDELTAS])
        lo, hi = bounds[f], bounds[f + 1]
        fingers.append(
            MasterFinger(
                position=f + 1,
                pattern=CLASSES[int(g[_G_CLASS])],
                center=(g[_G_CX], g[_G_CY]),
                semi_axes=(g[_G_AX], g[_G_AY]),
                ridge_period=g[_G_PERIOD],
                cores=geom[f, _G_CORES : _G_CORES + 2 * nc].reshape(nc, 2),
                deltas=geom[f, _G_DELTAS : _G_DELTAS + 2 * nd].reshape(nd, 2),
                arch=(g[_G_ARCH_H], g[_G_ARCH_W]),
                x=x[lo:hi],
                y=y[lo:hi],
                angle=angle[lo:hi],
                type=kind[lo:hi],
            )
        )
    master = MasterTenprint(tuple(fingers))
    master.__dict__["_arrays"] = arrays  # what MasterTenprint._arrays would rebuild
    return master


def make_master_tenprint(rng: np.random.Generator) -> MasterTenprint:
    """Draw one synthetic person's ten master fingers, keyed by one 64-bit draw from ``rng``."""
    return _master_tenprint(_master_arrays(_draw_key(rng)))


def _draw_key(rng: np.random.Generator) -> np.uint64:
    return np.uint64(rng.integers(0, 2**64, dtype=np.uint64))


# --- impressions ----------------------------------------------------------------------------


@njit()
def _draw_impression(
    s: U64Array,
    master: MasterArrays,
    noise: FloatArray,
    out: I16Array,
    counts: I16Array,
    quality: U8Array,
) -> None:
    """One booking capture of ``master`` into ``out`` (10, 128, 4), ``counts`` and ``quality``
    (10,); an unprintable finger gets count -1. ``out`` rows past a finger's count are left
    as they were.

    Steps, in the order skin and capture apply them: contact area, missed minutiae, spurious
    minutiae, plastic distortion, extraction jitter, type flips, the finger's placement
    (rotation, translation), clipping to the 512 x 512 window, a random choice of at most
    127 (the template limit), and raster ordering (extractors report minutiae in scan order, so
    the order carries no correspondence between prints).
    """
    mx, my, mangle, mkind, off, geom = master
    wx, wy = CENTER
    cap = int(np.max(off[1:] - off[:-1])) + 64  # a hand-built master may exceed 120 a finger
    bx, by, ba = np.empty(cap), np.empty(cap), np.empty(cap)
    bdx, bdv, bbrake = np.empty(cap), np.empty(cap), np.empty(cap)
    bt = np.empty(cap)  # types, as floats so that one _grown serves all buffers
    keys, ordered = np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64)
    sigma, sigma_a = noise[_N_POS], noise[_N_ANGLE]
    for f in range(FINGER_POSITIONS):
        g = geom[f]
        cond = _uniform(s)
        miss = noise[_N_MISS] + (noise[_N_MISS + 1] - noise[_N_MISS]) * (1.0 - cond)
        spur = noise[_N_SPUR] + (noise[_N_SPUR + 1] - noise[_N_SPUR]) * (1.0 - cond)
        qlo, qhi = noise[_N_QUALITY], noise[_N_QUALITY + 1]
        q = np.rint(qlo + (qhi - qlo) * cond + 3.0 * _normal(s))
        if _uniform(s) < noise[_N_UNPRINTABLE]:
            counts[f] = -1
            quality[f] = 0
            continue
        quality[f] = int(min(max(q, 0.0), 100.0))
        lo, hi = noise[_N_CONTACT], noise[_N_CONTACT + 1]
        c_scale = lo + (hi - lo) * _uniform(s)
        ccx = g[_G_CX] + (2.0 * _uniform(s) - 1.0) * noise[_N_CONTACT_SHIFT]
        ccy = g[_G_CY] + (2.0 * _uniform(s) - 1.0) * noise[_N_CONTACT_SHIFT]
        cax, cay = g[_G_AX] * c_scale, g[_G_AY] * c_scale
        inv_ax, inv_ay = 1.0 / cax, 1.0 / cay
        rot = (2.0 * _uniform(s) - 1.0) * noise[_N_ROT]
        tx = (2.0 * _uniform(s) - 1.0) * noise[_N_SHIFT]
        ty = (2.0 * _uniform(s) - 1.0) * noise[_N_SHIFT]
        dist_rms = noise[_N_DIST] * (0.5 + _uniform(s))
        dist_k = _normal(s) / 200.0
        dist_x, dist_v = _normal(s), _normal(s)

        # Contact area and missed minutiae (more misses toward the blurred periphery).
        n = 0
        for i in range(off[f], off[f + 1]):
            ex = (mx[i] - ccx) * inv_ax
            ey = (my[i] - ccy) * inv_ay
            rho2 = ex * ex + ey * ey
            if rho2 > 1.0 or _uniform(s) < min(miss * (0.4 + 1.2 * rho2), 0.95):
                continue
            bx[n], by[n], ba[n], bt[n] = mx[i], my[i], mangle[i], mkind[i]
            n += 1

        # Spurious minutiae: ridge breaks along the flow, denser toward the periphery.
        field_f = _field(g)
        n_spur = _poisson(s, spur * n)
        if n + n_spur > bx.shape[0]:
            bigger = 2 * (n + n_spur)
            bx, by = _grown(bx, n, bigger), _grown(by, n, bigger)
            ba, bt = _grown(ba, n, bigger), _grown(bt, n, bigger)
            bdx, bdv, bbrake = np.empty(bigger), np.empty(bigger), np.empty(bigger)
            keys, ordered = np.empty(bigger, dtype=np.int64), np.empty(bigger, dtype=np.int64)
        for _ in range(n_spur):
            sr = _uniform(s) ** (1.0 / 3.0)
            phi = _uniform(s) * TWO_PI
            sx = ccx + cax * sr * math.cos(phi)
            sy = ccy + cay * sr * math.sin(phi)
            bits = _next(s)
            bx[n], by[n] = sx, sy
            ba[n] = _orientation_at(sx, sy, field_f) + math.pi * float(bits & np.uint64(1))
            ending = float(bits >> _U11) * _TO_UNIT < P_RIDGE_ENDING
            bt[n] = RIDGE_ENDING if ending else BIFURCATION
            n += 1

        # Plastic distortion, in the (x, -y) frame around the contact centre: the outer skin is
        # dragged by a small rotation and translation, braked smoothly toward the contact core,
        # then scaled so that the finger's RMS displacement is the drawn one.
        ms = 0.0
        for i in range(n):
            qx = bx[i] - ccx
            qv = -(by[i] - ccy)
            rho = math.sqrt((qx * inv_ax) ** 2 + (qv * inv_ay) ** 2)
            t = min(max((rho - 0.25) * (1.0 / 0.75), 0.0), 1.0)
            brake = t * t * (3.0 - 2.0 * t)
            bdx[i] = brake * (-dist_k * qv + dist_x)
            bdv[i] = brake * (dist_k * qx + dist_v)
            bbrake[i] = brake
            ms += bdx[i] ** 2 + bdv[i] ** 2
        gain = dist_rms / math.sqrt(max(ms / max(n, 1), 1e-9))

        # Extraction jitter, type flips, placement on the platen (rotation about the window
        # centre, then translation), quantisation and clipping to the window.
        c, sn = math.cos(rot), math.sin(rot)
        m = 0
        for i in range(n):
            px = bx[i] + bdx[i] * gain + sigma * _normal(s)
            pv = -by[i] + bdv[i] * gain + sigma * _normal(s)
            pa = ba[i] + bbrake[i] * dist_k * gain + sigma_a * _normal(s) + rot
            t_i = int(bt[i])
            if _uniform(s) < noise[_N_FLIP]:
                t_i = 3 - t_i
            ux, uv = px - wx, pv + wy
            xi = int(np.rint(wx + c * ux - sn * uv + tx))
            yi = int(np.rint(wy - (sn * ux + c * uv) - ty))
            if xi < 0 or xi > COORD_MAX or yi < 0 or yi > COORD_MAX:
                continue
            ai = int(np.rint(pa * (ANGLE_UNITS / TWO_PI))) & (ANGLE_UNITS - 1)  # floor mod 2^8
            keys[m] = ((yi * (COORD_MAX + 1) + xi) * ANGLE_UNITS + ai) * 4 + t_i
            m += 1

        if m > MAX_MINUTIAE:  # keep a uniformly random subset
            for j in range(MAX_MINUTIAE):
                r = j + int(_uniform(s) * (m - j))
                keys[j], keys[r] = keys[r], keys[j]
            m = MAX_MINUTIAE
        # A packed key sorts in raster order (y, then x); angle and type break ties.
        _raster_sort(keys, ordered, m)
        for j in range(m):
            k = ordered[j]
            out[f, j, 3] = k & 3
            out[f, j, 2] = (k >> 2) & (ANGLE_UNITS - 1)
            out[f, j, 0] = (k >> 10) & COORD_MAX
            out[f, j, 1] = k >> 19
        counts[f] = m


_BAND_SHIFT = 22
"""A packed key shifted right by this is its row band, ``y // 8`` (64 bands)."""


@njit()
def _raster_sort(keys: IntArray, out: IntArray, n: int) -> None:
    """Sort ``keys[:n]`` into ``out[:n]``: a counting sort on 8-row bands, then an insertion
    sort that only moves keys within a band. At the ~70 keys of a finger this costs ~5 µs per
    person, against ~10 µs for a plain insertion sort and ~20 µs for ``np.sort`` (whose
    allocation and set-up dominate at that size)."""
    starts = np.zeros(66, dtype=np.int64)
    for j in range(n):
        starts[(keys[j] >> _BAND_SHIFT) + 2] += 1
    for band in range(2, 66):
        starts[band] += starts[band - 1]
    for j in range(n):
        band = (keys[j] >> _BAND_SHIFT) + 1
        out[starts[band]] = keys[j]
        starts[band] += 1
    for j in range(1, n):
        v = out[j]
        h = j - 1
        while h >= 0 and out[h] > v:
            out[h + 1] = out[h]
            h -= 1
        out[h + 1] = v


@njit()
def _grown(a: FloatArray, n: int, size: int) -> FloatArray:
    """A longer scratch buffer holding ``a``'s first ``n`` values, for the rare finger whose
    spurious minutiae overflow the one sized for ordinary captures."""
    b = np.empty(size)
    b[:n] = a[:n]
    return b


@njit()
def _impression_arrays(
    key: np.uint64, master: MasterArrays, noise: FloatArray
) -> tuple[I16Array, I16Array, U8Array]:
    s = np.empty(4, dtype=np.uint64)
    _seed(key, s)
    out = np.zeros((FINGER_POSITIONS, MAX_MINUTIAE + 1, 4), dtype=np.int16)
    counts = np.empty(FINGER_POSITIONS, dtype=np.int16)
    quality = np.empty(FINGER_POSITIONS, dtype=np.uint8)
    _draw_impression(s, master, noise, out, counts, quality)
    return out, counts, quality


def impress(
    master: MasterTenprint, rng: np.random.Generator, noise: ImpressionNoise = ImpressionNoise()
) -> Tenprint:
    """One booking capture of ``master``: ten integer templates as an extractor would emit them,
    keyed by one 64-bit draw from ``rng`` (see ``_draw_impression`` for the steps)."""
    return packed_row(*_impression_arrays(_draw_key(rng), master._arrays, noise._vector()))


# --- identities and bulk generation ---------------------------------------------------------


def _check_key_parts(seed: int, identity: int, capture: int) -> None:
    if not 0 <= seed < 2**64:
        raise ValueError(f"seed must be in [0, 2**64), got {seed}")
    if not 0 <= identity < 2**63:
        raise ValueError(f"identity must be in [0, 2**63), got {identity}")
    if not 0 <= capture < 2**63:
        raise ValueError(f"capture must be in [0, 2**63), got {capture}")


def _key(seed: int, identity: int, stream: np.uint64) -> np.uint64:
    """``_identity_key`` called from Python. The result is re-wrapped because numba returns a
    Python int, which it would read back as a signed 64-bit one."""
    return np.uint64(_identity_key(np.uint64(seed), np.uint64(identity), stream))


def identity_master(seed: int, identity: int) -> MasterTenprint:
    """The master fingers of identity ``identity`` of population ``seed``: always the same
    person, whichever batch, process or order generated it first."""
    _check_key_parts(seed, identity, 0)
    return _master_tenprint(_master_arrays(_key(seed, identity, _MASTER_STREAM)))


def identity_impression(
    seed: int, identity: int, capture: int = 0, noise: ImpressionNoise = ImpressionNoise()
) -> Tenprint:
    """Capture number ``capture`` of identity ``identity``: row ``identity - start`` of
    :func:`make_population` with that capture number. Capture 0 is the one enrolled in a
    generated gallery; a later booking of the same person should use another number (or
    :func:`impress` on :func:`identity_master` with its own generator)."""
    _check_key_parts(seed, identity, capture)
    master = _master_arrays(_key(seed, identity, _MASTER_STREAM))
    key = _key(seed, identity, _CAPTURE_STREAM + np.uint64(capture))
    return packed_row(*_impression_arrays(key, master, noise._vector()))


@njit()
def _fill(
    seed: np.uint64,
    identities: IntArray,
    capture: np.uint64,
    noise: FloatArray,
    out: I16Array,
    counts: I16Array,
    quality: U8Array,
) -> None:
    """Row ``r`` of the packed arrays gets identity ``identities[r]``'s capture ``capture``."""
    s = np.empty(4, dtype=np.uint64)
    cap = FINGER_POSITIONS * _MINUTIAE_RANGE[1]
    x, y, angle = np.empty(cap), np.empty(cap), np.empty(cap)
    kind = np.empty(cap, dtype=np.int8)
    off = np.empty(FINGER_POSITIONS + 1, dtype=np.int64)
    geom = np.empty((FINGER_POSITIONS, _G_LEN))
    master = (x, y, angle, kind, off, geom)
    for r in range(out.shape[0]):
        identity = np.uint64(identities[r])
        _seed(_identity_key(seed, identity, _MASTER_STREAM), s)
        _draw_master(s, x, y, angle, kind, off, geom)
        _seed(_identity_key(seed, identity, _CAPTURE_STREAM + capture), s)
        _draw_impression(s, master, noise, out[r], counts[r], quality[r])


@dataclass(frozen=True, eq=False)
class Population(Packed):
    """Impressions of identities ``start .. start + len - 1`` of population ``seed``, packed as
    a gallery stores them (:class:`~scomm.biometrics.template.Packed`: rows past a finger's
    count are zero). About 10 KB per identity, so a million are built in chunks."""

    seed: int
    start: int
    capture: int


def make_population(
    seed: int,
    start: int,
    count: int,
    noise: ImpressionNoise = ImpressionNoise(),
    *,
    capture: int = 0,
    workers: int = 1,
) -> Population:
    """Capture ``capture`` of identities ``start .. start + count - 1`` of population ``seed``.

    Row ``r`` is :func:`identity_impression` ``(seed, start + r, capture, noise)`` whatever the
    batch, so chunks can be generated separately and in any order. ``workers`` threads split
    the rows (the kernel releases the GIL); the result does not depend on their number.
    """
    if count < 0:
        raise ValueError(f"need count ≥ 0, got {count}")
    _check_key_parts(seed, start, capture)
    if start + count > 2**63:
        raise ValueError(f"identities must stay below 2**63, got {start} + {count}")
    packed = make_captures(seed, np.arange(start, start + count, dtype=np.int64), noise,
                           capture=capture, workers=workers)
    return Population(seed=seed, start=start, capture=capture, minutiae=packed.minutiae,
                      counts=packed.counts, quality=packed.quality)


def make_captures(
    seed: int,
    identities: IntArray,
    noise: ImpressionNoise = ImpressionNoise(),
    *,
    capture: int = 0,
    workers: int = 1,
) -> Packed:
    """Capture ``capture`` of each of ``identities`` (any order, repeats allowed): row ``r`` is
    :func:`identity_impression` ``(seed, identities[r], capture, noise)``. The bulk path for a
    gallery whose members are not one contiguous range, such as the people of a synthetic
    nation that IDENT holds. ``workers`` threads split the rows (the kernel releases the GIL);
    the result does not depend on their number."""
    ids = np.ascontiguousarray(identities, dtype=np.int64)
    count = len(ids)
    if workers < 1:
        raise ValueError(f"need workers ≥ 1, got {workers}")
    if count and ids.min() < 0:
        raise ValueError(f"identities must be ≥ 0, got {int(ids.min())}")
    _check_key_parts(seed, int(ids.max()) if count else 0, capture)
    out = Packed(
        minutiae=np.zeros((count, FINGER_POSITIONS, MAX_MINUTIAE + 1, 4), dtype=np.int16),
        counts=np.full((count, FINGER_POSITIONS), -1, dtype=np.int16),
        quality=np.zeros((count, FINGER_POSITIONS), dtype=np.uint8),
    )
    useed, ucap, vec = np.uint64(seed), np.uint64(capture), noise._vector()

    def run(lo: int, hi: int) -> None:
        sl = slice(lo, hi)
        _fill(useed, ids[sl], ucap, vec, out.minutiae[sl], out.counts[sl], out.quality[sl])

    bounds = np.linspace(0, count, min(workers, max(count, 1)) + 1).astype(int).tolist()
    if len(bounds) == 2:
        run(0, count)
    else:
        with ThreadPoolExecutor(len(bounds) - 1) as pool:
            list(pool.map(run, bounds[:-1], bounds[1:]))
    return out
