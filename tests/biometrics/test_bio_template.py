"""Templates and the tenprint wire format: values, round trips, and hostile input."""

from __future__ import annotations

import base64
import binascii

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scomm.biometrics.synthetic import make_population
from scomm.biometrics.template import (
    MAX_MINUTIAE,
    FingerTemplate,
    Packed,
    Tenprint,
    decode_tenprint,
    encode_packed,
    encode_tenprint,
)
from scomm.domain.errors import InvalidInput

minutia = st.tuples(
    st.integers(0, 511), st.integers(0, 511), st.integers(0, 255), st.sampled_from([1, 2])
)
finger = st.builds(
    lambda rows, q: FingerTemplate(np.array(rows, dtype=np.int16).reshape(-1, 4), q),
    st.lists(minutia, max_size=MAX_MINUTIAE),
    st.integers(0, 100),
)
tenprint = st.builds(
    lambda fs: Tenprint(tuple(fs)),
    st.lists(st.one_of(st.none(), finger), min_size=10, max_size=10),
)


def sample() -> Tenprint:
    rng = np.random.default_rng(1)
    fingers: list[FingerTemplate | None] = []
    for i in range(10):
        if i == 3:
            fingers.append(None)
            continue
        n = 0 if i == 7 else int(rng.integers(1, MAX_MINUTIAE + 1))
        m = np.column_stack(
            [
                rng.integers(0, 512, n),
                rng.integers(0, 512, n),
                rng.integers(0, 256, n),
                rng.integers(1, 3, n),
            ]
        )
        fingers.append(FingerTemplate(m, int(rng.integers(0, 101))))
    return Tenprint(tuple(fingers))


def raw(t: Tenprint) -> bytes:
    return base64.b64decode(encode_tenprint(t))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- values ---------------------------------------------------------------------------------


def test_round_trip_keeps_everything() -> None:
    t = sample()
    s = encode_tenprint(t)
    assert s.isascii()
    back = decode_tenprint(s)
    assert back == t
    assert back.fingers[3] is None
    assert back.fingers[7] is not None and len(back.fingers[7]) == 0
    assert decode_tenprint(s.encode("ascii")) == t


def test_extreme_values_round_trip() -> None:
    m = np.array([[0, 0, 0, 1], [511, 511, 255, 2], [511, 0, 128, 1]], dtype=np.int16)
    f = FingerTemplate(m, 100)
    t = Tenprint((f,) * 10)
    assert decode_tenprint(encode_tenprint(t)) == t


def test_record_is_compact() -> None:
    t = sample()
    n = sum(len(f) for f in t.fingers if f is not None)
    present = sum(f is not None for f in t.fingers)
    assert len(raw(t)) == 5 + 2 * present + 4 * n


def test_templates_are_immutable_values() -> None:
    m = np.array([[10, 20, 30, 1]])
    f = FingerTemplate(m, 50)
    m[0, 0] = 99  # the template copied its input
    assert f.minutiae[0, 0] == 10
    assert f.minutiae.dtype == np.int16
    with pytest.raises(ValueError):
        f.minutiae[0, 0] = 1
    assert f == FingerTemplate(np.array([[10, 20, 30, 1]]), 50)
    assert f != FingerTemplate(np.array([[10, 20, 30, 1]]), 51)
    assert hash(f) == hash(FingerTemplate(np.array([[10, 20, 30, 1]]), 50))
    assert FingerTemplate(np.zeros((0, 4)), 0) == FingerTemplate(np.array([]), 0)


