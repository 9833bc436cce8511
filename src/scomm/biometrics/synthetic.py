"""Synthetic fingers in template space: master fingers and booking impressions of them.

Why template space. The simulator books tens of thousands of synthetic people, each needing a
tenprint per booking and a distinct one per identity; images (SFinGe-style ridge growth, WSQ,
extraction) would cost ~1 s per finger. Sampling minutiae directly costs well under a millisecond
per tenprint and still exercises everything a matcher depends on: realistic counts, a minimum
spacing, directions that follow a smooth ridge flow with singular points (so that neighbouring
minutiae look alike, as on real skin, and local structures are not trivially unique), and the
capture effects that make two prints of one finger differ (reference/biometrics.md §3.3a).

Geometry. Coordinates are pixels at 500 ppi in a 512 x 512 window, y pointing down, as in
:mod:`scomm.biometrics.template`; angles are radians in the ISO/IEC 19794-2 sense
(counter-clockwise as seen on the image). Internally the code works in the mirrored frame
``(x, -y)``, where that sense is the ordinary mathematical one and rotations are textbook.

The orientation field is the Sherlock-Monro zero-pole model: the ridge orientation at ``z`` is
``½ Σ arg(z - core) - ½ Σ arg(z - delta)`` (mod π), which puts exactly the right singularities at
the cores and deltas of each pattern class. Plain arches have no singular point and use a bump
field instead. The ridge period (≈ 9 px, 0.46 mm) sets both the minimum spacing of minutiae
and their density, so a person with finer ridges has proportionally more minutiae.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

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
    FingerTemplate,
    Tenprint,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Singularities = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]
"""Per finger: core positions (f, 2, 2) and weights (f, 2), the same for deltas, and the
arch bump (height, width) (f, 2); absent singular points have weight 0."""

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

AREA_PER_MINUTIA = 18.0
"""Finger area per minutia, in squared ridge periods. With a 9 px period an index finger gets
π·175·225/(18·81) ≈ 85 minutiae, a thumb ≈ 103, a little finger ≈ 59: the 70-100 of a rolled
booking print (NIST SD27 / SD4 rolled prints, counted by examiners)."""

MIN_SPACING = 1.6
"""Minimum distance between minutiae in ridge periods: two minutiae on the same or adjacent
ridges are rarely closer than ~1.5 periods in a well-extracted print."""

P_RIDGE_ENDING = 0.55
"""Share of ridge endings among minutiae (endings are somewhat more common than bifurcations)."""


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
    type: npt.NDArray[np.int8]

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def orientation(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Ridge orientation (ISO sense, radians in [0, π)) at pixel positions ``x``, ``y``."""
        sing = _singularity_table([self])
        fid = np.zeros(np.shape(x), dtype=np.int64)
        return _orientation(np.asarray(x, float), np.asarray(y, float), fid, sing)


@dataclass(frozen=True, eq=False)
class MasterTenprint:
    """Ten master fingers of one synthetic person, in ANSI/NIST position order."""

    fingers: tuple[MasterFinger, ...]
    _flat: _Flat = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.fingers) != FINGER_POSITIONS:
            raise ValueError(f"a master tenprint has 10 fingers, got {len(self.fingers)}")
        object.__setattr__(self, "_flat", _Flat.of(self.fingers))


@dataclass(frozen=True, eq=False)
class _Flat:
    """All ten fingers' minutiae concatenated, so impressions are drawn in one vectorised pass."""

    x: FloatArray
    y: FloatArray
    angle: FloatArray
    type: npt.NDArray[np.int8]
    finger: IntArray
    center: FloatArray  # (10, 2)
    axes: FloatArray  # (10, 2)
    sing: Singularities

    @staticmethod
    def of(fingers: tuple[MasterFinger, ...]) -> _Flat:
        counts = np.array([len(f) for f in fingers])
        return _Flat(
            x=np.concatenate([f.x for f in fingers]),
            y=np.concatenate([f.y for f in fingers]),
            angle=np.concatenate([f.angle for f in fingers]),
            type=np.concatenate([f.type for f in fingers]).astype(np.int8),
            finger=np.repeat(np.arange(len(fingers)), counts),
            center=np.array([f.center for f in fingers], dtype=float),
            axes=np.array([f.semi_axes for f in fingers], dtype=float),
            sing=_singularity_table(list(fingers)),
        )


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


