"""MCC verification: the cylinder builder against the paper's formula, invariances, edge cases,
and the 1:N kernel against the 1:1 API."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import erf

from scomm.biometrics import mcc
from scomm.biometrics.synthetic import impress, make_master_tenprint
from scomm.biometrics.template import FingerTemplate, Tenprint


def template(seed: int = 0, n: int = 60) -> FingerTemplate:
    rng = np.random.default_rng(seed)
    while True:
        t = impress(make_master_tenprint(rng), rng).fingers[1]
        if t is not None and len(t) >= n:
            return FingerTemplate(t.minutiae[:n], t.quality)


def moved(t: FingerTemplate, degrees: float, dx: float, dy: float) -> FingerTemplate:
    """``t`` rotated counter-clockwise on screen about the window centre, then shifted."""
    m = t.minutiae.astype(float)
    phi = math.radians(degrees)
    ux, uv = m[:, 0] - 255.5, -(m[:, 1] - 255.5)
    x = 255.5 + math.cos(phi) * ux - math.sin(phi) * uv + dx
    y = 255.5 - (math.sin(phi) * ux + math.cos(phi) * uv) + dy
    a = np.mod(m[:, 2] + degrees / 1.40625, 256)
    out = np.column_stack([np.rint(x), np.rint(y), np.rint(a) % 256, m[:, 3]])
    keep = (out[:, 0] >= 0) & (out[:, 0] <= 511) & (out[:, 1] >= 0) & (out[:, 1] <= 511)
    return FingerTemplate(out[keep].astype(np.int16), t.quality)


def paper_cells(t: FingerTemplate) -> np.ndarray:
    """Cell sums ``(n, NS², ND)`` straight from the paper's formulas, one minutia and one cell at
    a time, with none of the builder's shortcuts (tables, passes, sorting)."""
    m = t.minutiae.astype(float)
    x, y, th = m[:, 0], -m[:, 1], m[:, 2] * 2 * math.pi / 256
    idx = np.arange(mcc.NS * mcc.NS)
    cell = 2 * mcc.RADIUS / mcc.NS
    u = (idx // mcc.NS - (mcc.NS - 1) / 2) * cell
    v = (idx % mcc.NS - (mcc.NS - 1) / 2) * cell
    width = 2 * math.pi / mcc.ND
    out = np.zeros((len(m), idx.size, mcc.ND))
    for i in range(len(m)):
        px = x[i] + math.cos(th[i]) * u - math.sin(th[i]) * v
        py = y[i] + math.sin(th[i]) * u + math.cos(th[i]) * v
        for j in range(len(m)):
            if j == i:
                continue
            d = np.hypot(px - x[j], py - y[j])
            g = np.exp(-d * d / (2 * mcc.SIGMA_S**2)) / (mcc.SIGMA_S * math.sqrt(2 * math.pi))
            cs = np.where(d <= 3 * mcc.SIGMA_S, g, 0.0)
            rel = th[i] - th[j]
            for k in range(mcc.ND):
                alpha = (-math.pi + (k + 0.5) * width - rel + math.pi) % (2 * math.pi) - math.pi
                scale = mcc.SIGMA_D * math.sqrt(2)
                cd = 0.5 * (erf((alpha + width / 2) / scale) - erf((alpha - width / 2) / scale))
                out[i, :, k] += cs * cd
    return out


def test_builder_agrees_with_the_papers_formula() -> None:
    t = template(4, n=30)
    ref = paper_cells(t) >= mcc.MU_PSI
    c = mcc.cylinders(t)
    bits, mask, ints, xy = c.arrays
    assert len(c) >= 20
    assert np.all(np.diff(ints[:, 0]) >= 0), "cylinders are sorted by direction"
    m = t.minutiae
    compared = disagree = 0
    for r in range(len(c)):
        same = (m[:, 0] == xy[r, 0]) & (-m[:, 1] == xy[r, 1]) & (m[:, 2] == ints[r, 0])
        i = int(np.flatnonzero(same)[0])
        ones = 0
        for cell in range(mcc.NS * mcc.NS):
            w, bit = cell >> 6, np.uint64(1) << np.uint64(cell & 63)
            if not mask[r, w] & bit:
                continue
            for k in range(mcc.ND):
                fast = bool(bits[r, k * mcc.LAYER_WORDS + w] & bit)
                ones += fast
                compared += 1
                disagree += fast != ref[i, cell, k]
        assert ones == ints[r, 1]
    # sampled Gaussians can only flip cells whose sum is within ~0.5 % of μΨ
    assert disagree <= 0.001 * compared


def test_deterministic_and_identical_templates_score_about_one() -> None:
    t = template(1)
    a, b = mcc.cylinders(t), mcc.cylinders(t)
    for x, y in zip(a.arrays, b.arrays, strict=True):
        np.testing.assert_array_equal(x, y)
    assert mcc.compare(a, b) == mcc.compare(a, b) > 0.95
    assert mcc.finger_score(t, t) == mcc.compare(a, a)


@pytest.mark.parametrize("degrees, dx, dy", [(0, 40, -25), (15, 0, 0), (-25, 20, 30), (90, 0, 0)])
def test_score_is_invariant_to_placement(degrees: float, dx: float, dy: float) -> None:
    t = template(2)
    m = moved(t, degrees, dx, dy)
    assert len(m) >= 0.9 * len(t)
    # rounding to whole pixels and angle units perturbs every cylinder a little
    assert mcc.finger_score(m, t) > 0.3
    assert mcc.finger_score(t, m) > 0.3


def test_genuine_beats_impostor_and_is_nearly_symmetric() -> None:
    rng = np.random.default_rng(5)
    genuine, impostor = [], []
    masters = [make_master_tenprint(rng) for _ in range(6)]
    first = [impress(m, rng) for m in masters]
    second = [impress(m, rng) for m in masters]
    for i in range(6):
        f = i + 1
        a, b, c = first[i].fingers[f], second[i].fingers[f], second[(i + 1) % 6].fingers[f]
        assert a is not None and b is not None and c is not None
        g = mcc.finger_score(a, b)
        assert abs(mcc.finger_score(b, a) - g) < 0.1 * g
        genuine.append(g)
        impostor.append(mcc.finger_score(a, c))
    assert all(0.0 <= s <= 1.0 for s in genuine + impostor)
    assert min(genuine) > 2 * max(impostor)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
def test_tiny_templates_do_not_break(n: int) -> None:
    t = template(3)
    small = FingerTemplate(t.minutiae[:n], 10)
    c = mcc.cylinders(small)
    assert len(c) <= n and c.n_minutiae == n
    # fewer than MIN_M other minutiae within reach: no cylinder at all
    if n <= mcc.MIN_M:
        assert len(c) == 0
    for s in (mcc.finger_score(small, t), mcc.finger_score(t, small)):
        assert 0.0 <= s <= 1.0
    assert mcc.finger_score(small, template(9)) < 0.1


def test_score_rows_matches_the_one_to_one_api() -> None:
    rng = np.random.default_rng(11)
    masters = [make_master_tenprint(rng) for _ in range(4)]
    enrolled = [impress(m, rng) for m in masters]
    enrolled[2] = Tenprint((None, *enrolled[2].fingers[1:]))
    mins = np.zeros((4, 10, 128, 4), dtype=np.int16)
    counts = np.full((4, 10), -1, dtype=np.int16)
    for r, tp in enumerate(enrolled):
        for f, finger in enumerate(tp.fingers):
            if finger is not None:
                mins[r, f, : len(finger)] = finger.minutiae
                counts[r, f] = len(finger)
    probe_tp = impress(masters[2], rng)
    probe_tp = Tenprint((*probe_tp.fingers[:9], None))
    probe = mcc.prepare_tenprint(probe_tp)
    rows = np.array([2, 0], dtype=np.int64)
    out = mcc.score_rows(probe, mins, counts, rows)
    assert out.shape == (2, 10)
    for k, r in enumerate(rows):
        np.testing.assert_allclose(out[k], mcc.tenprint_scores(probe_tp, enrolled[r]), rtol=1e-12)
    assert out[0, 0] == 0.0 and out[0, 9] == 0.0 and out[1, 9] == 0.0
    # the mate fuses far above the stranger
    assert out[0].sum() > 3 * out[1].sum()
    np.testing.assert_array_equal(mcc.score_rows(probe, mins, counts)[rows], out)
    with pytest.raises(TypeError):
        mcc.score_rows(probe, mins.astype(np.int32), counts)
