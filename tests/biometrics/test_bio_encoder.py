"""The prefilter encoder: fixed weight, neutral missing fingers, invariances, separation of
genuine from impostor captures, input checks, and the shipped matrix against its trainer."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest

from scomm.biometrics import encoder
from scomm.biometrics.synthetic import ImpressionNoise, make_population
from scomm.biometrics.template import FingerTemplate, Packed, Tenprint
from scomm.domain.errors import InvalidInput


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.unpackbits(np.bitwise_xor(a, b), axis=-1).sum(axis=-1)


@pytest.fixture(scope="module")
def pair() -> tuple[object, object]:
    """Captures 0 and 1 (default noise) of 200 identities."""
    return (
        make_population(11, 0, 200, capture=0),
        make_population(11, 0, 200, capture=1),
    )


def finger(seed: int = 3) -> FingerTemplate:
    pop = make_population(seed, 0, 1)
    return pop.tenprint(0).fingers[1] or FingerTemplate(np.zeros((0, 4), dtype=np.int16))


def moved(t: FingerTemplate, degrees: float, dx: int, dy: int) -> FingerTemplate:
    """``t`` rotated counter-clockwise on screen about the window centre, then shifted."""
    m = t.minutiae.astype(float)
    phi = math.radians(degrees)
    ux, uv = m[:, 0] - 255.5, -(m[:, 1] - 255.5)
    x = 255.5 + math.cos(phi) * ux - math.sin(phi) * uv + dx
    y = 255.5 - (math.sin(phi) * ux + math.cos(phi) * uv) + dy
    a = np.mod(np.rint(m[:, 2] + degrees / 1.40625), 256)
    out = np.column_stack([np.rint(x), np.rint(y), a, m[:, 3]])
    keep = (out[:, 0] >= 0) & (out[:, 0] <= 511) & (out[:, 1] >= 0) & (out[:, 1] <= 511)
    return FingerTemplate(out[keep].astype(np.int16), t.quality)


def test_shapes_and_fixed_weight(pair: tuple[Packed, Packed]) -> None:
    pop = pair[0]
    codes = encoder.encode_arrays(pop.minutiae, pop.counts)
    assert codes.shape == (200, 10, encoder.CODE_BYTES) and codes.dtype == np.uint8
    bits = np.unpackbits(codes, axis=-1)
    present = pop.counts >= 0
    assert (bits[..., :128].sum(-1)[present] == 64).all()
    assert (bits[..., 128:].sum(-1)[present] == 64).all()
    t = pop.tenprint(5)
    assert np.array_equal(encoder.encode_tenprint(t), codes[5])
    f = t.fingers[2]
    assert f is not None
    assert np.array_equal(encoder.encode_finger(f), codes[5, 2])


def test_missing_finger_is_neutral(pair: tuple[Packed, Packed]) -> None:
    """A missing finger costs every candidate exactly 128, whichever side misses it."""
    pop = pair[0]
    codes = encoder.encode_arrays(pop.minutiae, pop.counts)[pop.counts >= 0]
    assert (hamming(codes, encoder.MISSING_PROBE) == 128).all()
    assert (hamming(codes, encoder.MISSING_GALLERY) == 128).all()
    assert hamming(encoder.MISSING_PROBE, encoder.MISSING_GALLERY) == 128
    t = pop.tenprint(0)
    holes = Tenprint((None, *t.fingers[1:9], None))
    probe = encoder.encode_tenprint(holes, probe=True)
    gallery = encoder.encode_tenprint(holes)
    assert np.array_equal(probe[0], encoder.MISSING_PROBE)
    assert np.array_equal(gallery[9], encoder.MISSING_GALLERY)
    assert np.array_equal(probe[1:9], gallery[1:9])


def test_rotation_and_translation_barely_change_the_code() -> None:
    t = finger()
    code = encoder.encode_finger(t)
    for degrees, dx, dy in ((20.0, 0, 0), (-15.0, 25, -30), (0.0, 40, 35)):
        m = moved(t, degrees, dx, dy)
        assert len(m) == len(t)
        assert hamming(code, encoder.encode_finger(m)) <= 24, (degrees, dx, dy)


def test_minutia_order_does_not_matter() -> None:
    t = finger()
    shuffled = FingerTemplate(t.minutiae[np.random.default_rng(0).permutation(len(t))])
    assert hamming(encoder.encode_finger(t), encoder.encode_finger(shuffled)) <= 2


def test_genuine_captures_are_closer_than_impostors(pair: tuple[Packed, Packed]) -> None:
    a = encoder.encode_arrays(pair[0].minutiae, pair[0].counts)
    b = encoder.encode_arrays(pair[1].minutiae, pair[1].counts, probe=True)
    ok = (pair[0].counts >= 0) & (pair[1].counts >= 0)
    genuine = hamming(a, b)[ok]
    impostor = hamming(a, np.roll(b, 1, axis=0))[ok & np.roll(ok, 1, axis=0)]
    d = (impostor.mean() - genuine.mean()) / math.sqrt((genuine.var() + impostor.var()) / 2)
    assert d > 3.0
    assert abs(impostor.mean() - 128) < 2
    # Ten-finger fusion: every mate is the nearest of the 200.
    ga, gb = a.reshape(200, -1), b.reshape(200, -1)
    dist = np.unpackbits(np.bitwise_xor(gb[:, None], ga[None]), axis=-1).sum(-1)
    assert (dist.argmin(axis=1) == np.arange(200)).all()


def test_poor_captures_still_separate() -> None:
    a = make_population(12, 0, 100, capture=0)
    b = make_population(12, 0, 100, ImpressionNoise.poor(), capture=1)
    ca = encoder.encode_arrays(a.minutiae, a.counts)
    cb = encoder.encode_arrays(b.minutiae, b.counts, probe=True)
    ok = (a.counts >= 0) & (b.counts >= 0)
    assert hamming(ca, cb)[ok].mean() + 15 < hamming(ca, np.roll(cb, 1, axis=0))[ok].mean()


def test_empty_and_tiny_fingers_get_a_code() -> None:
    for n in (0, 1):
        t = FingerTemplate(np.array([[100, 100, 0, 1]] * n, dtype=np.int16).reshape(n, 4))
        bits = np.unpackbits(encoder.encode_finger(t))
        assert bits[:128].sum() == 64 and bits[128:].sum() == 64


def test_bad_input_is_refused() -> None:
    m = np.zeros((2, 10, 128, 4), dtype=np.int16)
    c = np.zeros((2, 10), dtype=np.int16)
    with pytest.raises(InvalidInput, match=r"minutiae.*dtype"):
        encoder.encode_arrays(m.astype(np.int32), c)
    with pytest.raises(InvalidInput, match=r"minutiae.*shape"):
        encoder.encode_arrays(m[:, :9], c)
    with pytest.raises(InvalidInput, match=r"counts.*shape"):
        encoder.encode_arrays(m, c[:1])
    with pytest.raises(InvalidInput, match=r"counts.*dtype"):
        encoder.encode_arrays(m, c.astype(np.int64))
    with pytest.raises(InvalidInput, match="counts"):
        encoder.encode_arrays(m, np.full((2, 10), 128, dtype=np.int16))
    with pytest.raises(InvalidInput, match=r"minutiae.*numpy"):
        encoder.encode_arrays([[1]], c)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="tenprint"):
        encoder.encode_tenprint("TP")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="template"):
        encoder.encode_finger(m)  # type: ignore[arg-type]
    assert encoder.encode_arrays(m[:0], c[:0]).shape == (0, 10, 32)


def test_shipped_matrix_is_the_recorded_one() -> None:
    raw = encoder._DATA.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == encoder.PROJECTION_SHA256
    assert len(raw) <= 2 * 1024 * 1024
    w, offset = encoder.projection()
    assert w.shape == (encoder.FEATURES, encoder.CODE_BITS) and offset.shape == (256,)


@pytest.mark.slow
def test_shipped_matrix_is_what_the_trainer_produces() -> None:
    """Full retraining (~10-20 s): same bytes as the shipped file on this platform; elsewhere
    LAPACK may differ in the last bits, so the codes are compared as well."""
    trained = encoder.train()
    shipped = np.load(encoder._DATA)
    assert trained.shape == shipped.shape
    pop = make_population(13, 0, 300, capture=0)
    feats = encoder.histograms(pop.minutiae, pop.counts)
    mine = encoder.codes_of(feats, pop.counts, trained[:-1], trained[-1])
    theirs = encoder.encode_arrays(pop.minutiae, pop.counts)
    assert hamming(mine, theirs).mean() < 0.5