# --- master fingers -------------------------------------------------------------------------


def make_master_tenprint(rng: np.random.Generator) -> MasterTenprint:
    """Draw one synthetic person's ten master fingers.

    Person-level draws (finger size, ridge period) are shared by the ten fingers, as they are
    on a real hand; pattern classes are drawn per finger from the hand's class table.
    """
    scale = float(np.clip(rng.normal(1.0, 0.04), 0.9, 1.06))
    period = float(np.clip(rng.normal(RIDGE_PERIOD_PX, 0.5), 7.8, 10.2))
    hand = np.repeat([0, 1], 5)
    cum = np.cumsum(_HAND_CLASS_P, axis=1)[hand]
    cls_idx = (rng.random(10)[:, None] > cum).sum(axis=1).clip(0, 4)
    axes = _SEMI_AXES[np.tile(np.arange(5), 2)] * scale
    axes = axes * np.exp(rng.normal(0.0, 0.03, size=(10, 2)))
    cx, cy = CENTER

    sing_draws = rng.random((10, 8))
    cores: list[FloatArray] = []
    deltas: list[FloatArray] = []
    arches: list[tuple[float, float]] = []
    for f in range(10):
        c, d, arch = _singular_points(CLASSES[cls_idx[f]], sing_draws[f], axes[f])
        cores.append(c)
        deltas.append(d)
        arches.append(arch)

    area = math.pi * axes[:, 0] * axes[:, 1]
    target = area / (AREA_PER_MINUTIA * period * period) * np.exp(rng.normal(0.0, 0.08, 10))
    target_n = np.clip(np.rint(target), 30, 120).astype(np.int64)
    n_cand = 4 * target_n
    offsets = np.concatenate([[0], np.cumsum(n_cand)])
    total = int(offsets[-1])
    fid = np.repeat(np.arange(10), n_cand)
    r = np.sqrt(rng.random(total))
    phi = rng.random(total) * TWO_PI
    px = cx + axes[fid, 0] * r * np.cos(phi)
    py = cy + axes[fid, 1] * r * np.sin(phi)
    inside = (px >= 4) & (px <= COORD_MAX - 4) & (py >= 4) & (py <= COORD_MAX - 4)

    core0 = np.array([c[0] if len(c) else (cx, cy) for c in cores])
    dc2 = (px - core0[fid, 0]) ** 2 + (py - core0[fid, 1]) ** 2
    local_period = period * (1.0 + 0.2 * r * r) * (1.0 - 0.12 * np.exp(-dc2 / (2 * 45.0**2)))
    dense = rng.random(total) < (period / local_period) ** 2
    radius = np.where(inside & dense, MIN_SPACING * local_period, -1.0)
    keep = _poisson_disk(px, py, radius, offsets, target_n)

    x, y, f_of = px[keep], py[keep], fid[keep]
    sing = _singularity_table_raw(cores, deltas, arches)
    theta = _orientation(x, y, f_of, sing)
    angle = (theta + math.pi * (rng.random(x.shape[0]) < 0.5)) % TWO_PI
    kind = np.where(rng.random(x.shape[0]) < P_RIDGE_ENDING, RIDGE_ENDING, BIFURCATION)
    kind = kind.astype(np.int8)
    bounds = np.searchsorted(f_of, np.arange(11))

    fingers = []
    for f in range(10):
        s = slice(bounds[f], bounds[f + 1])
        fingers.append(
            MasterFinger(
                position=f + 1,
                pattern=CLASSES[cls_idx[f]],
                center=(cx, cy),
                semi_axes=(float(axes[f, 0]), float(axes[f, 1])),
                ridge_period=period,
                cores=cores[f],
                deltas=deltas[f],
                arch=arches[f],
                x=x[s],
                y=y[s],
                angle=angle[s],
                type=kind[s],
            )
        )
    return MasterTenprint(tuple(fingers))


