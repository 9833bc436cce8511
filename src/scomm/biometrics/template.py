"""Minutiae templates and the compact tenprint record carried in a booking.

Units follow ISO/IEC 19794-2:2005 so that a template maps onto a standard finger minutiae record
without conversion: positions in pixels at 500 ppi with the origin at the top-left corner and y
pointing down, angles in units of 2π/256 (1.40625°) measured counter-clockwise from the x axis
as seen on the image, types 1 (ridge ending) and 2 (bifurcation).

The wire format is ours, not ISO's: ISO spends 6 bytes per minutia and a 24-byte header per
finger, and a booking carries ten fingers in a JSON string field. Packing a minutia into one
32-bit word (9-bit x, 9-bit y, 8-bit angle, 2-bit type, 4 reserved zero bits) keeps a rolled
tenprint (~700 minutiae) near 3 KB, 4 KB after base64.

Layout of version 1, all integers big-endian::

    "TP"            2 bytes  magic
    0x01            1 byte   version
    presence        2 bytes  bit (p - 1) set when finger position p (1..10) is present
    then, for each present finger in position order:
      quality       1 byte   0..100
      count         1 byte   0..127
      minutiae      count x 4 bytes: x << 23 | y << 14 | angle << 6 | type << 4

Decoding is strict: every byte is accounted for and every field range-checked, because the
record arrives from outside (a jail's livescan vendor) and a silently mangled template would
surface much later as a missed identification rather than as an error at the door.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from scomm.domain.errors import InvalidInput

MAX_MINUTIAE = 127
"""ISO/IEC 19794-2 leaves the count unbounded in principle; 127 fits one signed byte and is
well above a rolled print's 70-100 minutiae, so anything beyond it is an extractor fault."""

COORD_MAX = 511
"""Largest x or y: a 512 x 512 window at 500 ppi is 26 mm square, the size of a rolled print."""

ANGLE_UNITS = 256
"""ISO/IEC 19794-2 angle resolution: 256 steps per turn."""

RIDGE_ENDING = 1
BIFURCATION = 2

FINGER_POSITIONS = 10
FINGER_NAMES = (
    "right thumb",
    "right index",
    "right middle",
    "right ring",
    "right little",
    "left thumb",
    "left index",
    "left middle",
    "left ring",
    "left little",
)
"""ANSI/NIST-ITL finger positions 1..10, in order."""

MAGIC = b"TP"
VERSION = 1
_HEADER = len(MAGIC) + 1 + 2

Int16Array = npt.NDArray[np.int16]