@pytest.mark.parametrize(
    "minutiae, quality, where",
    [
        (np.zeros((3, 3)), 50, "minutiae"),
        (np.tile([0, 0, 0, 1], (MAX_MINUTIAE + 1, 1)), 50, "minutiae"),
        (np.array([[512, 0, 0, 1]]), 50, "minutiae[0]"),
        (np.array([[0, -1, 0, 1]]), 50, "minutiae[0]"),
        (np.array([[0, 0, 256, 1]]), 50, "minutiae[0]"),
        (np.array([[0, 0, 0, 1], [0, 0, 0, 3]]), 50, "minutiae[1]"),
        (np.array([[0.5, 0, 0, 1]]), 50, "minutiae"),
        (np.array([["a", "b", "c", "d"]]), 50, "minutiae"),
        (np.array([[0, 0, 0, 1]]), 101, "quality"),
        (np.array([[0, 0, 0, 1]]), True, "quality"),
    ],
)
def test_template_rejects_bad_values(minutiae: object, quality: object, where: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        FingerTemplate(minutiae, quality)  # type: ignore[arg-type]
    assert exc.value.where == where


def test_tenprint_shape_is_checked() -> None:
    with pytest.raises(InvalidInput):
        Tenprint((None,) * 9)
    with pytest.raises(InvalidInput):
        Tenprint((None,) * 9 + ("x",))  # type: ignore[arg-type]
    t = sample()
    assert t.finger(4) is None and t.finger(1) is t.fingers[0]
    assert t.present == (1, 2, 3, 5, 6, 7, 8, 9, 10)
    with pytest.raises(InvalidInput):
        t.finger(11)


# --- hostile input --------------------------------------------------------------------------


def _patch(data: bytes, pos: int, value: bytes) -> bytes:
    return data[:pos] + value + data[pos + len(value) :]


GOOD = raw(sample())
FIRST_WORD = 5 + 2  # header, then finger 1's quality and count


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "truncated at byte 0"),
        ("not base64!", "base64"),
        ("TPA=", "truncated"),
        ("é", "base64"),
        (b64(b"XX\x01\x00\x00"), "magic"),
        (b64(b"TP\x02\x00\x00"), "version"),
        (b64(b"TP\x01\x04\x00"), "presence"),
        (b64(b"TP\x01\x00\x01"), "truncated at byte 5"),
        (b64(b"TP\x01\x00\x01\x32\x02" + b"\x00\x00\x00\x10"), "truncated"),
        (b64(b"TP\x01\x00\x01\x65\x00"), "quality"),
        (b64(b"TP\x01\x00\x01\x32\x80"), "count"),
        (b64(b"TP\x01\x00\x01\x32\x01" + b"\x00\x00\x00\x00"), "type"),
        (b64(b"TP\x01\x00\x01\x32\x01" + b"\x00\x00\x00\x30"), "type"),
        (b64(b"TP\x01\x00\x01\x32\x01" + b"\x00\x00\x00\x11"), "reserved"),
        (b64(b"TP\x01\x00\x00\x00"), "trailing"),
        (b64(GOOD[:-1]), "truncated"),
        (b64(GOOD + b"\x00"), "trailing"),
        (b64(_patch(GOOD, 6, b"\x7f")), ""),
    ],
)
def test_malformed_records_raise_invalid_input(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        decode_tenprint(text)
    assert exc.value.where.startswith("prints")
    assert fragment in str(exc.value)


def test_non_text_input_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        decode_tenprint(12345)  # type: ignore[arg-type]


def _decode_or_invalid(data: str | bytes) -> None:
    try:
        t = decode_tenprint(data)
    except InvalidInput as exc:
        assert exc.where.startswith("prints")
    else:
        # whatever decodes is a valid tenprint and re-encodes to the same record
        assert decode_tenprint(encode_tenprint(t)) == t


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fuzz_arbitrary_text(s: str) -> None:
    _decode_or_invalid(s)


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_fuzz_arbitrary_bytes(b: bytes) -> None:
    _decode_or_invalid(b)
    _decode_or_invalid(base64.b64encode(b))
    _decode_or_invalid(base64.b64encode(b"TP\x01" + b))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, len(GOOD) - 1),
    st.integers(0, 255),
    st.integers(0, len(GOOD)),
)
def test_fuzz_mutated_records(pos: int, value: int, cut: int) -> None:
    mutated = _patch(GOOD, pos, bytes([value]))
    _decode_or_invalid(b64(mutated))
    _decode_or_invalid(b64(mutated[:cut]))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tenprint)
def test_round_trip_property(t: Tenprint) -> None:
    assert decode_tenprint(encode_tenprint(t)) == t


def test_base64_errors_are_translated() -> None:
    # the stdlib raises binascii.Error for bad padding; callers must only ever see InvalidInput
    with pytest.raises(binascii.Error):
        base64.b64decode("TPA", validate=True)
    with pytest.raises(InvalidInput):
        decode_tenprint("TPA")


def test_bulk_encoding_is_the_one_by_one_encoding() -> None:
    pop = make_population(31, 0, 25)
    sparse = Packed.of([Tenprint((None,) * 9 + (pop.tenprint(0).fingers[0],)), Tenprint(
        (None,) * 10)])
    for packed in (pop, sparse):
        encoded = encode_packed(packed)
        assert encoded == [encode_tenprint(packed.tenprint(r)) for r in range(len(packed))]
        assert [decode_tenprint(e) for e in encoded] == [
            packed.tenprint(r) for r in range(len(packed))]
