"""Criminal tenprint submissions (EBTS ``CAR``) in ANSI/NIST-ITL 1-2011 traditional encoding.

A jail's livescan sends its booking as an ANSI/NIST file rather than our JSON; this module
maps that file onto a :class:`~scomm.domain.booking.Booking` plus its minutiae and images, and
back. Record encoding is ``nistitl``'s; the EBTS profile (which fields, which values, what is
mandatory) is ours, because ``nistitl`` checks structure only.

Records written, in order:

* **Type-1** transaction: VER ``0500`` (the version number of ANSI/NIST-ITL 1-2011; ``0400`` is
  1-2007's and is still read), CNT, TOT ``CAR``, DAT, DAI (default the FBI CJIS IAFIS ORI),
  ORI, TCN, NSR/NTR ``19.69`` (pixels per mm at 500 ppi), GMT.
* **Type-2** descriptive text, IDC 0, per :data:`FIELD_MAP` below plus RET ``Y``, DPR and DOA
  (dates the booking implies) and AMP 2.084 for every finger without minutiae.
* **Type-9** minutiae, one per printed finger, IDC = finger position, in the **INCITS 378
  block (9.126-9.137)**. Why that block: ANSI/NIST-ITL 1-2011 makes the "standard format"
  fields 9.005-9.012 legacy ("shall not appear for all new applications"; FMT ``S`` only for
  old data), and the 378 block is the one built for ISO/IEC 19794-2 style minutiae: pixel
  coordinates from the top-left corner, the same ending/bifurcation codes, quality 0..100,
  with finger position (9.134), view (9.133) and impression type (9.003) in the record. So x,
  y, type and quality map one to one. The angle does not: the block stores it in 2° units
  (0..179) where our templates use 2π/256, so writing rounds each angle to the nearest 2° and
  reading returns the nearest 2π/256 step: at most one step (1.40625°) off, far inside any
  matcher's angular tolerance, and stable after the first round trip.
* **Type-14** finger images, optional, IDC = finger position, WSQ (``WSQ20``) at 500 ppi.

Reading is strict: a truncated, malformed or inconsistent file raises
:class:`~scomm.domain.errors.InvalidInput` naming the record, field or byte, and nothing else
escapes (``nistitl`` raises whatever it meets on garbage, so it runs only after our own
framing pass has checked every record header, length, separator and tag, and inside a guard).
Only the record types a booking uses (1, 2, 9, 14) are accepted; Type-2 fields we do not map
are ignored, as a foreign EBTS file has many.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import nistitl
import numpy as np

from scomm.biometrics.template import (
    ANGLE_UNITS,
    BIFURCATION,
    COORD_MAX,
    FINGER_POSITIONS,
    MAX_MINUTIAE,
    RIDGE_ENDING,
    FingerTemplate,
    Tenprint,
    decode_tenprint,
    encode_tenprint,
)
from scomm.domain.booking import Booking, parse_booking
from scomm.domain.errors import InvalidInput
from scomm.formats.images import FingerImage
from scomm.formats.iso19794 import (
    LIVE_SCAN_PLAIN,
    LIVE_SCAN_ROLLED,
    NONLIVE_SCAN_PLAIN,
    NONLIVE_SCAN_ROLLED,
    WINDOW,
    FingerView,
    tenprint_of,
    views_of,
)

VERSION = "0500"
VERSIONS_READ = frozenset({"0400", "0500", "0501", "0502"})
"""1-2007, 1-2011 and its 2013 and 2015 updates: the Type-1/2/9/14 fields used here are alike."""

TOT_CAR = "CAR"
ACCEPTED_TOT = frozenset({TOT_CAR})
DAI_IAFIS = "WVIAFIS0Z"
"""The ORI of the FBI CJIS Division's IAFIS, the usual DAI of an EBTS submission. A jail
sending through its state bureau puts the bureau's ORI instead (``dai=``)."""

PPMM_500 = "19.69"
NO_IMAGES_PPMM = "00.00"
PPI = 500
PX_PER_CM = 197
TENPRINT_IMPRESSIONS = frozenset({LIVE_SCAN_PLAIN, LIVE_SCAN_ROLLED, NONLIVE_SCAN_PLAIN,
                                  NONLIVE_SCAN_ROLLED})
"""ANSI/NIST-ITL Table 7 codes for tenprint captures (latents, palms and others are refused)."""

RECORD_TYPES = frozenset({1, 2, 9, 14})
MAX_RECORDS = 1 + 1 + 2 * FINGER_POSITIONS
FS, GS = b"\x1c", b"\x1d"
_FIELD_TAG = re.compile(rb"(\d{1,3})\.(\d{1,4}):")
_LEN_FIELD = re.compile(rb"(\d{1,3})\.(\d{1,4}):(\d{1,10})\x1d")
_PRINTABLE = re.compile(r"[ -~]*")