def _frozen(a: npt.NDArray[np.int16]) -> Int16Array:
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class FingerTemplate:
    """One finger's minutiae: an ``(n, 4)`` int16 array of x, y, angle, type, and a quality.

    ``quality`` is a 0..100 capture quality in the spirit of ISO/IEC 29794-4 (higher is better);
    the matcher does not use it, the pipeline may (e.g. to ask for a reprint).

    The array is copied and made read-only, so a template is a value: it can be shared between
    a booking, a gallery and a cache without defensive copies. Equality and hashing compare the
    minutiae and the quality.
    """

    minutiae: Int16Array
    quality: int = 100
    _key: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        try:
            raw = np.asarray(self.minutiae)
        except (ValueError, TypeError) as exc:
            raise InvalidInput("minutiae", f"not an array: {exc}") from None
        if raw.dtype.kind not in "iuf":
            raise InvalidInput("minutiae", f"expected integers, got dtype {raw.dtype}")
        if raw.ndim != 2 or raw.shape[1] != 4:
            if raw.size == 0:
                raw = raw.reshape(0, 4)
            else:
                raise InvalidInput("minutiae", f"expected shape (n, 4), got {raw.shape}")
        if raw.shape[0] > MAX_MINUTIAE:
            raise InvalidInput("minutiae", f"{raw.shape[0]} minutiae, at most {MAX_MINUTIAE}")
        if raw.dtype.kind == "f" and not np.all(raw == np.round(raw)):
            raise InvalidInput("minutiae", f"values must be integers, got {raw.dtype}")
        if raw.size:
            xy_bad = (raw[:, :2] < 0) | (raw[:, :2] > COORD_MAX)
            if xy_bad.any():
                row = int(np.nonzero(xy_bad.any(axis=1))[0][0])
                raise InvalidInput(f"minutiae[{row}]", f"x, y must be in 0..{COORD_MAX}")
            a_bad = (raw[:, 2] < 0) | (raw[:, 2] >= ANGLE_UNITS)
            if a_bad.any():
                row = int(np.nonzero(a_bad)[0][0])
                raise InvalidInput(f"minutiae[{row}]", f"angle must be in 0..{ANGLE_UNITS - 1}")
            t_bad = (raw[:, 3] != RIDGE_ENDING) & (raw[:, 3] != BIFURCATION)
            if t_bad.any():
                row = int(np.nonzero(t_bad)[0][0])
                raise InvalidInput(f"minutiae[{row}]", "type must be 1 (ending) or 2 (bifurcation)")
        if isinstance(self.quality, bool) or not isinstance(self.quality, int | np.integer):
            raise InvalidInput("quality", f"must be an integer, got {self.quality!r}")
        if not 0 <= int(self.quality) <= 100:
            raise InvalidInput("quality", f"must be in 0..100, got {self.quality}")
        arr = _frozen(np.array(raw, dtype=np.int16, copy=True))
        object.__setattr__(self, "minutiae", arr)
        object.__setattr__(self, "quality", int(self.quality))
        object.__setattr__(self, "_key", arr.tobytes() + bytes([self.quality]))

    @classmethod
    def _trusted(cls, minutiae: Int16Array, quality: int) -> FingerTemplate:
        """Build without validation from arrays this package produced and range-checked."""
        obj = object.__new__(cls)
        arr = _frozen(np.ascontiguousarray(minutiae, dtype=np.int16))
        object.__setattr__(obj, "minutiae", arr)
        object.__setattr__(obj, "quality", int(quality))
        object.__setattr__(obj, "_key", arr.tobytes() + bytes([int(quality)]))
        return obj

    def __len__(self) -> int:
        return int(self.minutiae.shape[0])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FingerTemplate):
            return NotImplemented
        return self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)


@dataclass(frozen=True)
class Tenprint:
    """Ten finger slots in ANSI/NIST-ITL position order; ``None`` is a missing finger.

    A missing finger (amputated, bandaged, unprintable: EBTS codes XX / UP) is kept distinct
    from a finger that was captured with zero minutiae, because a 1:N search must not count
    the former against a candidate while the latter is genuine (if poor) evidence.
    """

    fingers: tuple[FingerTemplate | None, ...]

    def __post_init__(self) -> None:
        fingers = tuple(self.fingers)
        if len(fingers) != FINGER_POSITIONS:
            raise InvalidInput("fingers", f"expected {FINGER_POSITIONS} slots, got {len(fingers)}")
        for i, f in enumerate(fingers):
            if f is not None and not isinstance(f, FingerTemplate):
                raise InvalidInput(f"fingers[{i}]", f"expected FingerTemplate or None, got {f!r}")
        object.__setattr__(self, "fingers", fingers)

    def finger(self, position: int) -> FingerTemplate | None:
        """The template at ANSI/NIST finger position ``position`` (1..10)."""
        if not 1 <= position <= FINGER_POSITIONS:
            raise InvalidInput("position", f"finger positions are 1..10, got {position}")
        return self.fingers[position - 1]

    @property
    def present(self) -> tuple[int, ...]:
        """Positions (1..10) that hold a template."""
        return tuple(i + 1 for i, f in enumerate(self.fingers) if f is not None)


