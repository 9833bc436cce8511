"""ISO/IEC 19794-2:2005 minutiae records: exact bytes, round trips, and hostile input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scomm.biometrics.synthetic import impress, make_master_tenprint
from scomm.biometrics.template import MAX_MINUTIAE, FingerTemplate, Tenprint
from scomm.domain.errors import InvalidInput
from scomm.formats.iso19794 import (
    LIVE_SCAN_PLAIN,
    SWIPE,
    FingerView,
    decode_iso,
    decode_iso_views,
    encode_iso,
)

minutia = st.tuples(
    st.integers(0, 511), st.integers(0, 511), st.integers(0, 255), st.sampled_from([1, 2])
)
finger = st.builds(
    lambda rows, q: FingerTemplate(np.array(rows, dtype=np.int16).reshape(-1, 4), q),
    st.lists(minutia, max_size=MAX_MINUTIAE),
    st.integers(0, 100),
)
tenprint = st.lists(st.one_of(st.none(), finger), min_size=10, max_size=10).filter(
    lambda fs: any(f is not None for f in fs)).map(lambda fs: Tenprint(tuple(fs)))


def two_minutiae() -> Tenprint:
    m = np.array([[100, 200, 64, 1], [511, 0, 255, 2]])
    return Tenprint((None, FingerTemplate(m, 80)) + (None,) * 8)


KNOWN = bytes.fromhex(
    "464d5200" "20323000" "0000002a"  # FMR, " 20", 42 bytes in all
    "0000" "0200" "0200"              # no equipment info; 512 x 512 pixels
    "00c5" "00c5" "01" "00"           # 197 px/cm each way; one view; reserved
    "02" "01" "50" "02"               # right index, view 0 / rolled live-scan, quality 80, 2
    "4064" "00c8" "40" "00"           # ending (01) at x 100, y 200, angle 64 (90°), quality 0
    "81ff" "0000" "ff" "00"           # bifurcation (10) at x 511, y 0, angle 255
    "0000"                            # no extended data
)


def test_known_answer_bytes() -> None:
    assert encode_iso(two_minutiae()) == KNOWN
    assert decode_iso(KNOWN) == two_minutiae()


def test_synthetic_tenprints_round_trip() -> None:
    rng = np.random.default_rng(7)
    master = make_master_tenprint(rng)
    for _ in range(3):
        t = impress(master, rng)
        data = encode_iso(t)
        assert data[:8] == b"FMR\x00 20\x00"
        assert int.from_bytes(data[8:12], "big") == len(data)
        assert decode_iso(data) == t


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tenprint)
def test_round_trip_property(t: Tenprint) -> None:
    data = encode_iso(t)
    n = sum(len(f) for f in t.fingers if f is not None)
    assert len(data) == 24 + 6 * len(t.present) + 6 * n
    assert decode_iso(data) == t


def test_views_keep_their_impression_and_order() -> None:
    f = FingerTemplate(np.array([[1, 2, 3, 1]]), 40)
    views = (FingerView(7, f, SWIPE), FingerView(2, f, LIVE_SCAN_PLAIN))
    back = decode_iso_views(encode_iso(views))
    assert back == views
    assert decode_iso(encode_iso(views)).present == (2, 7)


@pytest.mark.parametrize("views, where", [
    ((), "views"),
    ((FingerView(3, FingerTemplate(np.zeros((0, 4))), 1),) * 2, "views[1].position"),
])
def test_writer_refuses_what_a_record_cannot_hold(views: tuple[FingerView, ...],
                                                  where: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        encode_iso(views)
    assert exc.value.where == where


def test_writer_checks_the_image_size() -> None:
    with pytest.raises(InvalidInput, match="outside"):
        encode_iso(two_minutiae(), width=300)
    with pytest.raises(InvalidInput):
        FingerView(11, FingerTemplate(np.zeros((0, 4))))


def _patch(data: bytes, pos: int, value: bytes) -> bytes:
    return data[:pos] + value + data[pos + len(value):]


def _with_extended(data: bytes, block: bytes) -> bytes:
    body = data[:-2] + len(block).to_bytes(2, "big") + block
    return body[:8] + len(body).to_bytes(4, "big") + body[12:]


@pytest.mark.parametrize("data, where, fragment", [
    (b"", "iso@0", "truncated"),
    (KNOWN[:23], "iso@0", "truncated"),
    (_patch(KNOWN, 0, b"FIR"), "iso@0", "format identifier"),
    (_patch(KNOWN, 4, b"030"), "iso@4", "version"),
    (KNOWN[:-1], "iso@8", "length"),
    (KNOWN + b"\x00", "iso@8", "length"),
    (_patch(KNOWN, 14, b"\x00\x00"), "iso@14", "zero"),
    (_patch(KNOWN, 18, b"\x00\xc4"), "iso@18", "500 ppi"),
    (_patch(KNOWN, 20, b"\x01\xf4"), "iso@20", "500 ppi"),
    (_patch(KNOWN, 22, b"\x00"), "iso@22", "no finger view"),
    (_patch(KNOWN, 22, b"\x02"), "iso.view[1]@42", "truncated"),
    (_patch(KNOWN, 23, b"\x01"), "iso@23", "reserved"),
    (_patch(KNOWN, 24, b"\x00"), "iso.view[0]@24", "position"),
    (_patch(KNOWN, 24, b"\x0d"), "iso.view[0]@24", "position"),
    (_patch(KNOWN, 25, b"\x11"), "iso.view[0]@25", "view number"),
    (_patch(KNOWN, 25, b"\x04"), "iso.view[0]@25", "impression"),
    (_patch(KNOWN, 26, b"\x65"), "iso.view[0]@26", "quality"),
    (_patch(KNOWN, 27, b"\x80"), "iso.view[0]@27", "at most 127"),
    (_patch(KNOWN, 27, b"\x03"), "iso.view[0]@28", "3 minutiae"),
    (_patch(KNOWN, 28, b"\x00"), "iso.view[0].minutiae[0]@28", "type"),
    (_patch(KNOWN, 28, b"\xc0"), "iso.view[0].minutiae[0]@28", "type"),
    (_patch(KNOWN, 34, b"\x82\x00"), "iso.view[0].minutiae[1]@34", "x outside"),
    (_patch(KNOWN, 36, b"\x40"), "iso.view[0].minutiae[1]@36", "reserved"),
    (_patch(KNOWN, 30, b"\x02\x00"), "iso.view[0].minutiae[0]@30", "y outside"),
    (_patch(KNOWN, 33, b"\x65"), "iso.view[0].minutiae[0]@33", "quality"),
    (_patch(KNOWN, 40, b"\x00\x01"), "iso.view[0].extended@40", "extended data"),
    (_with_extended(KNOWN, b"\x00\x00\x00\x00"), "iso.view[0].extended@42", "type 0"),
    (_with_extended(KNOWN, b"\x00\x01\x00\x05xy"), "iso.view[0].extended@42", "bad"),
    (_with_extended(KNOWN, b"\x00\x01\x00"), "iso.view[0].extended@42", "truncated"),
], ids=lambda v: v if isinstance(v, str) else "record")
def test_malformed_records_name_the_byte(data: bytes, where: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        decode_iso(data)
    assert exc.value.where == where
    assert fragment in exc.value.problem


def test_duplicate_position_is_refused() -> None:
    f = FingerTemplate(np.zeros((0, 4)))
    one = encode_iso((FingerView(3, f),))
    view = one[24:]
    data = _patch(one[:24], 22, b"\x02") + view + view
    data = data[:8] + len(data).to_bytes(4, "big") + data[12:]
    with pytest.raises(InvalidInput, match="more than once") as exc:
        decode_iso(data)
    assert exc.value.where.startswith("iso.view[1]")


def test_extended_data_is_checked_and_skipped() -> None:
    ridge_counts = b"\x00\x01\x00\x03abc" + b"\x00\x02\x00\x00"
    assert decode_iso(_with_extended(KNOWN, ridge_counts)) == two_minutiae()


def test_non_bytes_input_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        decode_iso("FMR")  # type: ignore[arg-type]


def _decode_or_invalid(data: bytes) -> None:
    try:
        t = decode_iso(data)
    except InvalidInput as exc:
        assert exc.where.startswith("iso")
    else:
        assert decode_iso(encode_iso(t, width=512, height=512)) == t


GOOD = encode_iso(impress(make_master_tenprint(np.random.default_rng(3)),
                          np.random.default_rng(4)))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_arbitrary_bytes(b: bytes) -> None:
    _decode_or_invalid(b)
    _decode_or_invalid(KNOWN[:8] + b)
    _decode_or_invalid(KNOWN[:24] + b)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(GOOD) - 1), st.integers(0, 255), st.integers(0, len(GOOD)))
def test_fuzz_mutated_and_truncated_records(pos: int, value: int, cut: int) -> None:
    mutated = _patch(GOOD, pos, bytes([value]))
    _decode_or_invalid(mutated)
    _decode_or_invalid(mutated[:cut])
    _decode_or_invalid(GOOD[:cut])