# Type-9 INCITS 378 block (ANSI/NIST-ITL 1-2011 Table 28) and the values we write.
IMP, FMT = 3, 4
CBI, CEI, HLL, VLL, SLC, THPS, TVPS, FVW, FGP, FQD, NOM, FMD = range(126, 138)
FMT_USER = "U"
CBEFF_OWNER_M1 = "27"
CBEFF_TYPE_MINUTIAE = "513"
"""Format owner 27 (INCITS M1) and type 0x0201: finger minutiae without ridge counts."""
MTY = {RIDGE_ENDING: "1", BIFURCATION: "2"}
_KIND_OF_MTY = {v: k for k, v in MTY.items()}
M1_ANGLE_STEPS = 180

# Type-14 fields.
T14_IMP, T14_SRC, T14_FCD, T14_HLL, T14_VLL, T14_SLC, T14_THPS, T14_TVPS = range(3, 11)
T14_CGA, T14_BPX, T14_FGP, T14_DATA = 11, 12, 13, 999
CGA_WSQ = "WSQ20"
CGA_READ = frozenset({CGA_WSQ, "WSQ"})

# Type-2 fields the booking implies but does not hold.
RET, DPR, DOA, AMP = 5, 38, 45, 84
AMP_CODES = frozenset({"XX", "UP"})
"""Amputated; unable to print. A tenprint's missing finger is written UP: we do not know why."""

Raw = Any
"""A field value as nistitl gives it: a string, or a list of subfields (strings or item lists)."""


# --- codecs: booking values <-> field values --------------------------------------------------


class Codec(Protocol):
    """Turns the booking values behind one field into its text, and back."""

    def encode(self, values: tuple[Any, ...], where: str) -> Raw: ...

    def decode(self, raw: Raw, where: str) -> tuple[Any, ...]: ...


def _ascii(value: object, where: str) -> str:
    """Printable 7-bit ASCII: Type-1 must be, and it keeps separators (0x1C-0x1F) out."""
    if not isinstance(value, str) or not _PRINTABLE.fullmatch(value):
        raise InvalidInput(where, f"must be printable ASCII text, got {value!r}")
    return value


def _scalar(raw: Raw, where: str) -> str:
    if not isinstance(raw, str) or not raw:
        raise InvalidInput(where, f"expected a single non-empty value, got {raw!r}")
    return _ascii(raw, where)


def _subfields(raw: Raw, where: str, items: int) -> list[list[str]]:
    """The field as subfields of exactly ``items`` items each."""
    rows = raw if isinstance(raw, list) else [raw]
    out: list[list[str]] = []
    for k, row in enumerate(rows):
        row_items = row if isinstance(row, list) else [row]
        if len(row_items) != items or not all(isinstance(v, str) for v in row_items):
            raise InvalidInput(f"{where}[{k}]", f"expected {items} information items, got {row!r}")
        out.append([_ascii(v, f"{where}[{k}]") for v in row_items])
    if not out:
        raise InvalidInput(where, "empty field")
    return out


def _int(text: str, where: str, lo: int, hi: int) -> int:
    if not text.isdigit() or not lo <= int(text) <= hi:
        raise InvalidInput(where, f"expected an integer in {lo}..{hi}, got {text!r}")
    return int(text)