def pack_minutiae(m: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.uint32]:
    """Minutiae ``(..., 4)`` (x, y, angle, type) as the 32-bit words of the version-1 record,
    shape ``(...)``: the one packing both the wire format and the gallery's store use."""
    w = np.asarray(m).astype(np.uint32)
    words = (w[..., 0] << 23) | (w[..., 1] << 14) | (w[..., 2] << 6) | (w[..., 3] << 4)
    return words.astype(np.uint32)


def unpack_minutiae(words: npt.NDArray[np.uint32]) -> Int16Array:
    """The inverse of :func:`pack_minutiae`, ``(...)`` words to ``(..., 4)`` int16 minutiae.
    Callers that read words from outside validate the type and reserved bits first."""
    w = np.asarray(words, dtype=np.uint32)
    m = np.empty((*w.shape, 4), dtype=np.int16)
    m[..., 0] = w >> 23
    m[..., 1] = (w >> 14) & 0x1FF
    m[..., 2] = (w >> 6) & 0xFF
    m[..., 3] = (w >> 4) & 3
    return m


def encode_tenprint(t: Tenprint) -> str:
    """Pack a tenprint into the version-1 binary record and return it as base64 ASCII."""
    return encode_packed(Packed.of([t]))[0]


def encode_packed(p: Packed) -> list[str]:
    """:func:`encode_tenprint` of every row of ``p``, packing all minutiae words in one
    vectorised pass: the bulk path that writes a million seeded templates to the database."""
    words = pack_minutiae(p.minutiae).astype(">u4")
    out: list[str] = []
    for r in range(len(p)):
        counts = p.counts[r].tolist()
        presence = 0
        parts: list[bytes] = []
        for i, n in enumerate(counts):
            if n < 0:
                continue
            presence |= 1 << i
            parts.append(bytes([int(p.quality[r, i]), n]))
            parts.append(words[r, i, :n].tobytes())
        head = MAGIC + bytes([VERSION]) + presence.to_bytes(2, "big")
        out.append(base64.b64encode(head + b"".join(parts)).decode("ascii"))
    return out


def decode_tenprint(s: str | bytes) -> Tenprint:
    """Parse a base64 tenprint record; any defect raises :class:`InvalidInput` naming the byte."""
    where = "prints"
    if not isinstance(s, str | bytes):
        raise InvalidInput(where, f"expected base64 text, got {type(s).__name__}")
    try:
        data = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(where, f"not valid base64 ({exc})") from None
    if len(data) < _HEADER:
        raise InvalidInput(where, f"truncated at byte {len(data)} (header is {_HEADER} bytes)")
    if data[:2] != MAGIC:
        raise InvalidInput(where, f"bad magic {data[:2]!r}, expected {MAGIC!r}")
    if data[2] != VERSION:
        raise InvalidInput(where, f"unsupported version {data[2]}, expected {VERSION}")
    presence = int.from_bytes(data[3:5], "big")
    if presence >> FINGER_POSITIONS:
        raise InvalidInput(where, f"presence bits beyond position 10 at byte 3: {presence:#06x}")
    pos = _HEADER
    fingers: list[FingerTemplate | None] = []
    for i in range(FINGER_POSITIONS):
        if not presence >> i & 1:
            fingers.append(None)
            continue
        fwhere = f"{where}.finger[{i + 1}]"
        if pos + 2 > len(data):
            raise InvalidInput(fwhere, f"truncated at byte {len(data)}")
        quality, count = data[pos], data[pos + 1]
        if quality > 100:
            raise InvalidInput(fwhere, f"quality {quality} at byte {pos} is above 100")
        if count > MAX_MINUTIAE:
            raise InvalidInput(fwhere, f"count {count} at byte {pos + 1} is above {MAX_MINUTIAE}")
        pos += 2
        end = pos + 4 * count
        if end > len(data):
            raise InvalidInput(
                fwhere, f"count {count} needs bytes {pos}..{end - 1}, truncated at byte {len(data)}"
            )
        words = np.frombuffer(data, dtype=">u4", count=count, offset=pos).astype(np.uint32)
        kind = (words >> 4) & 3
        bad = ((words & 0xF) != 0) | ((kind != RIDGE_ENDING) & (kind != BIFURCATION))
        if bad.any():
            j = int(np.nonzero(bad)[0][0])
            raise InvalidInput(
                f"{fwhere}.minutiae[{j}]",
                f"bad type or reserved bits in word {int(words[j]):#010x} at byte {pos + 4 * j}",
            )
        fingers.append(FingerTemplate._trusted(unpack_minutiae(words), quality))
        pos = end
    if pos != len(data):
        raise InvalidInput(where, f"{len(data) - pos} trailing bytes after byte {pos - 1}")
    return Tenprint(tuple(fingers))


