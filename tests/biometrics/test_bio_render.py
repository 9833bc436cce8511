"""Rendered fingerprint images: the master's ridges and minutiae, impressions, WSQ."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from scomm.biometrics.render import (
    SIZE,
    finger_area,
    minutiae_agreement,
    one_of_each_class,
    psnr,
    render_impression,
    render_master,
    wsq_decode,
    wsq_encode,
)
from scomm.biometrics.synthetic import MasterFinger, PatternClass
from scomm.domain.errors import InvalidInput

U8 = npt.NDArray[np.uint8]


@pytest.fixture(scope="module")
def fingers() -> dict[PatternClass, MasterFinger]:
    return one_of_each_class(seed=3)


@pytest.fixture(scope="module")
def masters(fingers: dict[PatternClass, MasterFinger]) -> dict[PatternClass, U8]:
    return {
        c: render_master(f, np.random.default_rng(k)) for k, (c, f) in enumerate(fingers.items())
    }


@pytest.fixture(scope="module")
def impression(fingers: dict[PatternClass, MasterFinger], masters: dict[PatternClass, U8]) -> U8:
    c = PatternClass.RIGHT_LOOP
    return render_impression(masters[c], fingers[c], np.random.default_rng(5))


def _mean_period(img: U8, cx: float, cy: float, n: int = 256) -> float:
    """Power-weighted mean ridge period of a central window, from its 2-D spectrum."""
    y0, x0 = round(cy) - n // 2, round(cx) - n // 2
    w = img[y0 : y0 + n, x0 : x0 + n].astype(float)
    w = (w - w.mean()) * np.outer(np.hanning(n), np.hanning(n))
    power = np.abs(np.fft.fft2(w)) ** 2
    f = np.fft.fftfreq(n)
    r = np.hypot(f[:, None], f[None, :])
    band = (r > 1 / 20) & (r < 1 / 4)
    return float(1.0 / (np.sum(r[band] * power[band]) / np.sum(power[band])))


def test_master_image_is_a_white_512_square_with_dark_ridges(
    fingers: dict[PatternClass, MasterFinger], masters: dict[PatternClass, U8]
) -> None:
    for c, img in masters.items():
        assert img.shape == (SIZE, SIZE) and img.dtype == np.uint8
        area = finger_area(fingers[c])
        assert (img[~finger_area(fingers[c], -3.0)] == 255).all()
        inner = img[finger_area(fingers[c], 20.0)]
        dark = (inner < 100).mean()
        assert 0.3 < dark < 0.7, (c, dark)  # ridges and valleys in about equal parts
        assert (img[area] > 180).mean() > 0.3


def test_rendering_is_deterministic_per_seed(fingers: dict[PatternClass, MasterFinger]) -> None:
    f = fingers[PatternClass.WHORL]
    a = render_master(f, np.random.default_rng(42))
    b = render_master(f, np.random.default_rng(42))
    c = render_master(f, np.random.default_rng(43))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    ia = render_impression(a, f, np.random.default_rng(7))
    assert np.array_equal(ia, render_impression(a, f, np.random.default_rng(7)))
    assert not np.array_equal(ia, render_impression(a, f, np.random.default_rng(8)))


def test_ridge_period_matches_the_master(
    fingers: dict[PatternClass, MasterFinger], masters: dict[PatternClass, U8]
) -> None:
    for c, img in masters.items():
        f = fingers[c]
        measured = _mean_period(img, *f.center)
        assert abs(measured / f.ridge_period - 1.0) < 0.15, (c, measured, f.ridge_period)


def test_master_minutiae_are_in_the_image(
    fingers: dict[PatternClass, MasterFinger], masters: dict[PatternClass, U8]
) -> None:
    paired = master = found = 0
    for c, img in masters.items():
        a = minutiae_agreement(fingers[c], img)
        assert a.recall > 0.7 and a.precision > 0.6, (c, a)
        assert a.same_type >= 0.95 * a.paired, (c, a)
        paired, master, found = paired + a.paired, master + a.master, found + a.found
    assert paired / master > 0.85
    assert paired / found > 0.8


def test_impression_is_a_displaced_noisy_capture(
    fingers: dict[PatternClass, MasterFinger], masters: dict[PatternClass, U8], impression: U8
) -> None:
    master = masters[PatternClass.RIGHT_LOOP]
    assert impression.shape == (SIZE, SIZE) and impression.dtype == np.uint8
    corners = np.concatenate([impression[:20, :20].ravel(), impression[-20:, -20:].ravel()])
    assert corners.mean() > 200  # background stays light
    assert impression.min() < 120  # ridges are inked
    assert psnr(master, impression) < 20  # not a copy: moved, distorted, noised
    with pytest.raises(InvalidInput):
        render_impression(master[:100], fingers[PatternClass.RIGHT_LOOP], np.random.default_rng(0))


def test_wsq_round_trip_is_close_and_small(impression: U8) -> None:
    data = wsq_encode(impression)
    assert data[:2] == b"\xff\xa0"
    assert len(data) < SIZE * SIZE / 8  # 0.75 bit/pixel at most, headers included
    back = wsq_decode(data)
    assert back.shape == impression.shape and back.dtype == np.uint8
    assert psnr(impression, back) > 30.0


def test_wsq_encode_rejects_what_is_not_an_8_bit_grey_image() -> None:
    with pytest.raises(InvalidInput):
        wsq_encode(np.zeros((64, 64), dtype=np.float32))
    with pytest.raises(InvalidInput):
        wsq_encode(np.zeros((64, 64, 3), dtype=np.uint8))
    with pytest.raises(InvalidInput):
        wsq_encode(np.zeros((16, 16), dtype=np.uint8))  # too small for NBIS's buffers


def test_bad_wsq_bytes_are_invalid_input(impression: U8, tmp_path: Path) -> None:
    data = wsq_encode(impression[:128, :128])
    png = tmp_path / "x.png"
    Image.fromarray(impression[:64, :64]).save(png)
    dtt = data.index(b"\xff\xa4")
    crashing = bytearray(data)
    crashing[dtt + 4] = 0  # a transform table NBIS aborts on: the child dies, not us
    for bad in (
        b"",
        b"not a fingerprint",
        png.read_bytes(),
        data[:2],
        data[:20],
        data[: len(data) // 2],
        b"\xff\xa0" + bytes(range(256)) * 4,
        bytes(crashing),
    ):
        with pytest.raises(InvalidInput):
            wsq_decode(bad)