def _singular_points(
    pattern: PatternClass, u: FloatArray, axes: FloatArray
) -> tuple[FloatArray, FloatArray, tuple[float, float]]:
    """Place cores and deltas for a class, in pixels; ``u`` are 8 uniform draws.

    Placements follow the classes' definitions and typical geometry on rolled prints: a loop's
    core sits slightly above the centre with its delta 70-120 px below and to the side it does
    not open to; a tented arch has its delta straight under the core; a whorl has two cores
    stacked near the centre and a delta on each side.
    """
    cx, cy = CENTER
    a, b = float(axes[0]), float(axes[1])
    no = np.zeros((0, 2))
    width = 0.35 * a + 0.2 * a * u[1]
    if pattern is PatternClass.ARCH:
        return no, no, (float(70.0 + 60.0 * u[0]), float(width))
    bump = (float(20.0 + 30.0 * u[0]), float(width))
    core = np.array([[cx + 40.0 * (u[0] - 0.5), cy - 0.05 * b - 0.15 * b * u[1]]])
    if pattern is PatternClass.TENTED_ARCH:
        delta = core + np.array([[16.0 * (u[2] - 0.5), 45.0 + 35.0 * u[3]]])
        return core, delta, bump
    if pattern in (PatternClass.LEFT_LOOP, PatternClass.RIGHT_LOOP):
        side = 1.0 if pattern is PatternClass.LEFT_LOOP else -1.0
        delta = core + np.array([[side * (60.0 + 55.0 * u[2]), 70.0 + 50.0 * u[3]]])
        return core, delta, bump
    sep = 15.0 + 25.0 * u[2]
    tilt = 20.0 * (u[3] - 0.5)
    mid = np.array([cx + 30.0 * (u[0] - 0.5), cy - 0.1 * b * u[1]])
    cores = mid + np.array([[tilt, -sep / 2], [-tilt, sep / 2]])
    deltas = mid + np.array(
        [
            [-(0.45 + 0.2 * u[4]) * a, 0.35 * b + 0.2 * b * u[5]],
            [(0.45 + 0.2 * u[6]) * a, 0.35 * b + 0.2 * b * u[7]],
        ]
    )
    return cores, deltas, bump


def _singularity_table_raw(
    cores: list[FloatArray], deltas: list[FloatArray], arches: list[tuple[float, float]]
) -> Singularities:
    """Pad singular points to two per kind with zero weights, for vectorised evaluation."""
    n = len(cores)
    cpos = np.zeros((n, 2, 2))
    cw = np.zeros((n, 2))
    dpos = np.zeros((n, 2, 2))
    dw = np.zeros((n, 2))
    arch = np.zeros((n, 2))
    for f in range(n):
        k = len(cores[f])
        cpos[f, :k] = cores[f]
        cw[f, :k] = 0.5
        k = len(deltas[f])
        dpos[f, :k] = deltas[f]
        dw[f, :k] = -0.5
        arch[f] = arches[f]
    return cpos, cw, dpos, dw, arch


def _singularity_table(fingers: list[MasterFinger]) -> Singularities:
    return _singularity_table_raw(
        [f.cores for f in fingers], [f.deltas for f in fingers], [f.arch for f in fingers]
    )


def _orientation(x: FloatArray, y: FloatArray, fid: IntArray, sing: Singularities) -> FloatArray:
    """Zero-pole (Sherlock-Monro) orientation in ISO sense, mod π, plus an arch bump.

    The zero-pole field is flat away from its singular points, while real ridges arch over the
    whole finger; the bump (ridges following ``y = h·exp(-u²/2)``) adds that curvature, and is
    the entire field of a plain arch, which has no singular point.
    """
    cpos, cw, dpos, dw, arch = sing
    theta = np.zeros(x.shape[0])
    for pos, w in ((cpos, cw), (dpos, dw)):
        for s in range(2):
            theta += w[fid, s] * np.arctan2(-(y - pos[fid, s, 1]), x - pos[fid, s, 0])
    height, width = arch[fid, 0], arch[fid, 1]
    u = (x - CENTER[0]) / width
    v = (y - CENTER[1]) / 250.0
    theta += np.arctan(-height / width * u * np.exp(-0.5 * u * u - v * v))
    return np.mod(theta, math.pi)