@dataclass(frozen=True, eq=False)
class Packed:
    """Tenprints in the packed layout of :class:`~scomm.biometrics.synthetic.Population`:
    ``minutiae`` ``(n, 10, 128, 4)`` int16, ``counts`` ``(n, 10)`` int16 (-1 = missing) and
    ``quality`` ``(n, 10)`` uint8, the shape both the encoder and the MCC verifier read."""

    minutiae: Int16Array
    counts: Int16Array
    quality: npt.NDArray[np.uint8]

    def __len__(self) -> int:
        return int(self.counts.shape[0])

    @classmethod
    def of(cls, tenprints: Sequence[Tenprint]) -> Packed:
        n = len(tenprints)
        out = cls(
            np.zeros((n, FINGER_POSITIONS, MAX_MINUTIAE + 1, 4), dtype=np.int16),
            np.full((n, FINGER_POSITIONS), -1, dtype=np.int16),
            np.zeros((n, FINGER_POSITIONS), dtype=np.uint8),
        )
        for r, t in enumerate(tenprints):
            for f, finger in enumerate(t.fingers):
                if finger is not None:
                    out.minutiae[r, f, : len(finger)] = finger.minutiae
                    out.counts[r, f] = len(finger)
                    out.quality[r, f] = finger.quality
        return out

    def tenprint(self, row: int) -> Tenprint:
        """Row ``row`` as a :class:`Tenprint` (its minutiae copied)."""
        if not 0 <= row < len(self):
            raise IndexError(f"row {row} is outside 0..{len(self) - 1}")
        return packed_row(self.minutiae[row], self.counts[row], self.quality[row])


def packed_row(
    minutiae: Int16Array, counts: Int16Array, quality: npt.NDArray[np.uint8]
) -> Tenprint:
    """A Tenprint of one packed row; the minutiae are copied, so the row may be reused."""
    fingers: list[FingerTemplate | None] = []
    for f in range(FINGER_POSITIONS):
        n = int(counts[f])
        fingers.append(
            None if n < 0 else FingerTemplate._trusted(minutiae[f, :n].copy(), int(quality[f]))
        )
    return Tenprint(tuple(fingers))


def check_packed(p: Packed) -> None:
    """Refuse arrays a caller built by hand that the kernels would misread."""
    n = len(p)
    shapes: tuple[tuple[str, npt.NDArray[Any], type, tuple[int, ...]], ...] = (
        ("minutiae", p.minutiae, np.int16, (n, FINGER_POSITIONS, MAX_MINUTIAE + 1, 4)),
        ("counts", p.counts, np.int16, (n, FINGER_POSITIONS)),
        ("quality", p.quality, np.uint8, (n, FINGER_POSITIONS)),
    )
    for name, a, dtype, shape in shapes:
        if a.dtype != dtype or a.shape != shape:
            raise InvalidInput(name, f"expected {np.dtype(dtype)} {shape}, got {a.dtype} {a.shape}")
    if n and (p.counts.min() < -1 or p.counts.max() > MAX_MINUTIAE):
        raise InvalidInput("counts", f"finger counts must be -1..{MAX_MINUTIAE}")