def _date_text(d: date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def _parse_date(text: str, where: str) -> date:
    if len(text) != 8 or not text.isdigit():
        raise InvalidInput(where, f"expected a date YYYYMMDD, got {text!r}")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        raise InvalidInput(where, f"not a date: {text!r} ({exc})") from None


@dataclass(frozen=True)
class Text:
    """A value copied as is."""

    def encode(self, values: tuple[Any, ...], where: str) -> Raw:
        return _ascii(values[0], where)

    def decode(self, raw: Raw, where: str) -> tuple[Any, ...]:
        return (_scalar(raw, where),)


@dataclass(frozen=True)
class Date:
    """A calendar date as YYYYMMDD."""

    def encode(self, values: tuple[Any, ...], where: str) -> Raw:
        return _date_text(values[0])

    def decode(self, raw: Raw, where: str) -> tuple[Any, ...]:
        return (_parse_date(_scalar(raw, where), where),)


@dataclass(frozen=True)
class Name:
    """EBTS NAM: ``SURNAME,GIVEN`` (one comma, so neither part may hold one)."""

    def encode(self, values: tuple[Any, ...], where: str) -> Raw:
        last, first = (_ascii(v, where) for v in values)
        if "," in last or "," in first:
            raise InvalidInput(where, "a name part holding a comma cannot be written as NAM")
        return f"{last},{first}"

    def decode(self, raw: Raw, where: str) -> tuple[Any, ...]:
        parts = _scalar(raw, where).split(",")
        if len(parts) != 2 or not all(parts):
            raise InvalidInput(where, f"expected SURNAME,GIVEN NAMES, got {raw!r}")
        return parts[0], parts[1]


@dataclass(frozen=True)
class Codes:
    """A value drawn from a code table (the booking's words <-> EBTS codes)."""

    table: Mapping[str, str]

    def encode(self, values: tuple[Any, ...], where: str) -> Raw:
        if values[0] not in self.table:
            raise InvalidInput(where, f"{values[0]!r} has no code; known: {sorted(self.table)}")
        return self.table[values[0]]

    def decode(self, raw: Raw, where: str) -> tuple[Any, ...]:
        code = _scalar(raw, where)
        for word, c in self.table.items():
            if c == code:
                return (word,)
        raise InvalidInput(where, f"unknown code {code!r}; known: {sorted(self.table.values())}")


@dataclass(frozen=True)
class Charges:
    """EBTS ASL, one subfield per charge: DOO (date of offense, left empty: a booking does not
    record it) and AOL (arrest offense literal), written as the 4-digit NCIC offense code, then
    a space and the charge's literal when it has one."""

    def encode(self, values: tuple[Any, ...], where: str) -> Raw:
        out: list[list[str]] = []
        for k, c in enumerate(values[0]):
            literal = _ascii(c.literal, f"{where}[{k}].literal")
            out.append(["", f"{c.ncic_code} {literal}" if literal else c.ncic_code])
        return out

    def decode(self, raw: Raw, where: str) -> tuple[Any, ...]:
        charges: list[dict[str, str]] = []
        for k, (doo, aol) in enumerate(_subfields(raw, where, 2)):
            if doo:
                _parse_date(doo, f"{where}[{k}].DOO")
            code, rest = aol[:4], aol[4:]
            if rest and not rest.startswith(" "):
                raise InvalidInput(f"{where}[{k}].AOL",
                                   f"expected a 4-digit NCIC code, then a space, got {aol!r}")
            charges.append({"ncic_code": code, "literal": rest[1:]})
        return (charges,)


@dataclass(frozen=True)
class Gmt:
    """ANSI/NIST GMT ``YYYYMMDDHHMMSSZ``: an instant at whole seconds (sub-seconds drop)."""

    def encode(self, values: tuple[Any, ...], where: str) -> Raw:
        t: datetime = values[0].astimezone(UTC)
        return f"{_date_text(t.date())}{t.hour:02d}{t.minute:02d}{t.second:02d}Z"

    def decode(self, raw: Raw, where: str) -> tuple[Any, ...]:
        text = _scalar(raw, where)
        if len(text) != 15 or not text[:14].isdigit() or text[14] != "Z":
            raise InvalidInput(where, f"expected YYYYMMDDHHMMSSZ, got {text!r}")
        d = _parse_date(text[:8], where)
        try:
            return (datetime(d.year, d.month, d.day, int(text[8:10]), int(text[10:12]),
                             int(text[12:14]), tzinfo=UTC),)
        except ValueError as exc:
            raise InvalidInput(where, f"not a time: {text!r} ({exc})") from None


# --- the booking <-> EBTS field map -------------------------------------------------------------


@dataclass(frozen=True)
class FieldMap:
    """One ANSI/NIST field and the booking attributes (dotted paths) it carries."""

    record: int
    tag: int
    mnemonic: str
    paths: tuple[str, ...]
    codec: Codec
    required: bool = True

    @property
    def label(self) -> str:
        return f"{self.record}.{self.tag:03d} {self.mnemonic}"


EBTS_RACE = {"White": "W", "Black": "B", "Asian": "A", "American Indian": "I", "Unknown": "U"}
"""EBTS RAC codes (W, B, A, I, U) for the words the booking's monitoring part records."""

FIELD_MAP: tuple[FieldMap, ...] = (
    FieldMap(1, 8, "ORI", ("ori",), Text()),
    FieldMap(1, 14, "GMT", ("booked_at",), Gmt()),
    FieldMap(2, 9, "OCA", ("booking_id",), Text()),
    FieldMap(2, 18, "NAM", ("biographic.last_name", "biographic.first_name"), Name()),
    FieldMap(2, 20, "POB", ("biographic.place_of_birth",), Text()),
    FieldMap(2, 22, "DOB", ("biographic.date_of_birth",), Date()),
    FieldMap(2, 24, "SEX", ("biographic.sex",), Text()),
    FieldMap(2, 25, "RAC", ("monitoring.race",), Codes(EBTS_RACE), required=False),
    FieldMap(2, 47, "ASL", ("charges",), Charges()),
    FieldMap(2, 901, "CTY", ("fips5",), Text()),
    FieldMap(2, 902, "ETH", ("monitoring.ethnicity",), Text(), required=False),
    FieldMap(2, 903, "LNG", ("monitoring.language",), Text(), required=False),
)
"""Booking attributes <-> ANSI/NIST fields.

Type-1 ORI is the booking agency and GMT the booking instant (the file is cut at booking).
The Type-2 tags below 2.900 are EBTS's own: OCA (originating agency case number: the jail's
booking number), NAM, POB (NCIC place-of-birth code), DOB, SEX, RAC and ASL. The EBTS field
lists we could check have none for the booking county's FIPS code, the ethnicity or the
language (an EBTS revision may: check before interoperating), so they travel in three
scomm-local Type-2 fields, 2.901 CTY, 2.902 ETH and 2.903 LNG; a state bureau accepting these
files must agree to them, as states do for their own Type-2 fields. RAC, ETH and LNG land in
the booking's monitoring part only, never beside the decision inputs (DESIGN invariant 2).
"""

T9_NAMES = {IMP: "IMP", FMT: "FMT", CBI: "CBI", CEI: "CEI", HLL: "HLL", VLL: "VLL",
            SLC: "SLC", THPS: "THPS", TVPS: "TVPS", FVW: "FVW", FGP: "FGP", FQD: "FQD",
            NOM: "NOM", FMD: "FMD"}
T14_NAMES = {T14_IMP: "IMP", T14_SRC: "SRC", T14_FCD: "FCD", T14_HLL: "HLL", T14_VLL: "VLL",
             T14_SLC: "SLC", T14_THPS: "THPS", T14_TVPS: "TVPS", T14_CGA: "CGA", T14_BPX: "BPX",
             T14_FGP: "FGP", T14_DATA: "DATA"}
NAMES: dict[int, dict[int, str]] = {
    1: {2: "VER", 3: "CNT", 4: "TOT", 5: "DAT", 7: "DAI", 9: "TCN", 11: "NSR", 12: "NTR"}
    | {r.tag: r.mnemonic for r in FIELD_MAP if r.record == 1},
    2: {RET: "RET", DPR: "DPR", DOA: "DOA", AMP: "AMP"}
    | {r.tag: r.mnemonic for r in FIELD_MAP if r.record == 2},
    9: T9_NAMES,
    14: T14_NAMES,
}
"""Field mnemonics by record type, for error messages."""


def _get(obj: object, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _put(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[leaf] = value


# --- writing ------------------------------------------------------------------------------------


def booking_to_car(booking: Booking, tenprint: Tenprint | None = None,
                   images: Sequence[FingerImage] = (), *, impression: int = LIVE_SCAN_ROLLED,
                   tcn: str | None = None, dai: str = DAI_IAFIS) -> bytes:
    """Write a booking, its minutiae and optional WSQ images as an EBTS CAR file.

    ``tenprint`` defaults to the one in ``booking.prints``; when given it must be that one, so
    the file cannot carry prints other than the booking's. ``tcn`` (transaction control
    number) defaults to the ORI followed by the booking id.
    """
    stored = decode_tenprint(booking.prints)
    if tenprint is None:
        tenprint = stored
    elif tenprint != stored:
        raise InvalidInput("tenprint", "differs from the booking's own prints")
    if impression not in TENPRINT_IMPRESSIONS:
        raise InvalidInput("impression", f"tenprint impression types are "
                                         f"{sorted(TENPRINT_IMPRESSIONS)}, got {impression!r}")
    by_position = _check_images(images, tenprint)
    mapped: list[tuple[FieldMap, Raw]] = []
    for row in FIELD_MAP:
        values = tuple(_get(booking, p) for p in row.paths)
        if any(v is not None for v in values):
            mapped.append((row, row.codec.encode(values, f"booking.{row.paths[0]}")))
    local_day = _date_text(booking.booked_at.date())
    msg = nistitl.Message()
    r1 = msg[0]
    for tag, value in ((2, VERSION), (4, TOT_CAR), (7, _ascii(dai, "dai")),
                       (9, _ascii(tcn or f"{booking.ori}{booking.booking_id}", "tcn")),
                       (11, PPMM_500), (12, PPMM_500), (5, local_day)):
        setattr(r1, f"_{tag}", value)
    r2 = nistitl.AsciiRecord(2)
    r2.IDC = 0
    r2 += nistitl.Field(2, RET, "Y")
    r2 += nistitl.Field(2, DPR, local_day)
    r2 += nistitl.Field(2, DOA, local_day)
    for row, raw in mapped:
        if row.record == 1:
            setattr(r1, f"_{row.tag}", raw)
        else:
            r2 += nistitl.Field(2, row.tag, raw)
    missing = [[str(p), "UP"] for p in range(1, FINGER_POSITIONS + 1)
               if tenprint.finger(p) is None]
    if missing:
        r2 += nistitl.Field(2, AMP, missing)
    msg += r2
    for view in views_of(tenprint, impression):
        msg += _type9(view, by_position.get(view.position))
    for image in sorted(images, key=lambda im: im.position):
        msg += _type14(image, impression, booking.ori, local_day)
    data: bytes = msg.NIST
    return data


def _check_images(images: Sequence[FingerImage],
                  tenprint: Tenprint) -> dict[int, FingerImage]:
    by_position: dict[int, FingerImage] = {}
    for k, image in enumerate(images):
        if not isinstance(image, FingerImage):
            raise InvalidInput(f"images[{k}]", f"expected FingerImage, got {image!r}")
        template = tenprint.finger(image.position)
        if template is None:
            raise InvalidInput(f"images[{k}]", f"finger {image.position} has no minutiae, "
                                               "an image of it would contradict the tenprint")
        if image.position in by_position:
            raise InvalidInput(f"images[{k}]", f"second image of finger {image.position}")
        if len(template) and (int(template.minutiae[:, 0].max()) >= image.width
                              or int(template.minutiae[:, 1].max()) >= image.height):
            raise InvalidInput(f"images[{k}]", f"minutiae of finger {image.position} fall "
                                               f"outside its {image.width} x {image.height} image")
        by_position[image.position] = image
    return by_position


def _m1_angle(iso_angle: int) -> int:
    """2π/256 steps -> 2° steps, rounding half up: floor(a * 180/256 + 1/2)."""
    return (2 * M1_ANGLE_STEPS * iso_angle + ANGLE_UNITS) // (2 * ANGLE_UNITS)


def _iso_angle(m1_angle: int) -> int:
    """2° steps -> the nearest 2π/256 step."""
    return (2 * ANGLE_UNITS * m1_angle + M1_ANGLE_STEPS) // (2 * M1_ANGLE_STEPS)


def _type9(view: FingerView, image: FingerImage | None) -> nistitl.AsciiRecord:
    width, height = (image.width, image.height) if image else (WINDOW, WINDOW)
    t = view.template
    r = nistitl.AsciiRecord(9)
    r.IDC = view.position
    fields: list[tuple[int, Raw]] = [
        (IMP, str(view.impression)), (FMT, FMT_USER),
        (CBI, [[CBEFF_OWNER_M1, CBEFF_TYPE_MINUTIAE]]), (CEI, [["0", "0"]]),
        (HLL, str(width)), (VLL, str(height)), (SLC, "1"), (THPS, str(PPI)), (TVPS, str(PPI)),
        (FVW, "0"), (FGP, str(view.position)), (FQD, [[str(t.quality), "0000", "0000"]]),
        (NOM, str(len(t))),
    ]
    if len(t):
        fields.append((FMD, [[str(j + 1), str(x), str(y), str(_m1_angle(a)), MTY[kind], "0"]
                             for j, (x, y, a, kind) in enumerate(t.minutiae.tolist())]))
    for tag, value in fields:
        r += nistitl.Field(9, tag, value)
    return r


def _type14(image: FingerImage, impression: int, ori: str,
            local_day: str) -> nistitl.AsciiRecord:
    r = nistitl.AsciiRecord(14)
    r.IDC = image.position
    for tag, value in ((T14_IMP, str(impression)), (T14_SRC, ori), (T14_FCD, local_day),
                       (T14_HLL, str(image.width)), (T14_VLL, str(image.height)),
                       (T14_SLC, "1"), (T14_THPS, str(PPI)), (T14_TVPS, str(PPI)),
                       (T14_CGA, CGA_WSQ), (T14_BPX, "8"), (T14_FGP, str(image.position))):
        r += nistitl.Field(14, tag, value)
    r += nistitl.BinaryField(14, T14_DATA, image.wsq)
    return r


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CarSubmission:
    """What a CAR file carries: the booking, each finger's minutiae view, and any images."""

    booking: Booking
    views: tuple[FingerView, ...]
    images: tuple[FingerImage, ...]

    @property
    def tenprint(self) -> Tenprint:
        return tenprint_of(self.views)


@dataclass(frozen=True)
class _Fields:
    """One record's field values, with the labels its errors name them by (``9[3].134 FGP``)."""

    values: Mapping[int, Raw]
    prefix: str
    names: Mapping[int, str]

    def label(self, tag: int) -> str:
        return f"{self.prefix}.{tag:03d} {self.names.get(tag, '')}".rstrip()

    def has(self, tag: int) -> bool:
        return self.values.get(tag) not in (None, "", [])

    def raw(self, tag: int) -> Raw:
        if not self.has(tag):
            raise InvalidInput(self.label(tag), "missing mandatory field")
        return self.values[tag]

    def text(self, tag: int) -> str:
        return _scalar(self.raw(tag), self.label(tag))

    def number(self, tag: int, lo: int, hi: int) -> int:
        return _int(self.text(tag), self.label(tag), lo, hi)

    def one_of(self, tag: int, allowed: Collection[str], what: str) -> str:
        value = self.text(tag)
        if value not in allowed:
            raise InvalidInput(self.label(tag), f"{what}: {value!r}, expected one of "
                                                f"{sorted(allowed)}")
        return value


@dataclass(frozen=True)
class _Minutiae:
    """A Type-9 record read: the finger view and the size of the image it was taken from."""

    view: FingerView
    width: int
    height: int


@dataclass(frozen=True)
class _Record:
    """One record as the framing pass found it."""

    type: int
    offset: int
    tags: tuple[int, ...]
    binary: bytes | None


def looks_like_ansi_nist(data: bytes) -> bool:
    """True when ``data`` opens like an ANSI/NIST traditional file (a Type-1 LEN field)."""
    return _LEN_FIELD.match(data[:32]) is not None and data[:2] == b"1."


def car_to_booking(data: bytes) -> CarSubmission:
    """Read an EBTS CAR file; any defect raises :class:`InvalidInput` naming where it is."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidInput("car", f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    parsed = _parse(data, _frame(data))
    type1 = parsed[0][2]
    _check_type1(type1, parsed)
    type2s = [f for t, _, f in parsed if t == 2]
    if len(type2s) != 1:
        raise InvalidInput("2", f"a CAR has exactly one Type-2 record, found {len(type2s)}")
    type2 = type2s[0]
    views: dict[int, _Minutiae] = {}
    for t, idc, f in parsed:
        if t == 9:
            found = _read_type9(f)
            if found.view.position in {m.view.position for m in views.values()}:
                raise InvalidInput(f.label(FGP), f"second Type-9 of finger {found.view.position}")
            views[idc] = found
    images = _read_images(parsed, views)
    _check_amputations(type2, {m.view.position for m in views.values()})
    _check_dates(type1, type2)
    ordered = tuple(sorted((m.view for m in views.values()), key=lambda v: v.position))
    return CarSubmission(_booking(type1, type2, tenprint_of(ordered)), ordered, images)


def _frame(data: bytes) -> list[_Record]:
    """Check record headers, lengths, separators and tags before nistitl sees the bytes."""
    records: list[_Record] = []
    p = 0
    while p < len(data):
        where = f"record[{len(records)}]@{p}"
        if len(records) == MAX_RECORDS:
            raise InvalidInput(where, f"more than {MAX_RECORDS} records")
        m = _LEN_FIELD.match(data, p)
        if m is None or int(m[2]) != 1:
            raise InvalidInput(where, "expected a record header 'T.001:LENGTH'")
        rtype, length = int(m[1]), int(m[3])
        if (rtype == 1) != (not records):
            raise InvalidInput(where, "a file has one Type-1 record, first")
        if rtype not in RECORD_TYPES:
            raise InvalidInput(where, f"record type {rtype} is not part of a booking CAR")
        end = p + length
        if length <= m.end() - p or end > len(data):
            raise InvalidInput(where, f"record length {length} runs past the end "
                                      f"({len(data)} bytes)")
        if data[end - 1:end] != FS:
            raise InvalidInput(f"record[{len(records)}]@{end - 1}",
                               "record does not end with the FS separator")
        body, binary = data[p:end - 1], None
        if rtype == 14:
            k = body.find(GS + b"14.999:")
            if k < 0:
                raise InvalidInput(where, "Type-14 record without 14.999 image data")
            body, binary = body[:k], body[k + 8:]
        tags: list[int] = []
        q = p
        for text in body.split(GS):
            fm = _FIELD_TAG.match(text)
            if fm is None or int(fm[1]) != rtype or FS in text:
                raise InvalidInput(f"record[{len(records)}]@{q}",
                                   f"bad field tag {text[:12]!r} in a Type-{rtype} record")
            tags.append(int(fm[2]))
            q += len(text) + 1
        if binary is not None:
            tags.append(T14_DATA)
        if len(set(tags)) != len(tags):
            raise InvalidInput(where, f"a field appears twice in a Type-{rtype} record")
        if tags[0] != 1 or (rtype != 1 and (len(tags) < 2 or tags[1] != 2)):
            raise InvalidInput(where, "a record starts with its LEN field, then (after Type-1) IDC")
        records.append(_Record(rtype, p, tuple(tags), binary))
        p = end
    if not records:
        raise InvalidInput("record[0]@0", "empty file")
    return records


def _parse(data: bytes, frames: list[_Record]) -> list[tuple[int, int, _Fields]]:
    """Field values by nistitl, guarded: on garbage it raises exceptions of any type."""
    msg = nistitl.Message()
    try:
        msg.parse(data)
        records = [(rec.type, 0 if rec.type == 1 else int(rec.IDC),
                    {tag: rec[tag].value for tag in frame.tags})
                   for rec, frame in zip(msg, frames, strict=True)]
    except Exception as exc:
        raise InvalidInput("car", f"not a readable ANSI/NIST-ITL file: {exc}") from None
    out: list[tuple[int, int, _Fields]] = []
    for (rtype, idc, values), frame in zip(records, frames, strict=True):
        if rtype != frame.type or (frame.binary is not None
                                   and values.get(T14_DATA) != frame.binary):
            raise InvalidInput(f"record@{frame.offset}",
                               "nistitl read the record differently from its framing")
        prefix = str(rtype) if rtype in (1, 2) else f"{rtype}[{idc}]"
        out.append((rtype, idc, _Fields(values, prefix, NAMES[rtype])))
    return out


def _check_type1(f: _Fields, parsed: list[tuple[int, int, _Fields]]) -> None:
    f.one_of(2, VERSIONS_READ, "unsupported version")
    f.one_of(4, ACCEPTED_TOT, "unknown transaction type")
    f.text(7)
    f.text(9)
    listed = [[str(int(v)) if v.isdigit() else v for v in row]
              for row in _subfields(f.raw(3), f.label(3), 2)]
    held = [["1", str(len(parsed) - 1)]] + [[str(t), str(idc)] for t, idc, _ in parsed[1:]]
    for k in range(max(len(listed), len(held))):
        said = listed[k] if k < len(listed) else None
        is_ = held[k] if k < len(held) else None
        if said != is_:
            raise InvalidInput(f.label(3), f"subfield {k} says {said}, the file has {is_}")
    if len({(t, idc) for t, idc, _ in parsed}) != len(parsed):
        raise InvalidInput(f.label(3), "two records of one type share an IDC")
    has_images = any(t == 14 for t, _, _ in parsed)
    for tag in (11, 12):
        f.one_of(tag, {PPMM_500} if has_images else {PPMM_500, NO_IMAGES_PPMM}, "resolution")


def _check_resolution(f: _Fields, slc: int, thps: int, tvps: int) -> None:
    unit = f.number(slc, 1, 2)
    for tag in (thps, tvps):
        value = f.number(tag, 1, 99999)
        if value != (PPI if unit == 1 else PX_PER_CM):
            raise InvalidInput(f.label(tag), f"scale {value} (SLC {unit}): only 500 ppi "
                                             "captures are accepted")


def _impression(f: _Fields) -> int:
    impression = f.number(IMP, 0, 99)
    if impression not in TENPRINT_IMPRESSIONS:
        raise InvalidInput(f.label(IMP), f"impression type {impression} is not a tenprint "
                                         f"capture ({sorted(TENPRINT_IMPRESSIONS)})")
    return impression


def _read_type9(f: _Fields) -> _Minutiae:
    impression = _impression(f)
    f.one_of(FMT, {FMT_USER}, "minutia format (S, the legacy fields 9.005-9.012, is not read)")
    cbeff = _subfields(f.raw(CBI), f.label(CBI), 2)[0]
    if cbeff != [CBEFF_OWNER_M1, CBEFF_TYPE_MINUTIAE]:
        raise InvalidInput(f.label(CBI), f"CBEFF owner/type {'/'.join(cbeff)}, expected "
                                         f"{CBEFF_OWNER_M1}/{CBEFF_TYPE_MINUTIAE}")
    width, height = f.number(HLL, 1, 99999), f.number(VLL, 1, 99999)
    _check_resolution(f, SLC, THPS, TVPS)
    f.number(FVW, 0, 0)
    position = f.number(FGP, 1, FINGER_POSITIONS)
    quality = _int(_subfields(f.raw(FQD), f.label(FQD), 3)[0][0], f.label(FQD), 0, 100)
    count = f.number(NOM, 0, MAX_MINUTIAE)
    m = np.zeros((count, 4), dtype=np.int16)
    if count == 0 and f.has(FMD):
        raise InvalidInput(f.label(FMD), "minutiae listed while NOM is 0")
    if count:
        rows = _subfields(f.raw(FMD), f.label(FMD), 6)
        if len(rows) != count:
            raise InvalidInput(f.label(FMD), f"{len(rows)} minutiae, NOM says {count}")
        for j, (index, x, y, theta, mty, q) in enumerate(rows):
            w = f"{f.label(FMD)}[{j}]"
            _int(index, w, j + 1, j + 1)
            m[j, 0] = _int(x, w, 0, min(width - 1, COORD_MAX))
            m[j, 1] = _int(y, w, 0, min(height - 1, COORD_MAX))
            m[j, 2] = _iso_angle(_int(theta, w, 0, M1_ANGLE_STEPS - 1))
            if mty not in _KIND_OF_MTY:
                raise InvalidInput(w, f"minutia type {mty!r}: only 1 (ending) and 2 "
                                      "(bifurcation) fit a template")
            m[j, 3] = _KIND_OF_MTY[mty]
            _int(q, w, 0, 100)
    view = FingerView(position, FingerTemplate._trusted(m, quality), impression)
    return _Minutiae(view, width, height)


def _read_images(parsed: list[tuple[int, int, _Fields]],
                 views: dict[int, _Minutiae]) -> tuple[FingerImage, ...]:
    images: dict[int, FingerImage] = {}
    for t, idc, f in parsed:
        if t != 14:
            continue
        _impression(f)
        f.text(T14_SRC)
        _parse_date(f.text(T14_FCD), f.label(T14_FCD))
        _check_resolution(f, T14_SLC, T14_THPS, T14_TVPS)
        f.one_of(T14_CGA, CGA_READ, "compression (only WSQ at 500 ppi is accepted)")
        f.one_of(T14_BPX, {"8"}, "bits per pixel")
        position = f.number(T14_FGP, 1, FINGER_POSITIONS)
        if position in images:
            raise InvalidInput(f.label(T14_FGP), f"second image of finger {position}")
        image = FingerImage(position, f.raw(T14_DATA))
        for tag, value in ((T14_HLL, image.width), (T14_VLL, image.height)):
            if f.number(tag, 1, 99999) != value:
                raise InvalidInput(f.label(tag), f"{f.text(tag)}, the WSQ image says {value}")
        same = views.get(idc)
        if same is not None and (same.view.position, same.width, same.height) != \
                (position, image.width, image.height):
            raise InvalidInput(f.prefix, f"Type-9 and Type-14 with IDC {idc} disagree on the "
                                         "finger position or the image size")
        if position not in {m.view.position for m in views.values()}:
            raise InvalidInput(f.label(T14_FGP), f"image of finger {position}, which has no "
                                                 "Type-9 minutiae")
        images[position] = image
    return tuple(images[p] for p in sorted(images))


def _check_amputations(type2: _Fields, printed: set[int]) -> None:
    """Every finger is accounted for once: minutiae in a Type-9, or listed in 2.084 AMP."""
    listed: set[int] = set()
    if type2.has(AMP):
        for k, (fgp, code) in enumerate(_subfields(type2.raw(AMP), type2.label(AMP), 2)):
            position = _int(fgp, f"{type2.label(AMP)}[{k}]", 1, FINGER_POSITIONS)
            if code not in AMP_CODES or position in listed:
                raise InvalidInput(f"{type2.label(AMP)}[{k}]",
                                   f"expected a new finger and XX or UP, got {fgp!r} {code!r}")
            listed.add(position)
    both = listed & printed
    if both:
        raise InvalidInput(type2.label(AMP), f"fingers {sorted(both)} are listed as not "
                                             "printed but have minutiae")
    neither = set(range(1, FINGER_POSITIONS + 1)) - listed - printed
    if neither:
        raise InvalidInput("9", f"fingers {sorted(neither)} have neither a Type-9 record nor "
                                "a 2.084 AMP entry")


def _check_dates(type1: _Fields, type2: _Fields) -> None:
    """RET is there; DAT, DPR and DOA fall within a day of the booking instant (GMT).

    All three are written as the booking's local date (a booking records no separate arrest
    date), and a local date is at most a day from the UTC one.
    """
    gmt = next(r for r in FIELD_MAP if r.mnemonic == "GMT")
    booked_at: datetime = gmt.codec.decode(type1.raw(gmt.tag), gmt.label)[0]
    type2.one_of(RET, {"Y", "N"}, "retention code")
    for f, tag in ((type1, 5), (type2, DPR), (type2, DOA)):
        day = _parse_date(f.text(tag), f.label(tag))
        if abs(day - booked_at.date()) > timedelta(days=1):
            raise InvalidInput(f.label(tag), f"{day} is not the booking's local date "
                                             f"(GMT {booked_at:%Y-%m-%d %H:%M}Z)")


def _booking(type1: _Fields, type2: _Fields, tenprint: Tenprint) -> Booking:
    data: dict[str, Any] = {"prints": encode_tenprint(tenprint)}
    records = {1: type1, 2: type2}
    for row in FIELD_MAP:
        f = records[row.record]
        if not f.has(row.tag):
            if row.required:
                raise InvalidInput(row.label, "missing mandatory field")
            continue
        for path, value in zip(row.paths, row.codec.decode(f.raw(row.tag), row.label),
                               strict=True):
            _put(data, path, value)
    try:
        return parse_booking(data)
    except InvalidInput as exc:
        raise InvalidInput(f"{_label_of(exc.where)} ({exc.where})", exc.problem) from None


def _label_of(where: str) -> str:
    """The ANSI/NIST field behind a booking error path such as ``booking.charges[0].ncic_code``."""
    path = where.removeprefix("booking.")
    for row in FIELD_MAP:
        for p in row.paths:
            if path == p or path.startswith((p + ".", p + "[")):
                return row.label
    return "car"