@njit()
def _poisson_disk(
    x: FloatArray, y: FloatArray, radius: FloatArray, offsets: IntArray, target: IntArray
) -> BoolArray:
    """Random sequential adsorption per finger: accept candidates in their (random) order
    unless closer than the mean of the two spacing radii to an accepted one; stop at target.
    A negative radius marks a candidate that was thinned out beforehand."""
    keep = np.zeros(x.shape[0], dtype=np.bool_)
    acc = np.empty(x.shape[0], dtype=np.int64)
    for f in range(offsets.shape[0] - 1):
        n_acc = 0
        for i in range(offsets[f], offsets[f + 1]):
            if n_acc >= target[f]:
                break
            if radius[i] < 0:
                continue
            ok = True
            for m in range(n_acc):
                j = acc[m]
                r = 0.5 * (radius[i] + radius[j])
                dx = x[i] - x[j]
                dy = y[i] - y[j]
                if dx * dx + dy * dy < r * r:
                    ok = False
                    break
            if ok:
                acc[n_acc] = i
                n_acc += 1
                keep[i] = True
    return keep


# --- impressions ----------------------------------------------------------------------------


def impress(
    master: MasterTenprint, rng: np.random.Generator, noise: ImpressionNoise = ImpressionNoise()
) -> Tenprint:
    """One booking capture of ``master``: ten integer templates as an extractor would emit them.

    Steps, in the order skin and capture apply them: contact area, missed minutiae, spurious
    minutiae, plastic distortion, extraction jitter, type flips, the finger's placement
    (rotation, translation), clipping to the 512 x 512 window, and raster ordering (extractors
    report minutiae in scan order, so the order carries no correspondence between prints).
    """
    flat = master._flat
    cx, cy = CENTER
    nf = FINGER_POSITIONS
    cond = rng.random(nf)
    miss_rate = noise.missing[0] + (noise.missing[1] - noise.missing[0]) * (1.0 - cond)
    spur_rate = noise.spurious[0] + (noise.spurious[1] - noise.spurious[0]) * (1.0 - cond)
    qlo, qhi = noise.quality
    quality = np.clip(np.rint(qlo + (qhi - qlo) * cond + rng.normal(0, 3, nf)), 0, 100)
    printable = rng.random(nf) >= noise.unprintable
    c_scale = rng.uniform(noise.contact_scale[0], noise.contact_scale[1], nf)
    c_center = flat.center + rng.uniform(-1, 1, (nf, 2)) * noise.contact_shift_px
    c_axes = flat.axes * c_scale[:, None]
    rot = np.deg2rad(rng.uniform(-noise.max_rotation_deg, noise.max_rotation_deg, nf))
    shift = rng.uniform(-1, 1, (nf, 2)) * noise.max_translation_px
    dist_rms = noise.distortion_rms_px * rng.uniform(0.5, 1.5, nf)
    dist_rot = rng.normal(0, 1, nf)
    dist_shift = rng.normal(0, 1, (nf, 2))

    # Contact area and missed minutiae (more misses toward the blurred periphery).
    f = flat.finger
    ex = (flat.x - c_center[f, 0]) / c_axes[f, 0]
    ey = (flat.y - c_center[f, 1]) / c_axes[f, 1]
    rho2 = ex * ex + ey * ey
    p_miss = np.clip(miss_rate[f] * (0.4 + 1.2 * rho2), 0.0, 0.95)
    keep = (rho2 <= 1.0) & (rng.random(f.shape[0]) >= p_miss)
    x, y, a, t, f = flat.x[keep], flat.y[keep], flat.angle[keep], flat.type[keep], f[keep]

    # Spurious minutiae: ridge breaks along the flow, denser toward the periphery.
    n_spur = rng.poisson(spur_rate * np.bincount(f, minlength=nf))
    sf = np.repeat(np.arange(nf), n_spur)
    sr = rng.random(sf.shape[0]) ** (1.0 / 3.0)
    sphi = rng.random(sf.shape[0]) * TWO_PI
    sx = c_center[sf, 0] + c_axes[sf, 0] * sr * np.cos(sphi)
    sy = c_center[sf, 1] + c_axes[sf, 1] * sr * np.sin(sphi)
    sa = _orientation(sx, sy, sf, flat.sing) + math.pi * (rng.random(sf.shape[0]) < 0.5)
    st = np.where(rng.random(sf.shape[0]) < P_RIDGE_ENDING, RIDGE_ENDING, BIFURCATION)
    x = np.concatenate([x, sx])
    y = np.concatenate([y, sy])
    a = np.concatenate([a, sa])
    t = np.concatenate([t, st.astype(np.int8)])
    f = np.concatenate([f, sf])
    n = x.shape[0]

    # Plastic distortion, in the (x, -y) frame around the contact centre: the outer skin is
    # dragged by a small rotation and translation, braked smoothly toward the contact core.
    qx = x - c_center[f, 0]
    qv = -(y - c_center[f, 1])
    rho = np.sqrt((qx / c_axes[f, 0]) ** 2 + (qv / c_axes[f, 1]) ** 2)
    s = np.clip((rho - 0.25) / 0.75, 0.0, 1.0)
    brake = s * s * (3.0 - 2.0 * s)
    k = dist_rot[f] / 200.0
    dx = brake * (-k * qv + dist_shift[f, 0])
    dv = brake * (k * qx + dist_shift[f, 1])
    ms = np.bincount(f, dx * dx + dv * dv, minlength=nf) / np.maximum(
        np.bincount(f, minlength=nf), 1
    )
    gain = dist_rms / np.sqrt(np.maximum(ms, 1e-9))
    x = x + dx * gain[f]
    v = -y + dv * gain[f]
    a = a + brake * k * gain[f]

    # Extraction jitter and type flips.
    x = x + rng.normal(0, noise.position_sigma_px, n)
    v = v + rng.normal(0, noise.position_sigma_px, n)
    a = a + rng.normal(0, math.radians(noise.angle_sigma_deg), n)
    flip = rng.random(n) < noise.type_flip
    t = np.where(flip, 3 - t, t)

    # Placement on the platen: rotation about the window centre, then translation.
    c, sn = np.cos(rot)[f], np.sin(rot)[f]
    ux, uv = x - cx, v + cy
    x = cx + c * ux - sn * uv + shift[f, 0]
    y = cy - (sn * ux + c * uv) - shift[f, 1]
    a = a + rot[f]

    xi = np.rint(x).astype(np.int64)
    yi = np.rint(y).astype(np.int64)
    ai = np.rint(a * (ANGLE_UNITS / TWO_PI)).astype(np.int64) % ANGLE_UNITS
    ok = (xi >= 0) & (xi <= COORD_MAX) & (yi >= 0) & (yi <= COORD_MAX) & printable[f]
    xi, yi, ai, t, f = xi[ok], yi[ok], ai[ok], t[ok], f[ok]

    counts = np.bincount(f, minlength=nf)
    if (counts > MAX_MINUTIAE).any():
        prio = rng.random(f.shape[0])
        order = np.lexsort((prio, f))
        rank = np.empty_like(order)
        rank[order] = np.arange(order.shape[0]) - np.repeat(
            np.concatenate([[0], np.cumsum(counts)[:-1]]), counts
        )
        sel = rank < MAX_MINUTIAE
        xi, yi, ai, t, f = xi[sel], yi[sel], ai[sel], t[sel], f[sel]

    order = np.lexsort((xi, yi, f))
    m = np.empty((order.shape[0], 4), dtype=np.int16)
    m[:, 0] = xi[order]
    m[:, 1] = yi[order]
    m[:, 2] = ai[order]
    m[:, 3] = t[order]
    bounds = np.searchsorted(f[order], np.arange(nf + 1))
    fingers: list[FingerTemplate | None] = []
    for i in range(nf):
        if printable[i]:
            fingers.append(FingerTemplate._trusted(m[bounds[i] : bounds[i + 1]], int(quality[i])))
        else:
            fingers.append(None)
    return Tenprint(tuple(fingers))
