"""EBTS CAR files: round trips, the field map, strict reading, and fuzzing of the reader."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import nistitl
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scomm.biometrics.synthetic import impress, make_master_tenprint
from scomm.biometrics.template import FingerTemplate, Tenprint, decode_tenprint, encode_tenprint
from scomm.domain.booking import Booking, parse_booking
from scomm.domain.errors import InvalidInput
from scomm.formats.ansi_nist import booking_to_car, car_to_booking, looks_like_ansi_nist
from scomm.formats.images import FingerImage, wsq_size
from scomm.formats.iso19794 import LIVE_SCAN_ROLLED, NONLIVE_SCAN_PLAIN


def synthetic_tenprint(seed: int, missing: tuple[int, ...] = (4,)) -> Tenprint:
    rng = np.random.default_rng(seed)
    t = impress(make_master_tenprint(rng), rng)
    return Tenprint(tuple(None if i + 1 in missing else f for i, f in enumerate(t.fingers)))


TENPRINT = synthetic_tenprint(11)


def booking(tenprint: Tenprint = TENPRINT, **changes: Any) -> Booking:
    data: dict[str, Any] = {
        "booking_id": "35013-20110801-9001", "ori": "NM0130000", "fips5": "35013",
        "booked_at": "2011-08-01T22:15:07-06:00",
        "biographic": {"last_name": "Ravoki", "first_name": "Tesu Mal",
                       "date_of_birth": "1984-02-03", "sex": "M", "place_of_birth": "MM"},
        "charges": [{"ncic_code": "5404"}, {"ncic_code": "1313", "literal": " simple assault "}],
        "monitoring": {"race": "White", "ethnicity": "Hispanic", "language": "Spanish"},
        "prints": encode_tenprint(tenprint)}
    data.update(changes)
    return parse_booking(data)


def ridges(width: int = 512, height: int = 512) -> np.ndarray:
    """A synthetic ridge-like texture (no real print): a chirped sinusoid."""
    yy, xx = np.mgrid[0:height, 0:width]
    return (128 + 90 * np.sin(xx / 3.0 + (yy / 40.0) ** 2)).astype(np.uint8)


IMAGE = FingerImage.from_pixels(2, ridges())
GOOD = booking_to_car(booking(), images=[IMAGE])


def angle_close(a: Tenprint, b: Tenprint) -> None:
    """Same minutiae but for the angle, which the INCITS 378 block keeps to 2° (one step)."""
    for fa, fb in zip(a.fingers, b.fingers, strict=True):
        if fa is None or fb is None:
            assert fa is fb
            continue
        assert fa.quality == fb.quality
        assert np.array_equal(fa.minutiae[:, [0, 1, 3]], fb.minutiae[:, [0, 1, 3]])
        step = (fa.minutiae[:, 2].astype(int) - fb.minutiae[:, 2]) % 256
        assert np.all((step <= 1) | (step == 255))


def test_round_trip_with_an_image() -> None:
    original = booking()
    car = car_to_booking(GOOD)
    assert car.booking.model_dump(exclude={"prints"}) == original.model_dump(exclude={"prints"})
    assert car.booking.booked_at == original.booked_at
    angle_close(car.tenprint, TENPRINT)
    assert decode_tenprint(car.booking.prints) == car.tenprint
    assert car.images == (IMAGE,)
    assert car.images[0].pixels().shape == (512, 512)
    assert [v.position for v in car.views] == list(TENPRINT.present)
    assert {v.impression for v in car.views} == {LIVE_SCAN_ROLLED}
    # after the first pass the angles are on the 2° grid: the next pass is exact, byte for byte
    again = booking_to_car(car.booking, images=car.images)
    assert car_to_booking(again).booking == car.booking
    assert booking_to_car(car_to_booking(again).booking, images=car.images) == again


def test_round_trip_without_images_or_monitoring() -> None:
    plain = booking(monitoring={}, tenprint=synthetic_tenprint(12, missing=()))
    data = booking_to_car(plain, impression=NONLIVE_SCAN_PLAIN, tcn="T-1", dai="NMDPS0000")
    for absent in (b"2.025:", b"2.902:", b"2.903:", b"2.084:", b"14.001:"):
        assert absent not in data
    car = car_to_booking(data)
    assert car.booking.monitoring == plain.monitoring
    assert car.images == ()
    assert {v.impression for v in car.views} == {NONLIVE_SCAN_PLAIN}
    assert b"1.009:T-1\x1d" in data and b"1.007:NMDPS0000\x1d" in data


def test_every_angle_survives_within_one_step() -> None:
    angles = np.arange(256)
    rows = np.column_stack([angles % 500, angles, angles, 1 + angles % 2])
    fingers = [FingerTemplate(rows[i:i + 100]) for i in range(0, 256, 100)]
    t = Tenprint(tuple(fingers) + (None,) * 7)
    car = car_to_booking(booking_to_car(booking(t)))
    angle_close(car.tenprint, t)


def _fields(data: bytes) -> list[tuple[int, int, dict[int, Any]]]:
    msg = nistitl.Message()
    msg.parse(data)
    out = []
    for rec in msg:
        tags = [f.tag for f in rec._fields]
        out.append((rec.type, 0 if rec.type == 1 else rec.IDC, {t: rec[t].value for t in tags}))
    return out


def test_the_file_carries_the_mapped_fields() -> None:
    records = _fields(GOOD)
    assert [t for t, _, _ in records] == [1, 2] + [9] * 9 + [14]
    t1, t2 = records[0][2], records[1][2]
    assert (t1[2], t1[4], t1[8], t1[11], t1[12]) == ("0500", "CAR", "NM0130000", "19.69", "19.69")
    assert (t1[5], t1[14]) == ("20110801", "20110802041507Z")  # local date, UTC instant
    assert t2[9] == "35013-20110801-9001"
    assert (t2[18], t2[20], t2[22], t2[24]) == ("Ravoki,Tesu Mal", "MM", "19840203", "M")
    assert t2[47] == [["", "5404"], ["", "1313  simple assault "]]
    assert (t2[25], t2[901], t2[902], t2[903]) == ("W", "35013", "Hispanic", "Spanish")
    assert t2[84] == [["4", "UP"]]
    for _, idc, f in records[2:11]:
        assert f[134] == str(idc) and f[3] == "1" and f[4] == "U"
        assert f[126] == [["27", "513"]]
        assert int(f[136]) == len(TENPRINT.finger(idc) or ())
    _, idc, t14 = records[11]
    assert idc == 2 and t14[13] == "2" and t14[11] == "WSQ20" and t14[999] == IMAGE.wsq


def test_nistitl_rewrites_our_files_unchanged() -> None:
    msg = nistitl.Message()
    msg.parse(GOOD)
    assert msg.NIST == GOOD


def test_ansi_nist_files_are_recognised_by_their_first_bytes() -> None:
    assert looks_like_ansi_nist(GOOD)
    assert not looks_like_ansi_nist(b'{"booking_id": "1.001:12"}')
    assert not looks_like_ansi_nist(b"")


@pytest.mark.parametrize("make, where", [
    (lambda: booking_to_car(booking(), synthetic_tenprint(13)), "tenprint"),
    (lambda: booking_to_car(booking(), images=[FingerImage.from_pixels(4, ridges())]),
     "images[0]"),
    (lambda: booking_to_car(booking(), images=[IMAGE, IMAGE]), "images[1]"),
    (lambda: booking_to_car(booking(), images=[FingerImage.from_pixels(2, ridges(64, 64))]),
     "images[0]"),
    (lambda: booking_to_car(booking(), impression=4), "impression"),
    (lambda: booking_to_car(booking(biographic={
        "last_name": "Ravoki, Jr", "first_name": "Tesu", "date_of_birth": "1984-02-03",
        "sex": "M", "place_of_birth": "MM"})), "booking.biographic.last_name"),
    (lambda: booking_to_car(booking(monitoring={"race": "Martian"})), "booking.monitoring.race"),
    (lambda: booking_to_car(booking(charges=[{"ncic_code": "5404", "literal": "tr\x1eap"}])),
     "booking.charges[0].literal"),
    (lambda: booking_to_car(booking(booking_id="Grünwald-1")), "booking.booking_id"),
])
def test_writer_refuses_what_it_cannot_write_faithfully(make: Callable[[], bytes],
                                                        where: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        make()
    assert exc.value.where == where


def edit(record: int, tag: int, value: Any = None) -> bytes:
    """GOOD with one field of one record replaced (``None``: removed), lengths recomputed."""
    msg = nistitl.Message()
    msg.parse(GOOD)
    rec = msg[record]
    if value is None:
        del rec[tag]
    else:
        setattr(rec, f"_{tag}", value)
    data: bytes = msg.NIST
    return data


def edit_minutia(item: int, value: str) -> bytes:
    msg = nistitl.Message()
    msg.parse(GOOD)
    rows = msg[2][137].value
    rows[0][item] = value
    msg[2]._137 = rows
    data: bytes = msg.NIST
    return data


LAST = 11


@pytest.mark.parametrize("make, where", [
    (lambda: edit(0, 4, "CNA"), "1.004 TOT"),
    (lambda: edit(0, 2, "0300"), "1.002 VER"),
    (lambda: edit(0, 9), "1.009 TCN"),
    (lambda: edit(0, 11, "00.00"), "1.011 NSR"),
    (lambda: edit(0, 14), "1.014 GMT"),
    (lambda: edit(0, 14, "20110802251507Z"), "1.014 GMT"),
    (lambda: edit(0, 5, "20110901"), "1.005 DAT"),
    (lambda: edit(0, 8), "1.008 ORI"),
    (lambda: edit(1, 5), "2.005 RET"),
    (lambda: edit(1, 18), "2.018 NAM"),
    (lambda: edit(1, 18, "Ravoki"), "2.018 NAM"),
    (lambda: edit(1, 22, "19840230"), "2.022 DOB"),
    (lambda: edit(1, 24, "Q"), "2.024 SEX (booking.biographic.sex)"),
    (lambda: edit(1, 25, "Z"), "2.025 RAC"),
    (lambda: edit(1, 45, "20120101"), "2.045 DOA"),
    (lambda: edit(1, 47, [["", "54A4 DUI"]]), "2.047 ASL (booking.charges[0].ncic_code)"),
    (lambda: edit(1, 47, [["", "5404DUI"]]), "2.047 ASL[0].AOL"),
    (lambda: edit(1, 47, [["2011", "5404"]]), "2.047 ASL[0].DOO"),
    (lambda: edit(1, 47, "5404"), "2.047 ASL[0]"),
    (lambda: edit(1, 84), "9"),
    (lambda: edit(1, 84, [["4", "UP"], ["1", "XX"]]), "2.084 AMP"),
    (lambda: edit(1, 84, [["4", "ZZ"]]), "2.084 AMP[0]"),
    (lambda: edit(1, 901, "3501"), "2.901 CTY (booking.fips5)"),
    (lambda: edit(2, 3, "4"), "9[1].003 IMP"),
    (lambda: edit(2, 4, "S"), "9[1].004 FMT"),
    (lambda: edit(2, 126, [["27", "514"]]), "9[1].126 CBI"),
    (lambda: edit(2, 130, "2"), "9[1].131 THPS"),
    (lambda: edit(2, 134, "11"), "9[1].134 FGP"),
    (lambda: edit(2, 134, "3"), "9[3].134 FGP"),
    (lambda: edit(2, 135), "9[1].135 FQD"),
    (lambda: edit(2, 136, "5"), "9[1].137 FMD"),
    (lambda: edit_minutia(0, "2"), "9[1].137 FMD[0]"),
    (lambda: edit_minutia(1, "512"), "9[1].137 FMD[0]"),
    (lambda: edit_minutia(3, "180"), "9[1].137 FMD[0]"),
    (lambda: edit_minutia(4, "0"), "9[1].137 FMD[0]"),
    (lambda: edit(3, 128, "600"), "14[2]"),
    (lambda: edit(LAST, 6, "300"), "14[2].006 HLL"),
    (lambda: edit(LAST, 11, "JP2"), "14[2].011 CGA"),
    (lambda: edit(LAST, 12, "16"), "14[2].012 BPX"),
    (lambda: edit(LAST, 13, "4"), "14[2]"),
    (lambda: edit(LAST, 999, b"\xff\xa0garbage"), "image[2].wsq@2"),
])
def test_inconsistent_files_name_the_field(make: Callable[[], bytes], where: str) -> None:
    data = make()
    with pytest.raises(InvalidInput) as exc:
        car_to_booking(data)
    assert exc.value.where == where


def _reframe(record: bytes, extra: bytes) -> bytes:
    """``record`` with ``extra`` appended to its fields and its LEN field recomputed."""
    head, rest = record.split(b"\x1d", 1)
    rtype = head.split(b".")[0]
    body = rest[:-1] + extra + b"\x1c"
    length = len(head) + 1 + len(body)
    while True:
        new = rtype + b".001:" + str(length).encode() + b"\x1d" + body
        if len(new) == length:
            return new
        length = len(new)


def _type2_span(data: bytes) -> tuple[int, int]:
    start = data.index(b"\x1c2.001:") + 1
    return start, data.index(b"\x1c", start) + 1


def duplicate_field() -> bytes:
    a, b = _type2_span(GOOD)
    return GOOD[:a] + _reframe(GOOD[a:b], b"\x1d2.018:Doe,Jane") + GOOD[b:]


@pytest.mark.parametrize("data, where, fragment", [
    (b"", "record[0]@0", "empty"),
    (b"{}", "record[0]@0", "record header"),
    (GOOD[:-1], "record[11]", "runs past the end"),
    (GOOD + b"1", "record[12]", "record header"),
    (GOOD.replace(b"\x1c2.001:", b"\x1c3.001:", 1), "record[1]", "type 3"),
    (GOOD.replace(b"1.001:", b"2.001:", 1), "record[0]@0", "Type-1"),
    (GOOD.replace(b"\x1d2.018:", b"\x1d2.O18:", 1), "record[1]", "bad field tag"),
    (GOOD.replace(b"\x1d2.018:", b"\x1d9.018:", 1), "record[1]", "bad field tag"),
    (GOOD.replace(b"\x1c9.001:", b"\x1d9.001:", 1), "record[1]", "FS separator"),
    (GOOD.replace(b"\x1d14.999:", b"\x1d14.998:", 1), "record[11]", "14.999"),
    (duplicate_field(), "record[1]", "twice"),
    (GOOD.replace(b"2\x1f0\x1e9\x1f1\x1e", b"2\x1f0\x1e9\x1f7\x1e", 1), "1.003 CNT",
     "subfield 2"),
    (GOOD.replace(b"1.003:1\x1f11", b"1.003:1\x1f12", 1), "1.003 CNT", "subfield 0"),
], ids=lambda v: v if isinstance(v, str) else "file")
def test_malformed_files_name_the_record(data: bytes, where: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        car_to_booking(data)
    assert exc.value.where.startswith(where)
    assert fragment in str(exc.value)


def test_non_bytes_input_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        car_to_booking("1.001:")  # type: ignore[arg-type]


# --- WSQ framing -------------------------------------------------------------------------------


def test_wsq_marker_walk() -> None:
    assert wsq_size(IMAGE.wsq) == (512, 512)
    ends = IMAGE.wsq[:-2]
    for data, fragment in [(b"", "truncated"), (b"\xff\xa1", "SOI"),
                           (b"\xff\xa0\xff\xa1", "before any frame"), (ends, "truncated"),
                           (IMAGE.wsq + b"\x00", "after the end"),
                           (b"\xff\xa0\xff\xb9", "unknown")]:
        with pytest.raises(InvalidInput, match=fragment):
            wsq_size(data)


# --- fuzzing: only InvalidInput may come out ---------------------------------------------------


def small_tenprint() -> Tenprint:
    """Fingers 4 (minutiae inside a 96 x 96 image), 5 and 10: a short file fuzzes faster."""
    rng = np.random.default_rng(15)
    rows = np.column_stack([rng.integers(0, 96, 12), rng.integers(0, 96, 12),
                            rng.integers(0, 256, 12), rng.integers(1, 3, 12)])
    t = synthetic_tenprint(14)
    keep = {4: FingerTemplate(rows, 70), 5: t.finger(5), 10: t.finger(10)}
    return Tenprint(tuple(keep.get(p) for p in range(1, 11)))


SMALL = booking_to_car(booking(small_tenprint()),
                       images=[FingerImage.from_pixels(4, ridges(96, 96))])


def _read_or_invalid(data: bytes) -> None:
    try:
        car = car_to_booking(data)
    except InvalidInput:
        return
    # what is accepted is a whole, consistent submission that writes back out
    booking_to_car(car.booking, images=car.images)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_arbitrary_bytes(b: bytes) -> None:
    _read_or_invalid(b)
    _read_or_invalid(SMALL[:200] + b)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(SMALL) - 1), st.integers(0, 255), st.integers(0, len(SMALL)))
def test_fuzz_mutated_and_truncated_files(pos: int, value: int, cut: int) -> None:
    mutated = SMALL[:pos] + bytes([value]) + SMALL[pos + 1:]
    _read_or_invalid(mutated)
    _read_or_invalid(mutated[:cut])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(GOOD) - 1), st.integers(0, 255))
def test_fuzz_mutated_full_files(pos: int, value: int) -> None:
    _read_or_invalid(GOOD[:pos] + bytes([value]) + GOOD[pos + 1:])
