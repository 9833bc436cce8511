"""The prefilter's scan against a brute-force reference."""

from __future__ import annotations

import numpy as np
import pytest

from scomm.biometrics import hamming


def _reference(codes: np.ndarray, alive: np.ndarray, n: int, q: np.ndarray, k: int):
    bits = np.unpackbits(codes[:n].view(np.uint8), axis=1).astype(np.int64)
    qb = np.unpackbits(q.view(np.uint8), axis=1).astype(np.int64)
    d = (bits[None, :, :] != qb[:, None, :]).sum(axis=2)
    d = np.where(alive[None, :n], d, np.iinfo(np.int64).max)
    rows = np.tile(np.arange(n), (q.shape[0], 1))
    order = np.lexsort((rows, d), axis=1)[:, :k]
    return np.take_along_axis(d, order, 1), order


@pytest.mark.parametrize("n", [1, 700, 40_000])
def test_scan_is_exact_with_ties_by_row_and_skips_withdrawn_rows(n: int) -> None:
    rng = np.random.default_rng(n)
    # few distinct codes, so that ties are everywhere
    base = rng.integers(0, 2**63, size=(7, hamming.WORDS), dtype=np.uint64)
    codes = base[rng.integers(0, 7, size=n + 50)]
    alive = rng.random(n + 50) > 0.2
    q = base[:3] ^ np.uint64(5)
    k = 9
    dist, rows = hamming.scan(codes, alive, n, q, k)
    want_d, want_r = _reference(codes, alive, n, q, k)
    live = int(alive[:n].sum())
    m = min(k, live)
    np.testing.assert_array_equal(rows[:, :m], want_r[:, :m])
    np.testing.assert_array_equal(dist[:, :m], want_d[:, :m])
    assert (rows[:, m:] == -1).all()


def test_scan_rejects_bad_shapes() -> None:
    codes = np.zeros((4, hamming.WORDS), dtype=np.uint64)
    alive = np.ones(4, dtype=bool)
    with pytest.raises(ValueError, match="words"):
        hamming.scan(codes, alive, 4, np.zeros((1, 3), dtype=np.uint64), 2)
    with pytest.raises(TypeError):
        hamming.scan(codes.astype(np.int64), alive, 4, codes[:1], 2)
    with pytest.raises(ValueError, match="k"):
        hamming.scan(codes, alive, 4, codes[:1], 0)
